package integrations_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/hishamos/integrations-external/integrations"
)

// TestEmailIdempotentAfterSettingsCreated dispatches one workflow run
// twice to a user who gets email through Config.UserEmail. Between the
// two dispatches the user opens the email settings, which creates them
// with the same address. The second dispatch carries the same idempotency
// key, so it must not send a second email.
func TestEmailIdempotentAfterSettingsCreated(t *testing.T) {
	e := newEnv(t, "sqlite", func(c *integrations.Config) {
		c.UserEmail = func(context.Context, string) (string, error) { return "alice@example.com", nil }
	})
	ctx := context.Background()
	run := integrations.WorkflowRun{WorkflowName: "nightly", Status: integrations.StatusCompleted,
		ExecutionID: "run-42", UserID: testUser}

	first, err := e.d.WorkflowCompleted(ctx, run)
	require.NoError(t, err)
	require.Len(t, first, 1, "one email delivery from the host's address")
	e.waitFinal(t, first)

	settings, err := e.d.Service().GetEmailSettings(ctx, integrations.Caller{UserID: testUser}, "")
	require.NoError(t, err)
	require.Equal(t, "alice@example.com", settings.EmailAddress)
	require.True(t, settings.NotifyWorkflowCompletion)

	second, err := e.d.WorkflowCompleted(ctx, run)
	require.NoError(t, err)
	e.waitFinal(t, second)
	require.Equal(t, first, second, "the same run must map to the same email delivery")
	require.Len(t, e.smtp.Messages(), 1, "the same run was emailed twice to the same address")
}
