package sqlite

import (
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/hishamos/integrations-external/store"
)

// openWithClock opens a store whose clock reads now.
func openWithClock(t *testing.T, now *atomic.Pointer[time.Time]) *Store {
	t.Helper()
	keys, err := store.ParseKeyring("test:" + strings.Repeat("A", 43) + "=")
	require.NoError(t, err)
	s, err := Open(t.Context(), filepath.Join(t.TempDir(), "index.db"),
		Options{Keys: keys, Now: func() time.Time { return *now.Load() }})
	require.NoError(t, err)
	t.Cleanup(func() { _ = s.Close() })

	return s
}

func waitingCount(t *testing.T, s *Store) int {
	t.Helper()
	var n int
	require.NoError(t, s.reader.QueryRow(`SELECT COUNT(*) FROM deliveries WHERE indexed = 0`).Scan(&n))

	return n
}

func listIDs(t *testing.T, s *Store, q store.DeliveryQuery) []string {
	t.Helper()
	ds, err := s.ListDeliveries(t.Context(), q)
	require.NoError(t, err)
	ids := make([]string, len(ds))
	for i, d := range ds {
		ids[i] = d.ID
	}

	return ids
}

// New deliveries wait outside the target and user indexes until a record
// or the indexer takes them, and the listings show them in the same order
// at every stage.
func TestDeliveriesIndexedLater(t *testing.T) {
	ctx := t.Context()
	var now atomic.Pointer[time.Time]
	start := time.Date(2026, time.March, 1, 12, 0, 0, 0, time.UTC)
	now.Store(&start)
	s := openWithClock(t, &now)
	var ds []*store.Delivery
	for i := range indexBatch + 10 {
		target := []string{"target-a", "target-b"}[i%2]
		ds = append(ds, &store.Delivery{Channel: store.ChannelWebhook, TargetID: target, UserID: "alice",
			EventType: "workflow.completed", Payload: []byte(`{}`), MaxAttempts: 3})
	}
	_, err := s.EnqueueDeliveries(ctx, ds)
	require.NoError(t, err)
	require.Equal(t, len(ds), waitingCount(t, s), "new deliveries wait")

	byTarget := store.DeliveryQuery{Access: store.AsUser("alice"), TargetID: "target-a", Limit: 200}
	byUser := store.DeliveryQuery{Access: store.AsUser("alice"), Limit: 200, Offset: 5}
	wantTarget, wantUser := listIDs(t, s, byTarget), listIDs(t, s, byUser)
	require.Len(t, wantTarget, 133)
	require.Len(t, wantUser, 200)
	for i := 1; i < len(wantUser); i++ {
		require.Greater(t, wantUser[i-1], wantUser[i], "newest first")
	}

	claimed, err := s.ClaimDeliveries(ctx, store.ClaimParams{Now: start, Limit: 3, Lease: time.Minute})
	require.NoError(t, err)
	require.Len(t, claimed, 3)
	_, err = s.RecordAttempts(ctx, store.RecordParams{Now: start, Records: []store.AttemptRecord{{
		Attempt: store.Attempt{DeliveryID: ds[5].ID, Status: store.AttemptSuccess, StartedAt: start},
		Status:  store.StatusSuccess,
	}}})
	require.NoError(t, err)
	require.Equal(t, len(ds)-1, waitingCount(t, s), "the record indexed its row, the claim left its rows")

	n, err := s.indexWaitingDeliveries(ctx)
	require.NoError(t, err)
	require.Zero(t, n, "deliveries younger than indexAfter wait")

	later := start.Add(indexAfter)
	now.Store(&later)
	n, err = s.indexWaitingDeliveries(ctx)
	require.NoError(t, err)
	require.EqualValues(t, indexBatch, n, "one batch")
	require.Equal(t, len(ds)-1-indexBatch, waitingCount(t, s))
	require.Equal(t, wantTarget, listIDs(t, s, byTarget), "by target, part indexed")
	require.Equal(t, wantUser, listIDs(t, s, byUser), "by user, part indexed")

	n, err = s.indexWaitingDeliveries(ctx)
	require.NoError(t, err)
	require.EqualValues(t, len(ds)-1-indexBatch, n, "the rest")
	require.Zero(t, waitingCount(t, s))
	require.Equal(t, wantTarget, listIDs(t, s, byTarget), "by target, all indexed")
	require.Equal(t, wantUser, listIDs(t, s, byUser), "by user, all indexed")
}

// Listings by target and by user merge two ordered index scans: no full
// scan of the table and no sort.
func TestListQueryPlanMergesIndexes(t *testing.T) {
	var now atomic.Pointer[time.Time]
	start := time.Now()
	now.Store(&start)
	s := openWithClock(t, &now)
	for _, index := range []string{"deliveries_target", "deliveries_user"} {
		plan := queryPlan(t, s, listQuery(index, "user_id = ? AND target_id = ?")+" LIMIT 50 OFFSET 10",
			"alice", "target-a", "alice", "target-a")
		text := strings.Join(plan, "\n")
		require.Contains(t, text, "MERGE (UNION ALL)", index)
		require.Contains(t, text, "USING INDEX "+index, index)
		require.Contains(t, text, "USING INDEX deliveries_unindexed", index)
		require.NotContains(t, text, "TEMP B-TREE", index)
		for _, line := range plan {
			require.NotEqual(t, "SCAN deliveries", line, "a full scan in the plan of %s", index)
		}
	}
}

// NextDue walks deliveries_due in order: no sort and no full scan.
func TestNextDueQueryPlanUsesDueIndex(t *testing.T) {
	var now atomic.Pointer[time.Time]
	start := time.Now()
	now.Store(&start)
	s := openWithClock(t, &now)
	text := strings.Join(queryPlan(t, s, nextDueQuery, 0), "\n")
	require.Contains(t, text, "USING INDEX deliveries_due")
	require.NotContains(t, text, "TEMP B-TREE")
}

// queryPlan returns the lines of EXPLAIN QUERY PLAN for query.
func queryPlan(t *testing.T, s *Store, query string, args ...any) []string {
	t.Helper()
	rows, err := s.reader.Query("EXPLAIN QUERY PLAN "+query, args...)
	require.NoError(t, err)
	defer rows.Close()
	var plan []string
	for rows.Next() {
		var id, parent, unused int
		var detail string
		require.NoError(t, rows.Scan(&id, &parent, &unused, &detail))
		plan = append(plan, detail)
	}
	require.NoError(t, rows.Err())

	return plan
}
