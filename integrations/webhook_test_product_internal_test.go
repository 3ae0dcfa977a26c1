package integrations

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// TestRedactMiddleHeaderToken sends a webhook test to an endpoint
// whose Authorization header contains a scheme and two tokens. The receiver
// rejects the first token and names it in its 401 response. The stored
// error must not carry that token.
func TestRedactMiddleHeaderToken(t *testing.T) {
	const keyID = "kid_live_7Q2mX9"
	fx := newServiceFixture(t, nil)
	ctx := context.Background()
	alice := Caller{UserID: "alice"}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		fields := strings.Fields(r.Header.Get("Authorization"))
		w.WriteHeader(http.StatusUnauthorized)
		_, _ = io.WriteString(w, "unknown key id "+fields[1])
	}))
	t.Cleanup(srv.Close)
	ep, _, err := fx.svc.CreateWebhookEndpoint(ctx, alice, WebhookInput{
		Name:    ptr("signed"),
		URL:     ptr(srv.URL + "/in"),
		Headers: &map[string]string{"Authorization": "ApiKey " + keyID + " sig_4Fh8Lw0pZr"},
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
	if strings.Contains(res.Error, keyID) {
		t.Errorf("the test result's error carries the header's first token: %q", res.Error)
	}
}

// TestWebhookTestUsesProductName sends a webhook test without a
// payload through a dispatcher whose ProductName is "Acme". The default
// test event must name Acme, as the Slack and email test messages do.
func TestWebhookTestUsesProductName(t *testing.T) {
	fx := newServiceFixture(t, func(c *Config) { c.ProductName = "Acme" })
	ctx := context.Background()
	alice := Caller{UserID: "alice"}
	bodies := make(chan string, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		bodies <- string(b)
	}))
	t.Cleanup(srv.Close)
	ep, _, err := fx.svc.CreateWebhookEndpoint(ctx, alice, WebhookInput{Name: ptr("echo"), URL: ptr(srv.URL + "/in")})
	if err != nil {
		t.Fatal(err)
	}

	if _, err := fx.svc.SendWebhookTest(ctx, alice, ep.ID, nil); err != nil {
		t.Fatal(err)
	}

	body := <-bodies
	if strings.Contains(body, "HishamOS") {
		t.Errorf("test event with ProductName \"Acme\" names HishamOS: %s", body)
	}
	if !strings.Contains(body, "Acme") {
		t.Errorf("test event with ProductName \"Acme\" does not name Acme: %s", body)
	}
}
