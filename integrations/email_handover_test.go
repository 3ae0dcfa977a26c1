package integrations_test

import (
	"context"
	"errors"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hishamos/integrations-external/integrations"
	"github.com/hishamos/integrations-external/store"
)

// settingsRaceStore runs onMissing once, the first time after arming that
// a read of email settings finds none, before it returns that result. It
// simulates a request that creates the settings while Dispatch holds
// the routes it read without them.
type settingsRaceStore struct {
	store.Store
	mu        sync.Mutex
	onMissing func()
}

func (s *settingsRaceStore) arm(f func()) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.onMissing = f
}

func (s *settingsRaceStore) GetEmailSettings(ctx context.Context, a store.Access, userID string) (*store.EmailSettings, error) {
	rec, err := s.Store.GetEmailSettings(ctx, a, userID)
	if errors.Is(err, store.ErrNotFound) {
		s.mu.Lock()
		f := s.onMissing
		s.onMissing = nil
		s.mu.Unlock()
		if f != nil {
			f()
		}
	}

	return rec, err
}

// TestEmailHandoverRacesDispatch dispatches one workflow run twice to a
// user who gets email through Config.UserEmail. The user's settings are
// created while the second Dispatch holds the routes it read before they
// existed, so that Dispatch enqueues to the host's address after
// CreateEmailSettings moved the first delivery away from it. The second
// dispatch carries the same idempotency key and must not send a second
// email.
func TestEmailHandoverRacesDispatch(t *testing.T) {
	var racing *settingsRaceStore
	e := newEnv(t, "sqlite", func(c *integrations.Config) {
		c.UserEmail = func(context.Context, string) (string, error) { return "alice@example.com", nil }
		c.TargetCacheTTL = -1 // every Dispatch reads the settings
		racing = &settingsRaceStore{Store: c.Store}
		c.Store = racing
	})
	ctx := context.Background()
	run := integrations.WorkflowRun{WorkflowName: "nightly", Status: integrations.StatusCompleted,
		ExecutionID: "run-42", UserID: testUser}

	first, err := e.d.WorkflowCompleted(ctx, run)
	require.NoError(t, err)
	require.Len(t, first, 1, "one email delivery from the host's address")
	e.waitFinal(t, first)

	racing.arm(func() {
		_, err := e.d.Service().GetEmailSettings(ctx, integrations.Caller{UserID: testUser}, "")
		assert.NoError(t, err, "the request that creates the settings")
	})
	second, err := e.d.WorkflowCompleted(ctx, run)
	require.NoError(t, err)
	e.waitFinal(t, second)

	settings, err := e.st.GetEmailSettings(ctx, store.AsAdmin(), testUser)
	require.NoError(t, err)
	moved, err := e.st.GetDelivery(ctx, store.AsAdmin(), first[0])
	require.NoError(t, err)
	require.Equal(t, settings.ID, moved.TargetID, "the settings took over the first delivery")
	require.Equal(t, first, second, "the same run must map to the same email delivery")
	require.Len(t, e.smtp.Messages(), 1, "the same run was emailed twice to the same address")
}
