package api

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/aerocell/aerocell/fleet"
)

func TestTileProxy(t *testing.T) {
	png := []byte("\x89PNG\r\n\x1a\nfake tile")
	upstream := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/3/1/2.png":
			w.Header().Set("Content-Type", "image/png")
			w.Write(png)
		case "/3/1/3.png":
			w.Header().Set("Content-Type", "text/html")
			w.Write([]byte("<html>login</html>"))
		case "/3/1/4.png":
			http.Error(w, "boom", 500)
		default:
			http.NotFound(w, r)
		}
	}))
	defer upstream.Close()
	snap := fleet.Snapshot{}
	s, err := New(Config{Addr: "127.0.0.1:0", Tokens: testTokens, Basemap: Basemap{TileURL: upstream.URL + "/{z}/{x}/{y}.png", MaxZoom: 18}},
		&fakeCtrl{snapshot: func() fleet.Snapshot { return snap }}, nil)
	if err != nil {
		t.Fatal(err)
	}
	rec := call{"GET", "/api/v1/basemap", viewerTok, "", ""}.do(t, s)
	var info BasemapInfo
	if err := json.Unmarshal(rec.Body.Bytes(), &info); err != nil || !info.Enabled || info.Tiles != "/api/v1/basemap/{z}/{x}/{y}" || info.MaxZoom != 18 {
		t.Fatalf("basemap info %s", rec.Body)
	}
	rec = call{"GET", "/api/v1/basemap/3/1/2", viewerTok, "", ""}.do(t, s)
	if rec.Code != 200 || rec.Header().Get("Content-Type") != "image/png" || rec.Body.String() != string(png) {
		t.Fatalf("tile: %d %q %q", rec.Code, rec.Header().Get("Content-Type"), rec.Body)
	}
	for path, want := range map[string]int{
		"/api/v1/basemap/3/1/5":  404, // upstream has none
		"/api/v1/basemap/3/1/3":  502, // not an image
		"/api/v1/basemap/3/1/4":  502, // upstream error
		"/api/v1/basemap/3/8/0":  400, // off the map
		"/api/v1/basemap/19/0/0": 400, // deeper than max zoom
		"/api/v1/basemap/a/0/0":  400,
	} {
		rec := call{"GET", path, viewerTok, "", ""}.do(t, s)
		if rec.Code != want {
			t.Errorf("%s: %d, want %d (%s)", path, rec.Code, want, rec.Body)
		}
		errorOf(t, rec)
	}
}
