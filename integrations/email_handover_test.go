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

// hostEmailEnv returns an env whose only email address for testUser comes
// from Config.UserEmail, with the store wrapped by a settingsRaceStore.
func hostEmailEnv(t *testing.T) (*env, *settingsRaceStore) {
	t.Helper()
	var racing *settingsRaceStore
	e := newEnv(t, "sqlite", func(c *integrations.Config) {
		c.UserEmail = func(context.Context, string) (string, error) { return "alice@example.com", nil }
		c.TargetCacheTTL = -1 // every Dispatch reads the settings
		racing = &settingsRaceStore{Store: c.Store}
		c.Store = racing
	})

	return e, racing
}

// dispatchNightly dispatches the same workflow run each time and waits
// until its deliveries are final.
func dispatchNightly(t *testing.T, e *env) []string {
	t.Helper()
	ids, err := e.d.WorkflowCompleted(context.Background(), integrations.WorkflowRun{WorkflowName: "nightly",
		Status: integrations.StatusCompleted, ExecutionID: "run-42", UserID: testUser})
	require.NoError(t, err)
	e.waitFinal(t, ids)

	return ids
}

// TestEmailIdempotentAfterSettingsCreated dispatches one workflow run
// twice to a user who gets email through Config.UserEmail. Between the
// two dispatches the user opens the email settings, which creates them
// with the same address. The second dispatch carries the same idempotency
// key, so it must not send a second email.
func TestEmailIdempotentAfterSettingsCreated(t *testing.T) {
	e, _ := hostEmailEnv(t)
	first := dispatchNightly(t, e)
	require.Len(t, first, 1, "one email delivery from the host's address")

	settings, err := e.d.Service().GetEmailSettings(context.Background(), integrations.Caller{UserID: testUser}, "")
	require.NoError(t, err)
	require.Equal(t, "alice@example.com", settings.EmailAddress)
	require.True(t, settings.NotifyWorkflowCompletion)

	require.Equal(t, first, dispatchNightly(t, e), "the same run must map to the same email delivery")
	require.Len(t, e.smtp.Messages(), 1, "the same run was emailed twice to the same address")
}

// TestEmailHandoverRacesDispatch dispatches one workflow run twice as
// above. This time the settings are created while the second Dispatch
// holds routes read before they existed. So that Dispatch enqueues to the
// host's address after CreateEmailSettings moved the first delivery away.
func TestEmailHandoverRacesDispatch(t *testing.T) {
	e, racing := hostEmailEnv(t)
	ctx := context.Background()
	first := dispatchNightly(t, e)
	require.Len(t, first, 1, "one email delivery from the host's address")

	racing.arm(func() {
		_, err := e.d.Service().GetEmailSettings(ctx, integrations.Caller{UserID: testUser}, "")
		assert.NoError(t, err, "the request that creates the settings")
	})
	second := dispatchNightly(t, e)

	settings, err := e.st.GetEmailSettings(ctx, store.AsAdmin(), testUser)
	require.NoError(t, err)
	moved, err := e.st.GetDelivery(ctx, store.AsAdmin(), first[0])
	require.NoError(t, err)
	require.Equal(t, settings.ID, moved.TargetID, "the settings took over the first delivery")
	require.Equal(t, first, second, "the same run must map to the same email delivery")
	require.Len(t, e.smtp.Messages(), 1, "the same run was emailed twice to the same address")
}
