package integrations

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/hishamos/integrations-external/webhook"
)

// TestRedactCostOfRepeatedTokens sends a webhook test to an endpoint whose
// Authorization header, "Bearer aaaa aaaa ...", holds 50 four-byte tokens.
// The receiver responds 500 with 64 KiB of "a". Redacting that response
// must not allocate much more than the response itself.
func TestRedactCostOfRepeatedTokens(t *testing.T) {
	fx := newServiceFixture(t, nil)
	ctx := context.Background()
	alice := Caller{UserID: "alice"}
	body := strings.Repeat("a", webhook.DrainLimit)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		w.WriteHeader(http.StatusInternalServerError)
		_, _ = io.WriteString(w, body)
	}))
	t.Cleanup(srv.Close)
	header := "Bearer " + strings.TrimSpace(strings.Repeat("aaaa ", 50))
	ep, _, err := fx.svc.CreateWebhookEndpoint(ctx, alice, WebhookInput{
		Name:    ptr("echo"),
		URL:     ptr(srv.URL + "/in"),
		Headers: &map[string]string{"Authorization": header},
	})
	if err != nil {
		t.Fatal(err)
	}

	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	start := time.Now()
	res, err := fx.svc.SendWebhookTest(ctx, alice, ep.ID, nil)
	elapsed := time.Since(start)
	runtime.ReadMemStats(&after)
	if err != nil {
		t.Fatal(err)
	}

	if res.ResponseStatus != http.StatusInternalServerError {
		t.Fatalf("ResponseStatus = %d, want 500", res.ResponseStatus)
	}
	const maxAlloc = 32 << 20
	if allocated := after.TotalAlloc - before.TotalAlloc; allocated > maxAlloc {
		t.Errorf("the webhook test allocated %d MiB in %v, want at most %d MiB for a 64 KiB response",
			allocated>>20, elapsed.Round(time.Millisecond), maxAlloc>>20)
	}
}
