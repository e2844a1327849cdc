package api

import (
	"errors"
	"strings"
	"testing"
)

func TestCheckListen(t *testing.T) {
	tests := []struct {
		addr   string
		tokens []Token
		ok     bool
	}{
		{"127.0.0.1:8080", nil, true},
		{"localhost:8080", nil, true},
		{"[::1]:8080", nil, true},
		{"127.0.0.2:8080", nil, true},
		{":8080", nil, false},
		{"0.0.0.0:8080", nil, false},
		{"[::]:8080", nil, false},
		{"192.168.1.10:8080", nil, false},
		{"aerocell.local:8080", nil, false},
		{"", nil, false},
		{":8080", testTokens, true},
		{"0.0.0.0:8080", testTokens, true},
	}
	for _, tt := range tests {
		err := CheckListen(tt.addr, tt.tokens)
		if (err == nil) != tt.ok {
			t.Errorf("CheckListen(%q, %d tokens) = %v", tt.addr, len(tt.tokens), err)
		}
		if err != nil && !errors.Is(err, ErrInsecureListen) {
			t.Errorf("CheckListen(%q) error %v is not ErrInsecureListen", tt.addr, err)
		}
	}
}

func TestConfigInitialize(t *testing.T) {
	tests := []struct {
		name string
		cfg  Config
		msg  string // empty: valid
	}{
		{"loopback no tokens", Config{Addr: "127.0.0.1:8080"}, ""},
		{"open without tokens", Config{Addr: ":8080"}, "beyond loopback"},
		{"short token", Config{Addr: ":8080", Tokens: []Token{{Token: "short", Role: Viewer, Name: "a"}}}, "shorter"},
		{"bad role", Config{Addr: ":8080", Tokens: []Token{{Token: commanderTok, Role: "admin", Name: "a"}}}, `role "admin"`},
		{"repeated token", Config{Addr: ":8080", Tokens: []Token{{Token: commanderTok, Role: Viewer}, {Token: commanderTok, Role: Commander}}}, "repeats"},
		{"tile url not http", Config{Addr: "127.0.0.1:1", Basemap: Basemap{TileURL: "file:///tiles/{z}/{x}/{y}.png"}}, "http"},
		{"tile url no z", Config{Addr: "127.0.0.1:1", Basemap: Basemap{TileURL: "http://t/{x}/{y}.png"}}, "{z}"},
		{"tile url ok", Config{Addr: "127.0.0.1:1", Basemap: Basemap{TileURL: "http://t/{z}/{x}/{y}.png"}}, ""},
		{"mbtiles and tile url", Config{Addr: "127.0.0.1:1", Basemap: Basemap{MBTilesPath: "a.mbtiles", TileURL: "http://t/{z}/{x}/{y}.png"}}, "not both"},
		{"zoom", Config{Addr: "127.0.0.1:1", Basemap: Basemap{MaxZoom: 30}}, "max_zoom"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.cfg.Initialize()
			if tt.msg == "" {
				if err != nil {
					t.Fatal(err)
				}
				if tt.cfg.Logger == nil || tt.cfg.StreamInterval <= 0 || tt.cfg.TileClient == nil {
					t.Fatal("defaults not filled")
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.msg) {
				t.Fatalf("err %v, want one containing %q", err, tt.msg)
			}
		})
	}
}

func TestNewRefusesInsecureListen(t *testing.T) {
	if _, err := New(Config{Addr: "0.0.0.0:8080"}, &fakeCtrl{}, nil); !errors.Is(err, ErrInsecureListen) {
		t.Fatalf("err %v", err)
	}
	if _, err := New(Config{Addr: "127.0.0.1:8080"}, nil, nil); !errors.Is(err, ErrConfig) {
		t.Fatalf("nil controller: err %v", err)
	}
}
