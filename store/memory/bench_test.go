package memory_test

import (
	"testing"
	"time"

	"github.com/hishamos/integrations-external/store"
	"github.com/hishamos/integrations-external/store/memory"
	"github.com/hishamos/integrations-external/store/storetest"
)

// BenchmarkEnqueueClaimRecord measures one delivery through the queue:
// enqueued in batches of 100, claimed and recorded in batches of 100.
func BenchmarkEnqueueClaimRecord(b *testing.B) {
	s := memory.New(memory.Options{})
	defer s.Close()
	e := storetest.CreateWebhookEndpoint(b, s, "alice", "bench")
	now := storetest.BaseTime()
	const batch = 100

	b.ReportAllocs()
	for b.Loop() {
		ds := make([]*store.Delivery, batch)
		for i := range ds {
			ds[i] = storetest.NewDelivery(store.ChannelWebhook, e.ID, "alice", now)
		}
		storetest.Enqueue(b, s, ds...)
		claimed, err := s.ClaimDeliveries(b.Context(), store.ClaimParams{Now: now, Limit: batch, Lease: time.Minute})
		if err != nil || len(claimed) != batch {
			b.Fatalf("claim: got %d deliveries, err %v; want %d", len(claimed), err, batch)
		}
		records := make([]store.AttemptRecord, len(claimed))
		for i, d := range claimed {
			records[i] = store.AttemptRecord{
				Attempt: store.Attempt{DeliveryID: d.ID, Status: store.AttemptSuccess, ResponseStatus: 200, StartedAt: now},
				Status:  store.StatusSuccess,
			}
		}
		if _, err := s.RecordAttempts(b.Context(), store.RecordParams{Now: now, Records: records}); err != nil {
			b.Fatal(err)
		}
		if _, err := s.PruneDeliveries(b.Context(), store.PruneParams{Before: now.Add(time.Hour)}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N*batch)/b.Elapsed().Seconds(), "deliveries/s")
}
