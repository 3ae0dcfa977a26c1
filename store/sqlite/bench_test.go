package sqlite_test

import (
	"context"
	"database/sql"
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/hishamos/integrations-external/store"
	"github.com/hishamos/integrations-external/store/sqlite"
)

// benchPayload is a webhook body of a typical size.
var benchPayload = []byte(`{"event":"workflow.completed","data":{"workflow_id":"wf-1","status":"success","duration_ms":1234}}`)

func benchEndpoint(b *testing.B, s *sqlite.Store, user string) *store.WebhookEndpoint {
	b.Helper()
	e := store.NewWebhookEndpoint(user)
	e.Name, e.URL = "bench", "https://receiver.example"
	require.NoError(b, s.CreateWebhookEndpoint(context.Background(), e))

	return e
}

func benchDeliveries(n int, e *store.WebhookEndpoint, at time.Time) []*store.Delivery {
	ds := make([]*store.Delivery, n)
	for i := range ds {
		ds[i] = &store.Delivery{
			Channel: store.ChannelWebhook, TargetID: e.ID, TargetName: e.Name, TargetURL: e.URL,
			UserID: e.UserID, EventID: store.NewID(), EventType: "workflow.completed",
			Payload: benchPayload, MaxAttempts: 3, TriggeredAt: at,
		}
	}

	return ds
}

// BenchmarkEnqueue enqueues batches of 1,000 deliveries, one transaction
// per batch.
func BenchmarkEnqueue(b *testing.B) {
	ctx := context.Background()
	s := openAt(b, tempPath(b), nil)
	e := benchEndpoint(b, s, "alice")
	const batch = 1000
	now := time.Now()
	b.ResetTimer()
	for b.Loop() {
		b.StopTimer()
		ds := benchDeliveries(batch, e, now)
		b.StartTimer()
		_, err := s.EnqueueDeliveries(ctx, ds)
		if err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N*batch)/b.Elapsed().Seconds(), "deliveries/s")
}

// BenchmarkEventWrites is the store's part of one end-to-end event, without
// HTTP: it enqueues 4 deliveries with 1 KiB payloads, already leased as a
// hand-off writes them, and records a successful attempt for each of the
// previous event's 4, one call after the other.
func BenchmarkEventWrites(b *testing.B) {
	ctx := context.Background()
	s := openAt(b, tempPath(b), nil)
	var endpoints []*store.WebhookEndpoint
	for range 4 {
		endpoints = append(endpoints, benchEndpoint(b, s, "alice"))
	}
	payload := []byte(`{"blob":"` + strings.Repeat("x", 1000) + `"}`)
	var previous []*store.Delivery
	event := 0
	for b.Loop() {
		now := time.Now()
		ds := make([]*store.Delivery, len(endpoints))
		for i, e := range endpoints {
			ds[i] = &store.Delivery{
				Channel: store.ChannelWebhook, TargetID: e.ID, TargetName: e.Name, TargetURL: e.URL,
				UserID: e.UserID, EventID: "event", EventType: "bench.event", Payload: payload, MaxAttempts: 3,
				TriggeredAt: now, IdempotencyKey: "key-" + strconv.Itoa(event), LeaseUntil: now.Add(time.Minute),
			}
		}
		event++
		if _, err := s.EnqueueDeliveries(ctx, ds); err != nil {
			b.Fatal(err)
		}
		if previous != nil {
			records := make([]store.AttemptRecord, len(previous))
			for i, d := range previous {
				records[i] = store.AttemptRecord{Status: store.StatusSuccess, Attempt: store.Attempt{
					DeliveryID: d.ID, Status: store.AttemptSuccess, ResponseStatus: 200, StartedAt: now}}
			}
			if _, err := s.RecordAttempts(ctx, store.RecordParams{Now: now, Records: records}); err != nil {
				b.Fatal(err)
			}
		}
		previous = ds
	}
	b.ReportMetric(float64(b.N*len(endpoints))/b.Elapsed().Seconds(), "deliveries/s")
}

// BenchmarkClaimRecord claims 100 due deliveries and records an attempt for
// each, two transactions per iteration.
func BenchmarkClaimRecord(b *testing.B) {
	ctx := context.Background()
	s := openAt(b, tempPath(b), nil)
	const batch = 100
	endpoints := make([]*store.WebhookEndpoint, 10)
	for i := range endpoints {
		endpoints[i] = benchEndpoint(b, s, "alice")
	}
	start := time.Now()
	now := start.Add(time.Hour)
	enqueued, claimedTotal := 0, 0
	b.ResetTimer()
	for b.Loop() {
		if claimedTotal+batch > enqueued {
			b.StopTimer()
			var ds []*store.Delivery
			for _, e := range endpoints {
				ds = append(ds, benchDeliveries(1000, e, start)...)
			}
			// Interleave the endpoints, as events from many sources arrive.
			rand.Shuffle(len(ds), func(i, j int) { ds[i], ds[j] = ds[j], ds[i] })
			_, err := s.EnqueueDeliveries(ctx, ds)
			require.NoError(b, err)
			enqueued += len(ds)
			b.StartTimer()
		}
		claimed, err := s.ClaimDeliveries(ctx, store.ClaimParams{
			Now: now, Limit: batch, MaxPerTarget: 50, Lease: time.Minute, LeaseMargin: time.Minute,
		})
		if err != nil {
			b.Fatal(err)
		}
		if len(claimed) != batch {
			b.Fatalf("claimed %d deliveries, want %d", len(claimed), batch)
		}
		claimedTotal += batch
		records := make([]store.AttemptRecord, len(claimed))
		for i, d := range claimed {
			records[i] = store.AttemptRecord{
				Attempt: store.Attempt{
					DeliveryID: d.ID, Status: store.AttemptSuccess, ResponseStatus: 200,
					ResponseBody: "ok", DurationMS: 12, StartedAt: now,
				},
				Status: store.StatusSuccess,
			}
		}
		if _, err := s.RecordAttempts(ctx, store.RecordParams{Now: now, Records: records}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N*batch)/b.Elapsed().Seconds(), "attempts/s")
}

// BenchmarkListDeliveries lists the newest 50 deliveries of one endpoint
// among 1,000,000 deliveries of 100 endpoints and 10 users.
func BenchmarkListDeliveries(b *testing.B) {
	ctx := context.Background()
	path := tempPath(b)
	s := openAt(b, path, nil)
	endpoints := make([]*store.WebhookEndpoint, 100)
	for i := range endpoints {
		endpoints[i] = benchEndpoint(b, s, fmt.Sprintf("user-%d", i%10))
	}
	seedStart := time.Now()
	seedDeliveries(b, path, endpoints, 1_000_000)
	b.Logf("seeded 1,000,000 deliveries in %v", time.Since(seedStart).Round(time.Millisecond))

	target := endpoints[42]
	q := store.DeliveryQuery{Access: store.AsUser(target.UserID), TargetID: target.ID, Limit: 50}
	b.ResetTimer()
	for b.Loop() {
		list, err := s.ListDeliveries(ctx, q)
		if err != nil {
			b.Fatal(err)
		}
		if len(list) != 50 {
			b.Fatalf("listed %d deliveries, want 50", len(list))
		}
	}
	b.ReportMetric(b.Elapsed().Seconds()*1000/float64(b.N), "ms/op")
}

// seedDeliveries inserts n deliveries spread over endpoints, with one
// attempt each, through a separate connection in one transaction of
// prepared inserts: the fastest way to fill the file, and no part of the
// measured API.
func seedDeliveries(b *testing.B, path string, endpoints []*store.WebhookEndpoint, n int) {
	b.Helper()
	db, err := sql.Open("sqlite", "file:"+path+"?_pragma=busy_timeout(5000)&_pragma=journal_mode(WAL)&_pragma=synchronous(OFF)&_txlock=immediate")
	require.NoError(b, err)
	defer db.Close()
	tx, err := db.Begin()
	require.NoError(b, err)
	insert, err := tx.Prepare(`INSERT INTO deliveries (id, channel, target_id, target_name, target_url,
		user_id, event_id, event_type, payload, status, attempt_count, max_attempts, next_attempt_at,
		triggered_at, completed_at, created_at, updated_at)
		VALUES (?, 'webhook', ?, ?, ?, ?, ?, 'workflow.completed', ?, 'success', 1, 3, ?, ?, ?, ?, ?)`)
	require.NoError(b, err)
	attempt, err := tx.Prepare(`INSERT INTO attempts (delivery_id, number, status, response_status,
		response_body, duration_ms, started_at) VALUES (?, 1, 'success', 200, 'ok', 12, ?)`)
	require.NoError(b, err)
	at := time.Now().Add(-24 * time.Hour).UnixMilli()
	for i := range n {
		e := endpoints[i%len(endpoints)]
		id := store.NewID()
		_, err := insert.Exec(id, e.ID, e.Name, e.URL, e.UserID, id, benchPayload, at, at, at, at, at)
		require.NoError(b, err)
		_, err = attempt.Exec(id, at)
		require.NoError(b, err)
	}
	require.NoError(b, tx.Commit())
}
