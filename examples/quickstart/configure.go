package main

import (
	"context"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/hishamos/integrations-external/integrations"
	"github.com/hishamos/integrations-external/store"
)

// optionalIntegrations are the Slack and GitHub settings from the
// environment. Empty fields turn an integration off.
type optionalIntegrations struct {
	slackToken, slackChannel             string
	githubToken, githubOwner, githubRepo string
}

// readOptionalIntegrations reads SLACK_BOT_TOKEN, SLACK_CHANNEL_ID,
// GITHUB_TOKEN and GITHUB_REPOSITORY before anything starts, so a malformed
// value fails at once.
func readOptionalIntegrations(getenv func(string) string) (optionalIntegrations, error) {
	opt := optionalIntegrations{
		slackToken:   getenv("SLACK_BOT_TOKEN"),
		slackChannel: getenv("SLACK_CHANNEL_ID"),
		githubToken:  getenv("GITHUB_TOKEN"),
	}
	if opt.slackToken == "" || opt.slackChannel == "" {
		opt.slackToken, opt.slackChannel = "", ""
	}
	repository := getenv("GITHUB_REPOSITORY")
	if opt.githubToken == "" || repository == "" {
		opt.githubToken = ""
		return opt, nil
	}
	owner, name, ok := strings.Cut(repository, "/")
	if !ok || owner == "" || name == "" || strings.Contains(name, "/") {
		return opt, fmt.Errorf("invalid GITHUB_REPOSITORY %q: use the form owner/name", repository)
	}
	opt.githubOwner, opt.githubRepo = owner, name

	return opt, nil
}

// configure sets up the demo user's integrations through the REST API, as
// the host's front end would.
func configure(ctx context.Context, out io.Writer, api *apiClient, receiverURL, secret string, opt optionalIntegrations) error {
	fmt.Fprintln(out, "\nconfigured through the API:")

	var endpoint struct {
		ID string `json:"id"`
	}
	err := api.do(ctx, "POST", "webhooks/", map[string]any{
		"name":                           "quickstart receiver",
		"url":                            receiverURL,
		"secret":                         secret,
		"trigger_on_command_execution":   true,
		"trigger_on_workflow_completion": true,
	}, &endpoint)
	if err != nil {
		return fmt.Errorf("create the webhook endpoint: %w", err)
	}
	fmt.Fprintf(out, "  POST webhooks/ -> endpoint %s\n", endpoint.ID)

	err = api.do(ctx, "PUT", "email/", map[string]any{
		"email_address":              demoEmail,
		"notify_command_execution":   true,
		"notify_workflow_completion": true,
	}, nil)
	if err != nil {
		return fmt.Errorf("update the email settings: %w", err)
	}
	fmt.Fprintf(out, "  PUT  email/    -> notifications to %s\n", demoEmail)

	if err := configureSlack(ctx, out, api, opt); err != nil {
		return err
	}

	return configureGitHub(ctx, out, api, opt)
}

func configureSlack(ctx context.Context, out io.Writer, api *apiClient, opt optionalIntegrations) error {
	if opt.slackToken == "" {
		fmt.Fprintln(out, "  Slack: skipped; set SLACK_BOT_TOKEN and SLACK_CHANNEL_ID to post to a channel")
		return nil
	}
	var created struct {
		ID string `json:"id"`
	}
	err := api.do(ctx, "POST", "slack/", map[string]any{
		"workspace_name":             "quickstart",
		"channel_id":                 opt.slackChannel,
		"bot_token":                  opt.slackToken,
		"notify_command_execution":   true,
		"notify_workflow_completion": true,
	}, &created)
	if err != nil {
		return fmt.Errorf("create the Slack integration: %w", err)
	}
	fmt.Fprintf(out, "  POST slack/    -> integration %s for channel %s\n", created.ID, opt.slackChannel)

	return nil
}

func configureGitHub(ctx context.Context, out io.Writer, api *apiClient, opt optionalIntegrations) error {
	if opt.githubToken == "" {
		fmt.Fprintln(out, "  GitHub: skipped; set GITHUB_TOKEN and GITHUB_REPOSITORY=owner/name to open an issue for the failed command")
		return nil
	}
	var created struct {
		ID string `json:"id"`
	}
	err := api.do(ctx, "POST", "github/", map[string]any{
		"repository_owner":   opt.githubOwner,
		"repository_name":    opt.githubRepo,
		"access_token":       opt.githubToken,
		"auto_create_issues": true,
	}, &created)
	if err != nil {
		return fmt.Errorf("create the GitHub integration: %w", err)
	}
	fmt.Fprintf(out, "  POST github/   -> integration %s for %s/%s, auto_create_issues on\n",
		created.ID, opt.githubOwner, opt.githubRepo)

	return nil
}

// dispatched is one reported event and the deliveries it caused.
type dispatched struct {
	label string
	ids   []string
}

// dispatchEvents reports the three runs the way a host does after they end.
// Each call only writes deliveries to the store, and the workers send them.
func dispatchEvents(ctx context.Context, out io.Writer, d *integrations.Dispatcher) ([]dispatched, error) {
	success := integrations.CommandResult{
		CommandID: store.NewID(), CommandName: "deploy-staging", ExecutionID: store.NewID(),
		UserID: demoUser, Status: integrations.StatusSuccess,
		ExecutionTime: 2500 * time.Millisecond, Cost: 0.001,
	}
	failure := integrations.CommandResult{
		CommandID: store.NewID(), CommandName: "migrate-database", ExecutionID: store.NewID(),
		UserID: demoUser, Status: integrations.StatusFailed,
		ExecutionTime: 800 * time.Millisecond, Error: "exit status 1: relation \"users\" already exists",
	}
	workflow := integrations.WorkflowRun{
		WorkflowID: store.NewID(), WorkflowName: "nightly-report", ExecutionID: store.NewID(),
		UserID: demoUser, Status: integrations.StatusCompleted,
	}

	steps := []struct {
		label    string
		dispatch func() ([]string, error)
	}{
		{"command.executed (success)", func() ([]string, error) { return d.CommandExecuted(ctx, success) }},
		{"command.executed (failed)", func() ([]string, error) { return d.CommandExecuted(ctx, failure) }},
		{"workflow.completed", func() ([]string, error) { return d.WorkflowCompleted(ctx, workflow) }},
	}

	fmt.Fprintln(out, "\ndispatched:")
	var events []dispatched
	for _, step := range steps {
		ids, err := step.dispatch()
		if err != nil {
			return nil, fmt.Errorf("dispatch %s: %w", step.label, err)
		}
		fmt.Fprintf(out, "  %-27s -> %d deliveries\n", step.label, len(ids))
		events = append(events, dispatched{label: step.label, ids: ids})
	}

	return events, nil
}

func allIDs(events []dispatched) []string {
	var ids []string
	for _, e := range events {
		ids = append(ids, e.ids...)
	}

	return ids
}
