package sqlite_test

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/hishamos/integrations-external/store"
	"github.com/hishamos/integrations-external/store/sqlite"
	"github.com/hishamos/integrations-external/store/storetest"
)

// openClocked opens the database at path with a store clock fixed at now.
// Deliveries created at now stay out of the target and user indexes until
// a record indexes them, because the background indexer takes only
// deliveries created a second before the clock.
func openClocked(t *testing.T, path string, now time.Time) *sqlite.Store {
	t.Helper()
	s, err := sqlite.Open(context.Background(), path, sqlite.Options{Keys: testKeyring(t, testKey),
		Now: func() time.Time { return now }})
	require.NoError(t, err)
	t.Cleanup(func() { _ = s.Close() })

	return s
}

// modelDelivery is what the test expects the store to return for one
// delivery.
type modelDelivery struct {
	id, user, target, eventType string
	channel                     store.Channel
	status                      store.DeliveryStatus
	payload                     []byte
}

// expectedIDs applies q to the model, newest first, with q's paging.
func expectedIDs(model map[string]*modelDelivery, q store.DeliveryQuery) []string {
	var ids []string
	for _, m := range model {
		switch {
		case !q.Access.IsAdmin() && m.user != q.Access.UserID():
		case q.Access.IsAdmin() && q.UserID != "" && m.user != q.UserID:
		case q.TargetID != "" && m.target != q.TargetID:
		case q.Channel != "" && m.channel != q.Channel:
		case q.Status != "" && m.status != q.Status:
		case q.EventType != "" && m.eventType != q.EventType:
		default:
			ids = append(ids, m.id)
		}
	}
	slices.Sort(ids)
	slices.Reverse(ids)
	if q.Offset >= len(ids) {
		return []string{}
	}
	ids = ids[q.Offset:]
	if q.Limit > 0 && q.Limit < len(ids) {
		ids = ids[:q.Limit]
	}

	return ids
}

// Listings of deliveries in every state (new and unindexed, claimed,
// recorded) match a brute-force filter of what was written, for random
// filters, limits and offsets that cross the indexed/unindexed boundary.
func TestListMatchesModel(t *testing.T) {
	ctx := t.Context()
	now := storetest.BaseTime()
	s := openClocked(t, tempPath(t), now)
	rng := rand.New(rand.NewPCG(1, 2))
	users := []string{"alice", "bob", "carol"}
	targets := []string{"t-1", "t-2", "t-3", "t-4"}
	channels := []store.Channel{store.ChannelWebhook, store.ChannelSlack, store.ChannelEmail}
	events := []string{"workflow.completed", "system.alert"}
	payloads := [][]byte{[]byte(`{"a":1}`), []byte(`{"b":2}`), []byte(`{"c":3}`)}
	model := map[string]*modelDelivery{}

	for batch := range 30 {
		var ds []*store.Delivery
		for range 1 + rng.IntN(12) {
			d := storetest.NewDelivery(channels[rng.IntN(len(channels))], targets[rng.IntN(len(targets))],
				users[rng.IntN(len(users))], now)
			d.EventType = events[rng.IntN(len(events))]
			d.Payload = payloads[rng.IntN(len(payloads))]
			ds = append(ds, d)
		}
		storetest.Enqueue(t, s, ds...)
		for _, d := range ds {
			model[d.ID] = &modelDelivery{id: d.ID, user: d.UserID, target: d.TargetID, eventType: d.EventType,
				channel: d.Channel, status: store.StatusPending, payload: d.Payload}
		}
		if batch%3 == 0 {
			_, err := s.ClaimDeliveries(ctx, store.ClaimParams{Now: now, Limit: 1 + rng.IntN(5), Lease: time.Minute})
			require.NoError(t, err)
		}
		if batch%2 == 0 {
			var recs []store.AttemptRecord
			for _, d := range ds {
				if rng.IntN(2) == 0 {
					continue
				}
				status := []store.DeliveryStatus{store.StatusSuccess, store.StatusFailed, store.StatusRetrying}[rng.IntN(3)]
				recs = append(recs, store.AttemptRecord{Attempt: store.Attempt{DeliveryID: d.ID,
					Status: store.AttemptFailed, StartedAt: now}, Status: status, NextAttemptAt: now.Add(time.Hour)})
				model[d.ID].status = status
			}
			_, err := s.RecordAttempts(ctx, store.RecordParams{Now: now, Records: recs})
			require.NoError(t, err)
		}
	}

	statuses := []store.DeliveryStatus{"", store.StatusPending, store.StatusRetrying, store.StatusSuccess, store.StatusFailed}
	for i := range 1000 {
		q := store.DeliveryQuery{Limit: []int{0, 1, 3, 7, 40}[rng.IntN(5)], Offset: []int{0, 1, 4, 13, 60}[rng.IntN(5)]}
		if rng.IntN(2) == 0 {
			q.Access = store.AsAdmin()
			if rng.IntN(2) == 0 {
				q.UserID = users[rng.IntN(len(users))]
			}
		} else {
			q.Access = store.AsUser(users[rng.IntN(len(users))])
		}
		if rng.IntN(2) == 0 {
			q.TargetID = targets[rng.IntN(len(targets))]
		}
		if rng.IntN(3) == 0 {
			q.Channel = channels[rng.IntN(len(channels))]
		}
		q.Status = statuses[rng.IntN(len(statuses))]
		if rng.IntN(3) == 0 {
			q.EventType = events[rng.IntN(len(events))]
		}
		got, err := s.ListDeliveries(ctx, q)
		require.NoError(t, err, "query %d: %+v", i, q)
		ids := make([]string, len(got))
		for j, d := range got {
			ids[j] = d.ID
			require.Equal(t, string(model[d.ID].payload), string(d.Payload), "payload of %s", d.ID)
		}
		require.Equal(t, expectedIDs(model, q), ids, "query %d: %+v", i, q)
	}
}

// checkPayloadRows fails t unless every payload row counts exactly the
// deliveries that point to it and every such delivery finds its row.
func checkPayloadRows(t *testing.T, path, step string) {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+path+"?_pragma=busy_timeout(5000)")
	require.NoError(t, err)
	defer db.Close()
	var bad int
	require.NoError(t, db.QueryRow(`SELECT COUNT(*) FROM payloads p
		WHERE p.refs != (SELECT COUNT(*) FROM deliveries d WHERE d.payload_id = p.id)`).Scan(&bad))
	require.Zero(t, bad, "%s: payload rows whose refs differ from the deliveries that point to them", step)
	require.NoError(t, db.QueryRow(`SELECT COUNT(*) FROM deliveries d WHERE d.payload_id != 0
		AND NOT EXISTS (SELECT 1 FROM payloads p WHERE p.id = d.payload_id)`).Scan(&bad))
	require.Zero(t, bad, "%s: deliveries that point to a missing payload row", step)
}

// Random enqueues, records, retries, prunes and target deletions keep every
// payload's reference count equal to the deliveries that point to it, and
// every delivery reads its own bytes. The enqueues share payloads and repeat
// idempotency keys, both across calls and within one call.
func TestPayloadRefsUnderRandomOps(t *testing.T) {
	ctx := t.Context()
	path := tempPath(t)
	now := storetest.BaseTime()
	s := openClocked(t, path, now)
	rng := rand.New(rand.NewPCG(3, 4))
	var targets []string
	for i := range 4 {
		targets = append(targets, storetest.CreateWebhookEndpoint(t, s, "alice", fmt.Sprintf("ep-%d", i)).ID)
	}
	model := map[string][]byte{}
	final := map[string]bool{}

	for step := range 150 {
		name := fmt.Sprintf("step %d", step)
		switch op := rng.IntN(10); {
		case op < 5:
			var ds []*store.Delivery
			for range 1 + rng.IntN(8) {
				d := storetest.NewDelivery(store.ChannelWebhook, targets[rng.IntN(len(targets))], "alice", now)
				d.Payload = []byte(fmt.Sprintf(`{"n":%d}`, rng.IntN(3)))
				if rng.IntN(2) == 0 {
					d.IdempotencyKey = fmt.Sprintf("key-%d", rng.IntN(20))
				}
				ds = append(ds, d)
			}
			results, err := s.EnqueueDeliveries(ctx, ds)
			require.NoError(t, err, name)
			for i, r := range results {
				if !r.Duplicate {
					model[r.ID] = ds[i].Payload
				}
			}
		case op < 7:
			var recs []store.AttemptRecord
			for id := range model {
				if !final[id] && rng.IntN(3) == 0 {
					recs = append(recs, store.AttemptRecord{Attempt: store.Attempt{DeliveryID: id,
						Status: store.AttemptSuccess, StartedAt: now}, Status: store.StatusSuccess})
					final[id] = true
				}
			}
			_, err := s.RecordAttempts(ctx, store.RecordParams{Now: now, Records: recs})
			require.NoError(t, err, name)
		case op == 7:
			for id := range final {
				if rng.IntN(4) == 0 {
					_, err := s.RetryDelivery(ctx, store.RetryParams{Access: store.AsAdmin(), ID: id, Now: now})
					require.NoError(t, err, name)
					delete(final, id)
				}
			}
		case op == 8:
			n, err := s.PruneDeliveries(ctx, store.PruneParams{Before: now.Add(time.Second), BatchSize: 3})
			require.NoError(t, err, name)
			require.Equal(t, len(final), n, name)
			for id := range final {
				delete(model, id)
				delete(final, id)
			}
		default:
			i := rng.IntN(len(targets))
			require.NoError(t, s.DeleteWebhookEndpoint(ctx, store.AsAdmin(), targets[i]), name)
			for id := range model {
				d, err := s.GetDelivery(ctx, store.AsAdmin(), id)
				if err == nil && d.TargetID == targets[i] {
					t.Fatalf("%s: delivery %s of the deleted target remains", name, id)
				}
				if err != nil {
					delete(model, id)
					delete(final, id)
				}
			}
			targets[i] = storetest.CreateWebhookEndpoint(t, s, "alice", fmt.Sprintf("ep-%d-%d", i, step)).ID
		}
		checkPayloadRows(t, path, name)
		for id, want := range model {
			d, err := s.GetDelivery(ctx, store.AsAdmin(), id)
			require.NoError(t, err, "%s: delivery %s", name, id)
			require.Equal(t, string(want), string(d.Payload), "%s: payload of %s", name, id)
		}
	}
}

// Two deliveries of one call that carry the same caller-chosen ID, target
// and idempotency key are one row. The payload they share must count that
// one row, or the payload outlives every delivery.
func TestRepeatedDeliveryCountsOnce(t *testing.T) {
	ctx := t.Context()
	path := tempPath(t)
	s := openAt(t, path, nil)
	e := storetest.CreateWebhookEndpoint(t, s, "alice", "ci")
	first := storetest.NewDelivery(store.ChannelWebhook, e.ID, "alice", storetest.BaseTime())
	first.ID = store.NewID()
	first.IdempotencyKey = "event-1"
	again := *first
	results, err := s.EnqueueDeliveries(ctx, []*store.Delivery{first, &again})
	require.NoError(t, err)
	require.Len(t, results, 2)
	require.Equal(t, first.ID, results[1].ID, "one row holds both copies")

	require.NoError(t, s.DeleteWebhookEndpoint(ctx, store.AsAdmin(), e.ID))
	rows, refs, _ := payloadCounts(t, path)
	require.Zero(t, rows, "no payload row outlives its deliveries")
	require.Zero(t, refs)
}

// Two stores on one file enqueue shared payloads at once. Payload ids come
// from the highest stored id, so both must see each other's rows.
func TestTwoStoresSharePayloadIDs(t *testing.T) {
	ctx := t.Context()
	path := tempPath(t)
	stores := []*sqlite.Store{openAt(t, path, nil), openAt(t, path, nil)}
	const perStore = 40
	type written struct {
		id      string
		payload []byte
	}
	out := make(chan written, 2*perStore*3)
	errs := make(chan error, 2)
	var wg sync.WaitGroup

	for n, s := range stores {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range perStore {
				payload := []byte(fmt.Sprintf(`{"store":%d,"i":%d}`, n, i))
				var ds []*store.Delivery
				for target := range 3 {
					d := storetest.NewDelivery(store.ChannelWebhook, fmt.Sprintf("t-%d", target), "alice", storetest.BaseTime())
					d.Payload = payload
					ds = append(ds, d)
				}
				if _, err := s.EnqueueDeliveries(ctx, ds); err != nil {
					errs <- err
					return
				}
				for _, d := range ds {
					out <- written{id: d.ID, payload: payload}
				}
				if i%5 == 4 {
					_, err := s.RecordAttempts(ctx, store.RecordParams{Now: storetest.BaseTime(), Records: []store.AttemptRecord{{
						Attempt: store.Attempt{DeliveryID: ds[0].ID, Status: store.AttemptSuccess, StartedAt: storetest.BaseTime()},
						Status:  store.StatusSuccess}}})
					if err != nil {
						errs <- err
						return
					}
					if _, err := s.PruneDeliveries(ctx, store.PruneParams{Before: time.Now().Add(time.Hour)}); err != nil {
						errs <- err
						return
					}
				}
			}
		}()
	}

	wg.Wait()
	close(errs)
	close(out)
	for err := range errs {
		require.NoError(t, err)
	}
	checkPayloadRows(t, path, "after both stores wrote")
	for w := range out {
		d, err := stores[0].GetDelivery(ctx, store.AsAdmin(), w.id)
		if err != nil {
			require.ErrorIs(t, err, store.ErrNotFound, "delivery %s", w.id)
			continue // pruned
		}
		require.True(t, bytes.Equal(w.payload, d.Payload), "delivery %s reads %s, want %s", w.id, d.Payload, w.payload)
	}
}

// createSchema applies the migrations up to version to a new file at path
// with plain SQL, as an older library version left it.
func createSchema(t *testing.T, path string, version int) *sql.DB {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+path)
	require.NoError(t, err)
	names := []string{"0001_init.sql", "0002_idempotency_key_first.sql", "0003_payloads.sql"}
	for _, name := range names[:version] {
		text, err := os.ReadFile(filepath.Join("migrations", name))
		require.NoError(t, err)
		_, err = db.Exec(string(text))
		require.NoError(t, err, name)
	}
	_, err = db.Exec(fmt.Sprintf("PRAGMA user_version = %d", version))
	require.NoError(t, err)

	return db
}

// Files at schema versions 1, 2 and 3 with deliveries (shared payloads at
// version 3) upgrade to a schema where those deliveries list by target and
// user and keep their payloads.
func TestUpgradeKeepsDeliveries(t *testing.T) {
	for version := 1; version <= 3; version++ {
		t.Run(fmt.Sprintf("version %d", version), func(t *testing.T) {
			ctx := t.Context()
			path := tempPath(t)
			db := createSchema(t, path, version)
			for i := range 3 {
				_, err := db.Exec(`INSERT INTO deliveries (id, channel, target_id, user_id, event_type, payload,
					idempotency_key, status, created_at, updated_at)
					VALUES (?, 'webhook', 'target-old', 'alice', 'workflow.completed', ?, ?, 'pending', 1, 1)`,
					fmt.Sprintf("0000-old-%d", i), []byte(fmt.Sprintf(`{"old":%d}`, i)), fmt.Sprintf("key-old-%d", i))
				require.NoError(t, err)
			}
			if version == 3 {
				_, err := db.Exec(`INSERT INTO payloads (id, refs, body) VALUES (7, 2, '{"shared":true}')`)
				require.NoError(t, err)
				for i := range 2 {
					_, err := db.Exec(`INSERT INTO deliveries (id, channel, target_id, user_id, event_type, payload_id,
						status, created_at, updated_at)
						VALUES (?, 'webhook', 'target-old', 'alice', 'workflow.completed', 7, 'pending', 1, 1)`,
						fmt.Sprintf("0000-shared-%d", i))
					require.NoError(t, err)
				}
			}
			require.NoError(t, db.Close())

			s := openAt(t, path, nil)
			e := storetest.CreateWebhookEndpoint(t, s, "alice", "ci")
			d := storetest.NewDelivery(store.ChannelWebhook, e.ID, "alice", storetest.BaseTime())
			d.IdempotencyKey = "key-1"
			storetest.Enqueue(t, s, d)
			byUser, err := s.ListDeliveries(ctx, store.DeliveryQuery{Access: store.AsUser("alice")})
			require.NoError(t, err)
			byTarget, err := s.ListDeliveries(ctx, store.DeliveryQuery{Access: store.AsUser("alice"), TargetID: "target-old"})
			require.NoError(t, err)
			require.Len(t, byUser, len(byTarget)+1, "the user's list holds the old rows and the new one")
			require.Equal(t, d.ID, byUser[0].ID, "the new delivery sorts first")
			for _, got := range byTarget {
				require.NotEmpty(t, got.Payload, "payload of %s", got.ID)
			}
			checkPayloadRows(t, path, "after the upgrade")
		})
	}
}

// warnCounter is a slog handler that counts records at Warn and above.
type warnCounter struct {
	mu       sync.Mutex
	messages []string
}

func (h *warnCounter) Enabled(context.Context, slog.Level) bool { return true }

func (h *warnCounter) Handle(_ context.Context, r slog.Record) error {
	if r.Level >= slog.LevelWarn {
		h.mu.Lock()
		h.messages = append(h.messages, r.Message)
		h.mu.Unlock()
	}
	return nil
}

func (h *warnCounter) WithAttrs([]slog.Attr) slog.Handler { return h }
func (h *warnCounter) WithGroup(string) slog.Handler      { return h }

// Close while the background indexer works through a backlog stops it
// without an error, a warning or a leaked goroutine (TestMain checks).
func TestCloseDuringIndexing(t *testing.T) {
	ctx := t.Context()
	path := tempPath(t)
	warnings := &warnCounter{}
	s, err := sqlite.Open(ctx, path, sqlite.Options{Keys: testKeyring(t, testKey), Logger: slog.New(warnings)})
	require.NoError(t, err)
	old := time.Now().Add(-time.Hour)
	const backlog = 20000
	for start := 0; start < backlog; start += 1000 {
		var ds []*store.Delivery
		for range 1000 {
			d := storetest.NewDelivery(store.ChannelWebhook, "t-1", "alice", old)
			d.CreatedAt = old
			ds = append(ds, d)
		}
		storetest.Enqueue(t, s, ds...)
	}
	db, err := sql.Open("sqlite", "file:"+path+"?_pragma=busy_timeout(5000)&_pragma=query_only(1)")
	require.NoError(t, err)
	defer db.Close()
	waiting := func() int {
		var n int
		require.NoError(t, db.QueryRow(`SELECT COUNT(*) FROM deliveries WHERE indexed = 0`).Scan(&n))
		return n
	}
	require.Eventually(t, func() bool { return waiting() < backlog }, 10*time.Second, time.Millisecond,
		"the indexer starts on the backlog")
	require.NoError(t, s.Close())
	warnings.mu.Lock()
	defer warnings.mu.Unlock()
	require.Empty(t, warnings.messages, "no warning at Close")
}

// One enqueue larger than an INSERT chunk, with more shared payloads than
// one payload INSERT takes and idempotency duplicates spread over the
// chunks, writes each payload once with the right count.
func TestLargeEnqueueSharesPayloads(t *testing.T) {
	ctx := t.Context()
	path := tempPath(t)
	s := openAt(t, path, nil)
	storetest.Enqueue(t, s, func() *store.Delivery {
		d := storetest.NewDelivery(store.ChannelWebhook, "t-0", "alice", storetest.BaseTime())
		d.IdempotencyKey = "event-0"
		return d
	}())
	var ds []*store.Delivery
	for event := range 200 {
		for target := range 3 {
			d := storetest.NewDelivery(store.ChannelWebhook, fmt.Sprintf("t-%d", target), "alice", storetest.BaseTime())
			d.Payload = []byte(fmt.Sprintf(`{"event":%d}`, event))
			d.IdempotencyKey = fmt.Sprintf("event-%d", event)
			ds = append(ds, d)
		}
	}

	payloads := make([][]byte, len(ds))
	for i, d := range ds {
		payloads[i] = d.Payload
	}
	results, err := s.EnqueueDeliveries(ctx, ds)
	require.NoError(t, err)
	require.True(t, results[0].Duplicate, "event-0 on t-0 was written before")
	checkPayloadRows(t, path, "after the enqueue")
	for i, r := range results[1:] {
		require.False(t, r.Duplicate, "delivery %d", i+1)
		d, err := s.GetDelivery(ctx, store.AsAdmin(), r.ID)
		require.NoError(t, err)
		require.Equal(t, string(payloads[i+1]), string(d.Payload), "delivery %d", i+1)
	}
	rows, refs, _ := payloadCounts(t, path)
	require.Equal(t, 200, rows, "one row per event")
	require.Equal(t, len(ds)-1, refs)
}
