package integrations_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hishamos/integrations-external/integrations"
	"github.com/hishamos/integrations-external/internal/fakereceiver"
	"github.com/hishamos/integrations-external/store"
	"github.com/hishamos/integrations-external/store/sqlite"
)

// busyRecords counts the RecordAttempts calls that found the store locked.
type busyRecords struct {
	store.Store
	busy atomic.Int32
}

func (s *busyRecords) RecordAttempts(ctx context.Context, p store.RecordParams) (store.RecordResult, error) {
	res, err := s.Store.RecordAttempts(ctx, p)
	if errors.Is(err, store.ErrBusy) {
		s.busy.Add(1)
	}

	return res, err
}

// TestStopBusyStoreWaitsOnce stops a dispatcher with 70 webhook attempts
// in flight, more than one record batch, while another connection holds
// the SQLite write lock. After the stop deadline the recorder waits for
// the lock once, not once per batch, and the deliveries stay leased.
func TestStopBusyStoreWaitsOnce(t *testing.T) {
	const attempts = 70
	path := filepath.Join(t.TempDir(), "integrations.db")
	keys, err := store.ParseKeyring("test:" + strings.Repeat("A", 43) + "=")
	require.NoError(t, err)
	lite, err := sqlite.Open(context.Background(), path, sqlite.Options{Keys: keys, BusyTimeout: 300 * time.Millisecond})
	require.NoError(t, err)
	t.Cleanup(func() { _ = lite.Close() })
	st := &busyRecords{Store: lite}

	rcv := fakereceiver.New(t, fakereceiver.Hang())
	t.Cleanup(rcv.Release)
	ep := store.NewWebhookEndpoint(testUser)
	ep.Name, ep.URL = "receiver", rcv.URL
	ep.TriggerOnCommandExecution = true
	require.NoError(t, st.CreateWebhookEndpoint(context.Background(), ep))

	d, err := integrations.New(integrations.Config{
		Store: st, Workers: attempts, PerTargetConcurrency: attempts,
		PollInterval: time.Hour, AllowPrivateNetworks: true,
	})
	require.NoError(t, err)
	require.NoError(t, d.Start(context.Background()))
	var ids []string
	for i := range attempts {
		ids = append(ids, command(t, d, fmt.Sprintf("run-%d", i))...)
	}
	_, err = rcv.WaitForRequests(waitCtx(t), attempts)
	require.NoError(t, err)

	// Another connection, as another process would, holds the write lock.
	other, err := sql.Open("sqlite", path)
	require.NoError(t, err)
	t.Cleanup(func() { _ = other.Close() })
	conn, err := other.Conn(context.Background())
	require.NoError(t, err)
	t.Cleanup(func() { _ = conn.Close() })
	_, err = conn.ExecContext(context.Background(), "BEGIN IMMEDIATE")
	require.NoError(t, err)

	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	require.ErrorIs(t, d.Stop(ctx), context.DeadlineExceeded)
	assert.Equal(t, int32(1), st.busy.Load(), "records that waited for the lock after the stop deadline")

	_, err = conn.ExecContext(context.Background(), "ROLLBACK")
	require.NoError(t, err)
	for _, id := range ids {
		got, err := lite.GetDelivery(context.Background(), store.AsAdmin(), id)
		require.NoError(t, err)
		assert.Equal(t, store.StatusPending, got.Status, "delivery %s", id)
		assert.False(t, got.LeaseUntil.IsZero(), "delivery %s is leased, so it is attempted again once the lease ends", id)
	}
}
