package integrations

import (
	"context"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

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
	req := failureIssue(n, del.ID, d.cfg.ProductName)
	// The issue of this delivery, if an earlier attempt made one, is newer
	// than the delivery. The margin covers a host clock that runs fast.
	req.NotBefore = del.TriggeredAt.Add(-issueClockMargin)
	_, err = client.CreateIssue(ctx, in.RepositoryOwner, in.RepositoryName, req)
	out := outcome{startedAt: start, duration: d.cfg.Now().Sub(start)}
	if err == nil {
		out.success = true
		return out
	}
	out = remoteFailure(out, err)
	if out.disableReason != "" {
		out.credentialHash = store.CredentialHash(in.AccessToken)
	}

	return out
}

// maxIssueTitle is GitHub's limit on an issue title, in characters.
const maxIssueTitle = 256

// Bounds on the host text in an issue, so the body stays under GitHub's
// limit and github.CreateIssue never cuts it, which could leave a code span
// or block open.
const (
	maxSpanRunes  = 1000
	maxErrorRunes = 50000
)

// issueClockMargin is how far before a delivery was triggered the search
// for its issue reaches, in case the host's clock runs ahead of GitHub's.
const issueClockMargin = time.Hour

// failureIssue builds the issue for a failed workflow or command. Values
// that come from the host (names, ids, summaries) go into code spans, where
// GitHub renders no Markdown and notifies no @mention.
func failureIssue(n notice, dedupeKey, product string) github.IssueRequest {
	var title string
	var body strings.Builder
	switch n.Event {
	case EventWorkflowCompleted:
		title = "Workflow " + oneLine(n.WorkflowName) + " failed"
		fmt.Fprintf(&body, "Workflow %s failed in %s.\n\n", codeSpan(n.WorkflowName), product)
		fmt.Fprintf(&body, "- Workflow ID: %s\n- Execution ID: %s\n", codeSpan(n.WorkflowID), codeSpan(n.ExecutionID))
	default:
		title = "Command " + oneLine(n.CommandName) + " failed"
		fmt.Fprintf(&body, "Command %s failed in %s.\n\n", codeSpan(n.CommandName), product)
		fmt.Fprintf(&body, "- Command ID: %s\n- Execution time: %.2fs\n- Cost: $%.4f\n",
			codeSpan(n.CommandID), n.ExecutionTime, n.Cost)
		if n.ResultSummary != "" {
			fmt.Fprintf(&body, "- Summary: %s\n", codeSpan(n.ResultSummary))
		}
	}
	fmt.Fprintf(&body, "- User: %s\n- Time: %s\n", codeSpan(n.UserID), n.Timestamp)
	if msg := n.errorText(); msg != "" {
		fmt.Fprintf(&body, "\n### Error\n\n```\n%s\n```\n", strings.ReplaceAll(cutText(msg, maxErrorRunes), "```", "'''"))
	}
	title = cutText(title, maxIssueTitle)

	return github.IssueRequest{Title: title, Body: body.String(), DedupeKey: dedupeKey}
}

// oneLine returns s with each run of line breaks and other spaces turned
// into one space, for an issue title.
func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}

// codeSpan returns s, on one line, as a Markdown code span: the backticks
// around it outnumber any run of backticks inside, so s cannot end it.
func codeSpan(s string) string {
	s = cutText(oneLine(s), maxSpanRunes)
	if s == "" {
		return "(none)"
	}
	longest, run := 0, 0
	for _, r := range s {
		if r == '`' {
			run++
			longest = max(longest, run)
		} else {
			run = 0
		}
	}
	fence := strings.Repeat("`", longest+1)
	if strings.HasPrefix(s, "`") || strings.HasSuffix(s, "`") {
		s = " " + s + " "
	}

	return fence + s + fence
}

// cutText returns s, or its first n-1 characters and "…" when it is longer
// than n characters.
func cutText(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}

	return string([]rune(s)[:n-1]) + "…"
}
