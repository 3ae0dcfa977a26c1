package integrations

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

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
