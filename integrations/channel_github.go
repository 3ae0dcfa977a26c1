package integrations

import (
	"context"
	"fmt"
	"strings"

	"github.com/hishamos/integrations-external/github"
	"github.com/hishamos/integrations-external/store"
)

// sendGitHub opens the GitHub issue of one failed workflow or command. The
// delivery id is the issue's de-duplication key, so a retry after an
// ambiguous failure finds the issue instead of opening a second one.
func (d *Dispatcher) sendGitHub(ctx context.Context, del *store.Delivery) outcome {
	in, err := d.cfg.Store.GetGitHubIntegration(ctx, store.AsAdmin(), del.TargetID)
	if err != nil {
		return targetUnavailable("GitHub integration", err)
	}
	if !in.IsActive {
		return outcome{errorMessage: "GitHub integration is inactive: re-enable it to deliver", inactive: true}
	}
	n, err := readNotice(del.Payload)
	if err != nil {
		return outcome{errorMessage: err.Error()}
	}
	client, err := d.service.githubClient(in.AccessToken.Reveal())
	if err != nil {
		return outcome{errorMessage: err.Error()}
	}

	start := d.cfg.Now()
	_, err = client.CreateIssue(ctx, in.RepositoryOwner, in.RepositoryName, failureIssue(n, del.ID, d.cfg.ProductName))
	out := outcome{startedAt: start, duration: d.cfg.Now().Sub(start)}
	if err == nil {
		out.success = true
		return out
	}

	return remoteFailure(out, err)
}

// failureIssue builds the issue for a failed workflow or command.
func failureIssue(n notice, dedupeKey, product string) github.IssueRequest {
	var title string
	var body strings.Builder
	switch n.Event {
	case EventWorkflowCompleted:
		title = fmt.Sprintf("Workflow %s failed", n.WorkflowName)
		fmt.Fprintf(&body, "Workflow **%s** failed in %s.\n\n", n.WorkflowName, product)
		fmt.Fprintf(&body, "- Workflow ID: `%s`\n- Execution ID: `%s`\n", n.WorkflowID, n.ExecutionID)
	default:
		title = fmt.Sprintf("Command %s failed", n.CommandName)
		fmt.Fprintf(&body, "Command **%s** failed in %s.\n\n", n.CommandName, product)
		fmt.Fprintf(&body, "- Command ID: `%s`\n- Execution time: %.2fs\n- Cost: $%.4f\n",
			n.CommandID, n.ExecutionTime, n.Cost)
		if n.ResultSummary != "" {
			fmt.Fprintf(&body, "- Summary: %s\n", n.ResultSummary)
		}
	}
	fmt.Fprintf(&body, "- User: `%s`\n- Time: %s\n", n.UserID, n.Timestamp)
	if msg := n.errorText(); msg != "" {
		fmt.Fprintf(&body, "\n### Error\n\n```\n%s\n```\n", strings.ReplaceAll(msg, "```", "'''"))
	}

	return github.IssueRequest{Title: title, Body: body.String(), DedupeKey: dedupeKey}
}
