package integrations

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/hishamos/integrations-external/github"
	"github.com/hishamos/integrations-external/internal/fakegithub"
)

// failedCommandIssue dispatches a failed command with errText to a GitHub
// integration with automatic issues, and returns the body of the issue
// that the fake GitHub stored.
func failedCommandIssue(t *testing.T, errText string) string {
	t.Helper()
	fx := newServiceFixture(t, func(c *Config) { c.PollInterval = 20 * time.Millisecond })
	ctx := context.Background()
	alice := Caller{UserID: "alice"}
	fx.github.AddToken("ghp_good", "octo")
	fx.github.AddRepo(fakegithub.Repo{Owner: "octo", Name: "hello"})
	if _, err := fx.svc.CreateGitHubIntegration(ctx, alice, GitHubInput{
		RepositoryOwner: ptr("octo"), RepositoryName: ptr("hello"), AccessToken: ptr("ghp_good"),
		AutoCreateIssues: ptr(true),
	}); err != nil {
		t.Fatal(err)
	}
	startDispatcher(t, fx)

	if _, err := fx.svc.d.CommandExecuted(ctx, CommandResult{
		CommandName: "lint", ExecutionID: "exec-1", UserID: "alice", Status: StatusFailed, Error: errText,
	}); err != nil {
		t.Fatal(err)
	}
	waitCtx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	issues, err := fx.github.WaitIssues(waitCtx, "octo", "hello", 1)
	if err != nil {
		t.Fatalf("no issue was created: %v", err)
	}

	return issues[0].Body
}

// closingRunAfter reports whether text contains a run of exactly n backticks,
// which is what ends a code span opened by n backticks (CommonMark 0.31,
// "Code spans").
func closingRunAfter(text string, n int) bool {
	for i := 0; i < len(text); {
		if text[i] != '`' {
			i++
			continue
		}
		j := i
		for j < len(text) && text[j] == '`' {
			j++
		}
		if j-i == n {
			return true
		}
		i = j
	}

	return false
}

// TestIssueLongErrorStaysWhole fails commands with errors longer than an
// issue body may be, one naming a team and one holding a run of three
// backticks. The issue text is bounded before it is sent, so the body is
// never cut: the summary's code span closes on its line, and the error's
// code block closes before the hidden dedupe comment.
func TestIssueLongErrorStaysWhole(t *testing.T) {
	for _, errText := range []string{
		"@octo-org/reviewers see below " + strings.Repeat("x", 70_000),
		"lint: unterminated fence ``` in README.md\n" + strings.Repeat("line of output\n", 5_000),
	} {
		body := failedCommandIssue(t, errText)

		if strings.Contains(body, github.TruncationMarker) {
			t.Errorf("the body was cut; its end: %q", body[max(0, len(body)-120):])
		}
		_, after, ok := strings.Cut(body, "\n- Summary: ")
		if !ok {
			t.Fatalf("no summary line in the body: %q", body[:min(len(body), 400)])
		}
		line, _, _ := strings.Cut(after, "\n")
		fence := len(line) - len(strings.TrimLeft(line, "`"))
		if fence == 0 || !closingRunAfter(line[fence:], fence) {
			t.Errorf("the summary's code span is not closed on its line: %q", line[max(0, len(line)-40):])
		}
		text, _, _ := strings.Cut(body, "<!--")
		if !strings.HasSuffix(strings.TrimRight(text, "\n"), "\n```") {
			t.Errorf("the error block is not closed before the dedupe comment: %q", text[max(0, len(text)-40):])
		}
	}
}
