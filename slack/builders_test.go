package slack_test

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/hishamos/integrations-external/slack"
)

// sectionTexts returns the mrkdwn text of every section block, fields
// included, in order.
func sectionTexts(t *testing.T, m slack.Message) []string {
	t.Helper()
	raw, err := m.BlocksJSON()
	if err != nil {
		t.Fatalf("BlocksJSON: %v", err)
	}

	return sectionTextsJSON(t, raw)
}

func sectionTextsJSON(t *testing.T, raw []byte) []string {
	t.Helper()
	var blocks []struct {
		Type string `json:"type"`
		Text *struct {
			Type string `json:"type"`
			Text string `json:"text"`
		} `json:"text"`
		Fields []struct {
			Text string `json:"text"`
		} `json:"fields"`
	}
	if err := json.Unmarshal(raw, &blocks); err != nil {
		t.Fatalf("blocks %s: %v", raw, err)
	}
	var texts []string
	for _, b := range blocks {
		if b.Text != nil {
			texts = append(texts, b.Text.Text)
		}
		for _, f := range b.Fields {
			texts = append(texts, f.Text)
		}
	}

	return texts
}

func TestMessageTexts(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		msg  slack.Message
		want string
	}{
		{
			"workflow completed",
			slack.Workflow{Name: "Nightly build", Status: "completed", ExecutionID: "exec-42"}.Build(),
			"✅ Workflow *Nightly build* completed\nExecution ID: `exec-42`",
		},
		{
			"workflow failed",
			slack.Workflow{Name: "Nightly build", Status: "failed", ExecutionID: "exec-43"}.Build(),
			"❌ Workflow *Nightly build* failed\nExecution ID: `exec-43`",
		},
		{
			"workflow running",
			slack.Workflow{Name: "Nightly build", Status: "running", ExecutionID: "exec-44"}.Build(),
			"⏳ Workflow *Nightly build* running\nExecution ID: `exec-44`",
		},
		{
			"command success with summary",
			slack.Command{Name: "deploy", Status: slack.StatusSuccess, Summary: "3 services updated"}.Build(),
			"✅ Command *deploy* executed: success\n3 services updated",
		},
		{
			"command success default summary",
			slack.Command{Name: "deploy", Status: slack.StatusSuccess, ExecutionTime: 2500 * time.Millisecond, Cost: 0.001}.Build(),
			"✅ Command *deploy* executed: success\nCommand executed successfully in 2.50s (cost: $0.0010)",
		},
		{
			"command success bare default summary",
			slack.Command{Name: "deploy", Status: slack.StatusSuccess}.Build(),
			"✅ Command *deploy* executed: success\nCommand executed successfully",
		},
		{
			"command failed default summary",
			slack.Command{Name: "deploy", Status: slack.StatusFailed, Error: "disk full"}.Build(),
			"❌ Command *deploy* executed: failed\nCommand execution failed: disk full",
		},
		{
			"command failed without error",
			slack.Command{Name: "deploy", Status: slack.StatusFailed}.Build(),
			"❌ Command *deploy* executed: failed\nCommand execution failed",
		},
		{
			"system alert",
			slack.SystemAlert{Type: "disk_full", Message: "Volume /data is 98% full"}.Build(),
			"🚨 *System Alert: disk_full*\nVolume /data is 98% full",
		},
		{
			"project update",
			slack.ProjectUpdate{Project: "Apollo", Message: "Milestone 2 reached"}.Build(),
			"📋 *Project Update: Apollo*\nMilestone 2 reached",
		},
		{"test default", slack.TestMessage{}.Build(), "Test message from HishamOS"},
		{"test product name", slack.TestMessage{ProductName: "Acme"}.Build(), "Test message from Acme"},
		{"test text", slack.TestMessage{Text: "Hello"}.Build(), "Hello"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if tt.msg.Text != tt.want {
				t.Errorf("got text %q, want %q", tt.msg.Text, tt.want)
			}
			texts := sectionTexts(t, tt.msg)
			if len(texts) == 0 || texts[0] != tt.want {
				t.Errorf("got first section %q, want %q", texts, tt.want)
			}
		})
	}
}

func TestCommandDetails(t *testing.T) {
	t.Parallel()
	msg := slack.Command{
		Name: "deploy", Status: slack.StatusFailed, Summary: "rollout stopped",
		ExecutionTime: 1500 * time.Millisecond, Cost: 0.25, Error: "timeout <in> step 3",
	}.Build()

	texts := sectionTexts(t, msg)
	want := []string{
		"❌ Command *deploy* executed: failed\nrollout stopped",
		"*Execution time:*\n1.50s",
		"*Cost:*\n$0.2500",
		"*Error:* timeout &lt;in&gt; step 3",
	}
	if len(texts) != len(want) {
		t.Fatalf("got sections %q, want %q", texts, want)
	}
	for i := range want {
		if texts[i] != want[i] {
			t.Errorf("section %d: got %q, want %q", i, texts[i], want[i])
		}
	}
}

func TestCommandSuccessHidesError(t *testing.T) {
	t.Parallel()
	msg := slack.Command{Name: "deploy", Status: slack.StatusSuccess, Summary: "ok", Error: "stale"}.Build()

	for _, s := range sectionTexts(t, msg) {
		if s == "*Error:* stale" {
			t.Errorf("success message shows the error: %q", s)
		}
	}
}

func TestWorkflowErrorSection(t *testing.T) {
	t.Parallel()
	msg := slack.Workflow{Name: "w", Status: "failed", ExecutionID: "e", Error: "step 2 failed"}.Build()

	texts := sectionTexts(t, msg)
	if len(texts) != 2 || texts[1] != "*Error:* step 2 failed" {
		t.Errorf("got sections %q, want the error as the second", texts)
	}
}

func TestBoldAndCodeSpansKept(t *testing.T) {
	t.Parallel()
	msg := slack.Workflow{Name: "a*b\nc", Status: "completed", ExecutionID: "x`y"}.Build()

	want := "✅ Workflow *a∗b c* completed\nExecution ID: `x'y`"
	if msg.Text != want {
		t.Errorf("got %q, want %q", msg.Text, want)
	}
}

// TestTextObjectsVerbatim checks that every mrkdwn text object of a message
// is verbatim, so a plain "@channel" in a name is not parsed as a mention.
func TestTextObjectsVerbatim(t *testing.T) {
	m := slack.Workflow{Name: "nightly @channel", Status: "failed", ExecutionID: "run-1", Error: "@here boom"}.Build()
	raw, err := m.BlocksJSON()
	if err != nil {
		t.Fatal(err)
	}
	var blocks []struct {
		Text *struct {
			Verbatim bool `json:"verbatim"`
		} `json:"text"`
		Fields []struct {
			Verbatim bool `json:"verbatim"`
		} `json:"fields"`
	}
	if err := json.Unmarshal(raw, &blocks); err != nil {
		t.Fatal(err)
	}
	for i, b := range blocks {
		if b.Text != nil && !b.Text.Verbatim {
			t.Errorf("block %d: text is not verbatim", i)
		}
		for j, f := range b.Fields {
			if !f.Verbatim {
				t.Errorf("block %d: field %d is not verbatim", i, j)
			}
		}
	}
}
