package payload

import "testing"

func TestNames(t *testing.T) {
	if StateName(Public) != "BS_PUB" || StateName(Private) != "BS_PRV" || UsersName(Private) != "BS_PRV_UE" {
		t.Fatal("protocol names changed")
	}
	for in, want := range map[string]Network{"public": Public, " Private ": Private, "1": Public, "2": Private, "": 0, "all": 0} {
		var n Network
		if err := n.UnmarshalText([]byte(in)); err != nil || n != want {
			t.Errorf("%q: %v %v", in, n, err)
		}
	}
	var n Network
	if err := n.UnmarshalText([]byte("wifi")); err == nil {
		t.Error("wifi accepted")
	}
	if CellOn.String() != "on" || CellAbsent.String() != "absent" || CellState(7).String() != "CellState(7)" {
		t.Error("cell names")
	}
}
