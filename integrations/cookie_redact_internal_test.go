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

// TestRedactFirstCookie sends a webhook test to an endpoint whose
// Cookie header carries a session cookie and a second cookie. A Cookie
// value has no scheme word, so its first token is a credential too. The
// receiver names the session cookie in its 401 response, and the test
// result's error must not carry it.
func TestRedactFirstCookie(t *testing.T) {
	const session = "sid=9fQe2LxW7cBn"
	fx := newServiceFixture(t, nil)
	ctx := context.Background()
	alice := Caller{UserID: "alice"}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		first, _, _ := strings.Cut(r.Header.Get("Cookie"), ";")
		w.WriteHeader(http.StatusUnauthorized)
		_, _ = io.WriteString(w, "expired session "+first)
	}))
	t.Cleanup(srv.Close)
	ep, _, err := fx.svc.CreateWebhookEndpoint(ctx, alice, WebhookInput{
		Name:    ptr("cookie"),
		URL:     ptr(srv.URL + "/in"),
		Headers: &map[string]string{"Cookie": session + "; theme=dark"},
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
	if strings.Contains(res.Error, session) {
		t.Errorf("the test result's error carries the session cookie: %q", res.Error)
	}
	del, err := fx.st.GetDelivery(ctx, store.AsAdmin(), res.DeliveryID)
	if err != nil {
		t.Fatal(err)
	}
	if body := del.LatestAttempt().ResponseBody; strings.Contains(body, session) {
		t.Errorf("the stored response body carries the session cookie: %q", body)
	}
}
