package integrations

import (
	"context"
	"net"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hishamos/integrations-external/email"
	"github.com/hishamos/integrations-external/store"
	"github.com/hishamos/integrations-external/store/memory"
)

// TestEmailAttemptEndsWithinLease sends email to an SMTP server on
// 127.0.0.1 that accepts connections and never greets, with an SMTP
// timeout far longer than the lease. The attempt still ends at the
// deadline that keeps it within its lease, as a failed attempt.
func TestEmailAttemptEndsWithinLease(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	conns := make(chan net.Conn, 4)
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				close(conns)
				return
			}
			conns <- c
		}
	}()
	t.Cleanup(func() {
		_ = ln.Close()
		for c := range conns {
			_ = c.Close()
		}
	})

	st := memory.New(memory.Options{})
	m := store.NewEmailSettings("alice", "alice@example.com")
	m.NotifyCommandExecution = true
	require.NoError(t, st.CreateEmailSettings(context.Background(), m))
	finished := make(chan DeliveryReport, 1)
	port := ln.Addr().(*net.TCPAddr).Port
	d, err := New(Config{
		Store: st, MaxAttempts: 1, PollInterval: time.Hour,
		Email: &email.Config{Host: "127.0.0.1", Port: port, TLSPolicy: email.TLSNone,
			From: "noreply@example.com", Timeout: 10 * time.Minute},
		OnDeliveryFinished: func(r DeliveryReport) { finished <- r },
	})
	require.NoError(t, err)
	d.otherAttemptTimeout = 200 * time.Millisecond
	require.NoError(t, d.Start(context.Background()))
	defer func() { require.NoError(t, d.Stop(context.Background())) }()

	ids, err := d.CommandExecuted(context.Background(), CommandResult{CommandName: "deploy", ExecutionID: "x",
		UserID: "alice", Status: StatusSuccess})
	require.NoError(t, err)
	select {
	case r := <-finished:
		assert.Equal(t, store.StatusFailed, r.Status)
	case <-time.After(20 * time.Second):
		t.Fatal("the attempt outlived its deadline")
	}
	got, err := st.GetDelivery(context.Background(), store.AsAdmin(), ids[0])
	require.NoError(t, err)
	require.Len(t, got.Attempts, 1)
	assert.Contains(t, got.Attempts[0].ErrorMessage, "timed out")
}
