package email_test

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hishamos/integrations-external/email"
	"github.com/hishamos/integrations-external/internal/fakesmtp"
)

func TestComposeSubjects(t *testing.T) {
	t.Parallel()
	var c email.Composer
	cases := []struct {
		name  string
		build func() (email.Message, error)
		want  string
	}{
		{"workflow completed", func() (email.Message, error) {
			return c.Workflow(email.Workflow{Name: "Nightly build", Status: "completed", ExecutionID: "run-1"})
		}, "Workflow Nightly build - Completed"},
		{"workflow failed", func() (email.Message, error) {
			return c.Workflow(email.Workflow{Name: "Nightly build", Status: "failed", ExecutionID: "run-2"})
		}, "Workflow Nightly build - Failed"},
		{"command success", func() (email.Message, error) {
			return c.Command(email.Command{Name: "deploy", Status: "success"})
		}, "Command deploy - Success"},
		{"command failed", func() (email.Message, error) {
			return c.Command(email.Command{Name: "deploy", Status: "failed"})
		}, "Command deploy - Failed"},
		{"system alert", func() (email.Message, error) {
			return c.SystemAlert(email.SystemAlert{Type: "disk_full", Message: "97% used"})
		}, "System Alert: disk_full"},
		{"project update", func() (email.Message, error) {
			return c.ProjectUpdate(email.ProjectUpdate{Project: "Apollo", Message: "Sprint 4 started"})
		}, "Project Update: Apollo"},
		{"test email", c.TestEmail, "Test Email from HishamOS"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			msg, err := tc.build()
			require.NoError(t, err)
			assert.Equal(t, tc.want, msg.Subject)
			assert.NotEmpty(t, msg.Text)
			assert.NotEmpty(t, msg.HTML)
			assert.Empty(t, msg.To)
		})
	}
}

func TestComposeWorkflowBody(t *testing.T) {
	t.Parallel()
	msg, err := email.Composer{}.Workflow(email.Workflow{
		Name:        "Nightly build",
		Status:      "failed",
		ExecutionID: "exec-42",
		Error:       "step 3 exited with 2",
		Details:     map[string]string{"branch": "main", "attempt": "2"},
	})
	require.NoError(t, err)

	for _, want := range []string{"Nightly build", "Failed", "exec-42", "step 3 exited with 2", "branch: main", "attempt: 2"} {
		assert.Contains(t, msg.Text, want)
	}
	for _, want := range []string{"Nightly build", "Failed", "exec-42", "step 3 exited with 2", "branch", "main"} {
		assert.Contains(t, msg.HTML, want)
	}
	assert.Less(t, strings.Index(msg.Text, "attempt"), strings.Index(msg.Text, "branch"), "details sorted by key")
}

func TestComposeCommandBody(t *testing.T) {
	t.Parallel()
	failed, err := email.Composer{}.Command(email.Command{
		Name:          "deploy",
		Status:        "failed",
		Error:         "permission denied",
		ExecutionTime: 2500 * time.Millisecond,
		Cost:          0.001,
	})
	require.NoError(t, err)
	for _, want := range []string{"Status: Failed", "Result: Command execution failed: permission denied",
		"Error: permission denied", "Execution time: 2.50s", "Cost: $0.0010"} {
		assert.Contains(t, failed.Text, want)
	}
	assert.Contains(t, failed.HTML, "permission denied")

	success, err := email.Composer{}.Command(email.Command{Name: "deploy", Status: "success", Summary: "3 hosts updated"})
	require.NoError(t, err)
	assert.Contains(t, success.Text, "Status: Success")
	assert.Contains(t, success.Text, "Result: 3 hosts updated")
	assert.NotContains(t, success.Text, "Error:")
	assert.NotContains(t, success.Text, "Cost:")
}

func TestCommandSummaryDefaults(t *testing.T) {
	t.Parallel()
	cases := []struct {
		cmd  email.Command
		want string
	}{
		{email.Command{Status: "success"}, "Command executed successfully"},
		{email.Command{Status: "success", ExecutionTime: 2500 * time.Millisecond}, "Command executed successfully in 2.50s"},
		{email.Command{Status: "success", ExecutionTime: 2500 * time.Millisecond, Cost: 0.001},
			"Command executed successfully in 2.50s (cost: $0.0010)"},
		{email.Command{Status: "success", Cost: 0.001}, "Command executed successfully (cost: $0.0010)"},
		{email.Command{Status: "failed"}, "Command execution failed"},
		{email.Command{Status: "failed", Error: "boom"}, "Command execution failed: boom"},
	}
	for _, tc := range cases {
		assert.Equal(t, tc.want, email.CommandSummary(tc.cmd))
	}
}

func TestComposeTestEmailBody(t *testing.T) {
	t.Parallel()
	msg, err := email.Composer{Product: "Acme Ops"}.TestEmail()
	require.NoError(t, err)

	assert.Equal(t, "Test Email from Acme Ops", msg.Subject)
	assert.True(t, strings.HasPrefix(msg.Text,
		"This is a test email to verify your email notification settings."), "text body: %q", msg.Text)
	assert.Contains(t, msg.HTML, "This is a test email to verify your email notification settings.")
	assert.Contains(t, msg.Text, "Acme Ops")
	assert.NotContains(t, msg.Text, "HishamOS")
}

func TestComposeEscapesHTML(t *testing.T) {
	t.Parallel()
	msg, err := email.Composer{}.SystemAlert(email.SystemAlert{
		Type:    "<b>x</b>",
		Message: `<script>alert("hi")</script>`,
	})
	require.NoError(t, err)

	assert.NotContains(t, msg.HTML, "<script>")
	assert.Contains(t, msg.HTML, "&lt;script&gt;")
	assert.NotContains(t, msg.HTML, "<b>x</b>")
	assert.Contains(t, msg.Text, `<script>alert("hi")</script>`, "the text body is not escaped")
}

func TestComposeSubjectDropsLineBreaks(t *testing.T) {
	t.Parallel()
	msg, err := email.Composer{}.Command(email.Command{Name: "evil\r\nBcc: x@example.net", Status: "success"})
	require.NoError(t, err)

	assert.Equal(t, "Command evil  Bcc: x@example.net - Success", msg.Subject)
}

func TestComposedMessageArrivesWithBothParts(t *testing.T) {
	t.Parallel()
	srv := startServer(t, fakesmtp.Options{})
	sender := newSender(t, srv, nil)
	msg, err := email.Composer{}.Workflow(email.Workflow{Name: "Report", Status: "completed", ExecutionID: "exec-7"})
	require.NoError(t, err)
	msg.To = []string{testTo}

	require.NoError(t, sender.Send(testContext(t), msg))

	parsed := parseReceived(t, waitOne(t, srv).Data)
	assert.Equal(t, "Workflow Report - Completed", decodeHeader(t, parsed.header.Get("Subject")))
	assert.Contains(t, parsed.text, "Execution ID: exec-7")
	assert.Contains(t, parsed.html, "<code>exec-7</code>")
}
