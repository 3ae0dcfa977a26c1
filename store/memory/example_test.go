package memory_test

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/hishamos/integrations-external/store"
	"github.com/hishamos/integrations-external/store/memory"
)

// Example enqueues one delivery for a webhook endpoint, claims it as a
// worker would, and records a failed attempt that schedules a retry.
func Example() {
	ctx := context.Background()
	now := time.Date(2026, time.March, 1, 12, 0, 0, 0, time.UTC)
	s := memory.New(memory.Options{Now: func() time.Time { return now }})
	defer s.Close()

	endpoint := store.NewWebhookEndpoint("alice")
	endpoint.Name = "ci"
	endpoint.URL = "https://hooks.example.test/ci"
	if err := s.CreateWebhookEndpoint(ctx, endpoint); err != nil {
		fmt.Println(err)
		return
	}

	results, err := s.EnqueueDeliveries(ctx, []*store.Delivery{{
		Channel:     store.ChannelWebhook,
		TargetID:    endpoint.ID,
		UserID:      "alice",
		EventType:   "workflow.completed",
		Payload:     []byte(`{"event":"workflow.completed"}`),
		MaxAttempts: endpoint.RetryCount,
	}})
	if err != nil {
		fmt.Println(err)
		return
	}

	claimed, _ := s.ClaimDeliveries(ctx, store.ClaimParams{Now: now, Limit: 10, LeaseMargin: 10 * time.Second})
	fmt.Println("claimed:", len(claimed), "lease ends:", claimed[0].LeaseUntil.Format(time.TimeOnly))

	_, _ = s.RecordAttempts(ctx, store.RecordParams{Now: now, Records: []store.AttemptRecord{{
		Attempt: store.Attempt{
			DeliveryID:     results[0].ID,
			Status:         store.AttemptFailed,
			ResponseStatus: 503,
			ErrorMessage:   "HTTP 503",
			StartedAt:      now,
		},
		Status:        store.StatusRetrying,
		NextAttemptAt: now.Add(time.Minute),
	}}})

	d, _ := s.GetDelivery(ctx, store.AsUser("alice"), results[0].ID)
	fmt.Println("status:", d.Status, "attempts:", d.AttemptCount, "next:", d.NextAttemptAt.Format(time.TimeOnly))

	e, _ := s.GetWebhookEndpoint(ctx, store.AsUser("alice"), endpoint.ID)
	fmt.Println("failures:", e.FailureCount, "last error:", e.LastError)

	_, err = s.GetDelivery(ctx, store.AsUser("bob"), results[0].ID)
	fmt.Println("bob sees it:", !errors.Is(err, store.ErrNotFound))
	// Output:
	// claimed: 1 lease ends: 12:00:40
	// status: retrying attempts: 1 next: 12:01:00
	// failures: 1 last error: HTTP 503
	// bob sees it: false
}
