package webhook_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"time"

	"github.com/hishamos/integrations-external/webhook"
)

// A receiving application wraps its handler in Verifier.Middleware; the
// handler then reads the exact bytes that were signed. Here the sender
// and the receiver share the secret "test-secret".
func Example() {
	verifier := webhook.Verifier{Secrets: []webhook.Secret{"test-secret"}}
	receiver := httptest.NewServer(verifier.Middleware(http.HandlerFunc(
		func(w http.ResponseWriter, r *http.Request) {
			body, _ := io.ReadAll(r.Body)
			fmt.Printf("verified %s: %s\n", r.Header.Get("X-HishamOS-Event"), body)
			w.WriteHeader(http.StatusNoContent)
		})))
	defer receiver.Close()

	// The receiver listens on 127.0.0.1, which the sender blocks unless
	// private networks are allowed.
	sender := webhook.NewSender(webhook.WithAllowPrivateNetworks(true))
	defer sender.Close()

	res := sender.Send(context.Background(), webhook.Request{
		URL:        receiver.URL + "/hooks/hishamos",
		Body:       []byte(`{"event":"command.executed","status":"success"}`),
		EventType:  "command.executed",
		DeliveryID: "0193a1b2-0000-7000-8000-000000000001",
		Secrets:    []webhook.Secret{"test-secret"},
		Timeout:    5 * time.Second,
	})
	fmt.Println(res.Classification, res.StatusCode)

	forged := sender.Send(context.Background(), webhook.Request{
		URL:     receiver.URL + "/hooks/hishamos",
		Body:    []byte(`{"event":"command.executed","status":"success"}`),
		Secrets: []webhook.Secret{"guessed-secret"},
	})
	fmt.Println(forged.Classification, forged.Err)
	// Output:
	// verified command.executed: {"event":"command.executed","status":"success"}
	// success 204
	// permanent HTTP 401: webhook: verify X-HishamOS-Signature: signature does not match
}

// Policy turns the outcome of each attempt into the time of the next one.
// With the defaults, three attempts in all, the retries come 2s and 4s
// after the failures (±20%; the jitter is fixed here).
func ExamplePolicy() {
	start := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	p := webhook.Policy{
		Now:  func() time.Time { return start },
		Rand: func() float64 { return 0.5 },
	}
	for attempt := 1; ; attempt++ {
		next, ok := p.Next(attempt, webhook.Retryable, 0)
		if !ok {
			fmt.Printf("attempt %d failed: give up\n", attempt)
			break
		}
		fmt.Printf("attempt %d failed: retry after %v\n", attempt, next.Sub(start))
	}
	// Output:
	// attempt 1 failed: retry after 2s
	// attempt 2 failed: retry after 4s
	// attempt 3 failed: give up
}

func ExampleValidateURL() {
	for _, u := range []string{"https://hooks.example.com/in", "ftp://example.com/", "http://0x7f.1/"} {
		fmt.Println(u, "->", webhook.ValidateURL(u))
	}
	// Output:
	// https://hooks.example.com/in -> <nil>
	// ftp://example.com/ -> webhook: invalid URL: must use http or https
	// http://0x7f.1/ -> webhook: invalid URL: must write an IPv4 address as four decimal numbers, such as 192.0.2.1
}
