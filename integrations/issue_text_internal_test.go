package integrations

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
)

// TestFailureIssueKeepsHostTextInert builds the issue of a failed command
// whose name, summary and error carry Markdown, a team mention and line
// breaks. Outside the error's code block, each host value sits in a code
// span on one line, so GitHub renders no heading and notifies no team.
func TestFailureIssueKeepsHostTextInert(t *testing.T) {
	errText := "exit 1\n\n# Pwned\n@octo-org/team"
	n := notice{
		Event: EventCommandExecuted, CommandName: "deploy `x`\n# h", CommandID: "cmd-1", UserID: "alice",
		ResultSummary: "Command execution failed: " + errText,
		Error:         &errText,
	}
	issue := failureIssue(n, "d-1", "HishamOS")

	assert.Contains(t, issue.Body, "Command ``deploy `x` # h`` failed in HishamOS.")
	assert.Contains(t, issue.Body, "- Summary: `Command execution failed: exit 1 # Pwned @octo-org/team`\n")
	inFence := false
	for line := range strings.SplitSeq(issue.Body, "\n") {
		if strings.HasPrefix(line, "```") {
			inFence = !inFence
			continue
		}
		if !inFence {
			assert.False(t, strings.HasPrefix(line, "# "), "a heading outside the code block: %q", line)
			assert.False(t, strings.HasPrefix(line, "@"), "a mention outside any code: %q", line)
		}
	}
	assert.Equal(t, "Command deploy `x` # h failed", issue.Title)
}

func TestFailureIssueTitleLimit(t *testing.T) {
	n := notice{Event: EventWorkflowCompleted, WorkflowName: strings.Repeat("n", 300) + "\r\nx"}
	title := failureIssue(n, "d-1", "HishamOS").Title

	assert.Equal(t, maxIssueTitle, utf8.RuneCountInString(title))
	assert.True(t, strings.HasSuffix(title, "…"), "a cut title ends with an ellipsis: %q", title)
	assert.NotContains(t, title, "\n")
}
