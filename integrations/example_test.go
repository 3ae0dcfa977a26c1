package integrations_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"time"

	"github.com/hishamos/integrations-external/integrations"
	"github.com/hishamos/integrations-external/store/memory"
)

// Example shows the calls a host makes: build a Dispatcher on a store,
// configure a webhook endpoint for a user, start the workers, report a
// finished command, and stop.
func Example() {
	// A receiver on loopback plays the role of the user's webhook endpoint.
	got := make(chan string, 1)
	receiver := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var payload map[string]any
		_ = json.NewDecoder(r.Body).Decode(&payload)
		got <- fmt.Sprintf("%s for %v (%v), signed: %t", r.Header.Get("X-HishamOS-Event"),
			payload["command_name"], payload["status"], r.Header.Get("X-HishamOS-Signature") != "")
		w.WriteHeader(http.StatusNoContent)
	}))
	defer receiver.Close()

	finished := make(chan integrations.DeliveryReport, 1)
	d, err := integrations.New(integrations.Config{
		Store: memory.New(memory.Options{}), // Use sqlite.Open for a durable store.
		// Webhooks to loopback are blocked unless allowed.
		AllowedNetworks:    []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")},
		OnDeliveryFinished: func(r integrations.DeliveryReport) { finished <- r },
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	ctx := context.Background()

	// Users usually do this through the REST API (package httpapi).
	url := receiver.URL + "/hook"
	_, _, err = d.Service().CreateWebhookEndpoint(ctx, integrations.Caller{UserID: "alice"},
		integrations.WebhookInput{Name: ptr("ci"), URL: &url, TriggerOnCommandExecution: ptr(true)})
	if err != nil {
		fmt.Println(err)
		return
	}

	if err := d.Start(ctx); err != nil {
		fmt.Println(err)
		return
	}
	defer func() { _ = d.Stop(ctx) }()

	ids, err := d.CommandExecuted(ctx, integrations.CommandResult{
		CommandID:     "cmd-42",
		CommandName:   "deploy",
		ExecutionID:   "run-1",
		UserID:        "alice",
		Status:        integrations.StatusSuccess,
		ExecutionTime: 1500 * time.Millisecond,
		Cost:          0.02,
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("deliveries:", len(ids))
	fmt.Println("receiver got:", <-got)
	report := <-finished
	fmt.Println("delivery:", report.Status, "after", report.Attempts, "attempt")
	// Output:
	// deliveries: 1
	// receiver got: command.executed for deploy (success), signed: true
	// delivery: success after 1 attempt
}

func ptr[T any](v T) *T { return &v }
