package httpapi_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/hishamos/integrations-external/integrations"
	"github.com/hishamos/integrations-external/integrations/httpapi"
)

// FuzzRoutes sends arbitrary methods, paths and bodies to the handler and
// checks that no response is a 5xx other than 503 and that every 2xx and
// 4xx body is JSON.
func FuzzRoutes(f *testing.F) {
	seeds := []struct{ method, path, body string }{
		{"POST", prefix + "github/", `{"repository_owner":"octo","repository_name":"hello","access_token":"t"}`},
		{"POST", prefix + "webhooks/", `{"name":"n","url":"http://127.0.0.1/","custom_events":["a"],"headers":{"X-A":"b"}}`},
		{"PUT", prefix + "webhooks/0190f0d4-8f6a-7cc3-a0f3-3b0c1f6f3a11/", `{"retry_count":"3"}`},
		{"PATCH", prefix + "email/", `{"email_address":"a@b.c","notify_system_alerts":null}`},
		{"POST", prefix + "slack/", `[1,2,3]`},
		{"GET", prefix + "webhook-deliveries/?limit=-1&status=x", ``},
		{"DELETE", prefix + "github/%2e%2e/", ``},
		{"POST", prefix + "webhooks/0190f0d4-8f6a-7cc3-a0f3-3b0c1f6f3a11/test/", `{"payload":{"a":1}}`},
	}
	for _, s := range seeds {
		f.Add(s.method, s.path, []byte(s.body))
	}
	d, err := integrations.New(integrations.Config{Store: openSQLite(f)})
	if err != nil {
		f.Fatal(err)
	}
	h := httpapi.New(d.Service(), httpapi.Options{Authenticator: bearerAuth, MaxBodyBytes: 4096})
	f.Fuzz(func(t *testing.T, method, path string, body []byte) {
		if reachesRemote(path) {
			return // a created record's action would call a real service
		}
		req, err := http.NewRequest(method, "http://example.test"+path, bytes.NewReader(body))
		if err != nil {
			return
		}
		req.Header.Set("Authorization", "Bearer fuzzer")
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code >= 500 && rec.Code != http.StatusServiceUnavailable {
			t.Fatalf("%s %s: status %d: %s", method, path, rec.Code, rec.Body)
		}
		if rec.Code != http.StatusNoContent && rec.Code < 300 || rec.Code >= 400 {
			if !json.Valid(rec.Body.Bytes()) {
				t.Fatalf("%s %s: status %d with a body that is not JSON: %q", method, path, rec.Code, rec.Body)
			}
		}
	})
}
