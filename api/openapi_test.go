package api

import (
	"encoding/json"
	"net/http/httptest"
	"sort"
	"strings"
	"testing"
)

// TestOpenAPIMatchesRoutes walks openapi.json: every operation must be routed
// by the real mux to the route of the same method and path, with the same
// role; and every route must be described.
func TestOpenAPIMatchesRoutes(t *testing.T) {
	var doc struct {
		OpenAPI string `json:"openapi"`
		Servers []struct {
			URL string `json:"url"`
		} `json:"servers"`
		Paths map[string]map[string]struct {
			OperationID string                     `json:"operationId"`
			Role        Role                       `json:"x-role"`
			Responses   map[string]json.RawMessage `json:"responses"`
		} `json:"paths"`
	}
	if err := json.Unmarshal(openAPI, &doc); err != nil {
		t.Fatalf("openapi.json: %v", err)
	}
	if !strings.HasPrefix(doc.OpenAPI, "3.") || len(doc.Servers) != 1 || doc.Servers[0].URL != Prefix {
		t.Fatalf("openapi %q servers %+v", doc.OpenAPI, doc.Servers)
	}
	s := newTestServer(t, &fakeCtrl{}, testTokens)
	need := map[string]Role{}
	for _, rt := range routes() {
		need[rt.method+" "+Prefix+rt.path] = rt.need
	}
	described := map[string]bool{}
	ids := map[string]bool{}
	for path, ops := range doc.Paths {
		for method, op := range ops {
			key := strings.ToUpper(method) + " " + Prefix + path
			described[key] = true
			if op.OperationID == "" || ids[op.OperationID] {
				t.Errorf("%s: operationId %q missing or repeated", key, op.OperationID)
			}
			ids[op.OperationID] = true
			if len(op.Responses) == 0 {
				t.Errorf("%s: no responses", key)
			}
			if _, ok := op.Responses["401"]; !ok {
				t.Errorf("%s: 401 not described", key)
			}
			// The real mux must send a request for this operation to the
			// route registered with this very pattern.
			url := Prefix + strings.NewReplacer("{id}", "1", "{z}", "0", "{x}", "0", "{y}", "0").Replace(path)
			req := httptest.NewRequest(strings.ToUpper(method), url, nil)
			if _, pat := s.mux.Handler(req); pat != key {
				t.Errorf("%s: routed to %q", key, pat)
			}
			role, ok := need[key]
			if !ok {
				t.Errorf("%s: described but not a route", key)
			} else if op.Role != role {
				t.Errorf("%s: x-role %q, route needs %q", key, op.Role, role)
			}
		}
	}
	var missing []string
	for key := range need {
		if !described[key] {
			missing = append(missing, key)
		}
	}
	sort.Strings(missing)
	if len(missing) > 0 {
		t.Errorf("routes missing from openapi.json: %v", missing)
	}
}

// TestOpenAPISchemasResolve checks that every $ref points at a component.
func TestOpenAPISchemasResolve(t *testing.T) {
	var doc map[string]any
	if err := json.Unmarshal(openAPI, &doc); err != nil {
		t.Fatal(err)
	}
	comps := doc["components"].(map[string]any)
	var walk func(v any)
	walk = func(v any) {
		switch v := v.(type) {
		case map[string]any:
			if ref, ok := v["$ref"].(string); ok {
				parts := strings.Split(strings.TrimPrefix(ref, "#/components/"), "/")
				if len(parts) != 2 {
					t.Errorf("odd $ref %q", ref)
					return
				}
				sec, _ := comps[parts[0]].(map[string]any)
				if _, ok := sec[parts[1]]; !ok {
					t.Errorf("$ref %q resolves to nothing", ref)
				}
			}
			for _, x := range v {
				walk(x)
			}
		case []any:
			for _, x := range v {
				walk(x)
			}
		}
	}
	walk(doc)
}
