package integrations

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/hishamos/integrations-external/store"
)

// TestRedactHeaderParts sends webhook tests to endpoints whose credential
// header a receiver quotes in part in its 401 response. Neither the test
// result's error nor the stored response body may carry the quoted part.
func TestRedactHeaderParts(t *testing.T) {
	cases := []struct {
		name, header, value, secret string
		quote                       func(r *http.Request) string
	}{
		{
			// The token after the scheme word, not the last one.
			name: "middle token", header: "Authorization", value: "ApiKey kid_live_7Q2mX9 sig_4Fh8Lw0pZr",
			secret: "kid_live_7Q2mX9",
			quote:  func(r *http.Request) string { return strings.Fields(r.Header.Get("Authorization"))[1] },
		},
		{
			// A Cookie value has no scheme word, so its first cookie is a
			// credential too.
			name: "first cookie", header: "Cookie", value: "sid=9fQe2LxW7cBn; theme=dark",
			secret: "sid=9fQe2LxW7cBn",
			quote: func(r *http.Request) string {
				first, _, _ := strings.Cut(r.Header.Get("Cookie"), ";")
				return first
			},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			fx := newServiceFixture(t, nil)
			ctx := context.Background()
			alice := Caller{UserID: "alice"}
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				_, _ = io.Copy(io.Discard, r.Body)
				w.WriteHeader(http.StatusUnauthorized)
				_, _ = io.WriteString(w, "rejected "+tc.quote(r))
			}))
			t.Cleanup(srv.Close)
			ep, _, err := fx.svc.CreateWebhookEndpoint(ctx, alice, WebhookInput{
				Name: ptr("echo"), URL: ptr(srv.URL + "/in"), Headers: &map[string]string{tc.header: tc.value},
			})
			if err != nil {
				t.Fatal(err)
			}

			res, err := fx.svc.SendWebhookTest(ctx, alice, ep.ID, nil)
			if err != nil {
				t.Fatal(err)
			}

			if res.ResponseStatus != http.StatusUnauthorized {
				t.Fatalf("ResponseStatus = %d, want 401", res.ResponseStatus)
			}
			if strings.Contains(res.Error, tc.secret) {
				t.Errorf("the test result's error carries %q: %q", tc.secret, res.Error)
			}
			del, err := fx.st.GetDelivery(ctx, store.AsAdmin(), res.DeliveryID)
			if err != nil {
				t.Fatal(err)
			}
			if body := del.LatestAttempt().ResponseBody; strings.Contains(body, tc.secret) {
				t.Errorf("the stored response body carries %q: %q", tc.secret, body)
			}
		})
	}
}
