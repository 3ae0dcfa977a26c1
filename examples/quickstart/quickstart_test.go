package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
)

// TestMain fails the run when run leaves a goroutine behind, such as a
// server or worker its shutdown did not join.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// emptyEnv keeps Slack and GitHub credentials of the machine running the
// tests out of run, so it never reaches beyond 127.0.0.1.
func emptyEnv(string) string { return "" }

func TestRunDeliversEveryEvent(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()

	var out bytes.Buffer
	err := run(ctx, &out, emptyEnv)
	got := out.String()
	require.NoError(t, err, "output:\n%s", got)

	for _, want := range []string{
		"webhook: 3 of 3 deliveries succeeded",
		"email: 3 of 3 deliveries succeeded",
		"to demo@example.com: Command deploy-staging - Success",
		"to demo@example.com: Command migrate-database - Failed",
		"to demo@example.com: Workflow nightly-report - Completed",
		"every delivery succeeded",
		"Config.AllowedNetworks allows 127.0.0.1/32",
		"Slack: skipped; set SLACK_BOT_TOKEN and SLACK_CHANNEL_ID",
		"GitHub: skipped; set GITHUB_TOKEN and GITHUB_REPOSITORY=owner/name",
	} {
		assert.Contains(t, got, want)
	}
	assert.Equal(t, 3, strings.Count(got, ", signature ok"), "verified webhooks in:\n%s", got)
	assert.Equal(t, 6, strings.Count(got, "attempt 1: success"), "successful first attempts in:\n%s", got)
	assert.NotContains(t, got, "attempt 2", "no delivery should need a retry")
	assert.NotContains(t, got, "slack:", "Slack deliveries without Slack settings")
	assert.NotContains(t, got, "github:", "GitHub deliveries without GitHub settings")
}

func TestRunRejectsMalformedRepository(t *testing.T) {
	env := map[string]string{"GITHUB_TOKEN": "test-token", "GITHUB_REPOSITORY": "no-slash"}

	var out bytes.Buffer
	err := run(context.Background(), &out, func(k string) string { return env[k] })

	require.Error(t, err)
	assert.Contains(t, err.Error(), `invalid GITHUB_REPOSITORY "no-slash": use the form owner/name`)
	assert.Empty(t, out.String(), "run should fail before starting anything")
}

func TestReadOptionalIntegrations(t *testing.T) {
	tests := []struct {
		name       string
		env        map[string]string
		wantSlack  bool
		wantGitHub bool
	}{
		{name: "none", env: nil},
		{name: "slack token only", env: map[string]string{"SLACK_BOT_TOKEN": "xoxb-1"}},
		{name: "slack", env: map[string]string{"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_CHANNEL_ID": "C1"}, wantSlack: true},
		{name: "github token only", env: map[string]string{"GITHUB_TOKEN": "t"}},
		{name: "github", env: map[string]string{"GITHUB_TOKEN": "t", "GITHUB_REPOSITORY": "octo/demo"}, wantGitHub: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			opt, err := readOptionalIntegrations(func(k string) string { return tt.env[k] })
			require.NoError(t, err)
			assert.Equal(t, tt.wantSlack, opt.slackToken != "", "Slack enabled")
			assert.Equal(t, tt.wantGitHub, opt.githubToken != "", "GitHub enabled")
			if tt.wantGitHub {
				assert.Equal(t, "octo", opt.githubOwner)
				assert.Equal(t, "demo", opt.githubRepo)
			}
		})
	}
}

func TestPrintSummaryFailsOnFailedDelivery(t *testing.T) {
	var out bytes.Buffer
	err := printSummary(&out,
		map[string]int{"webhook": 3, "email": 3, "github": 1},
		map[string]int{"webhook": 3, "email": 2, "github": 1})

	require.Error(t, err)
	assert.Equal(t, "1 of 7 deliveries failed: see their attempts above", err.Error())
	assert.Contains(t, out.String(), "email: 2 of 3 deliveries succeeded")
	assert.Contains(t, out.String(), "github: 1 of 1 deliveries succeeded")
	assert.NotContains(t, out.String(), "every delivery succeeded")
}
