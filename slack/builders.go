package slack

import (
	"fmt"
	"strings"
	"time"

	slackapi "github.com/slack-go/slack"
)

// DefaultProductName names the host product in the test message.
const DefaultProductName = "HishamOS"

// Workflow describes a finished (or still running) workflow run.
type Workflow struct {
	// Name is the workflow name.
	Name string
	// Status is the run's status: "completed" shows ✅, "failed" shows ❌,
	// any other value shows ⏳.
	Status string
	// ExecutionID identifies the run.
	ExecutionID string
	// Error is the failure reason; shown only when non-empty.
	Error string
}

// Build returns the workflow message:
//
//	✅ Workflow *<name>* completed
//	Execution ID: `<id>`
func (w Workflow) Build() Message {
	icon := "⏳"
	switch w.Status {
	case "completed":
		icon = "✅"
	case "failed":
		icon = "❌"
	}
	text := fmt.Sprintf("%s Workflow *%s* %s\nExecution ID: `%s`",
		icon, escapeBold(w.Name), escapeInline(w.Status), escapeCode(w.ExecutionID))

	blocks := []slackapi.Block{section(text)}
	if w.Error != "" {
		blocks = append(blocks, section("*Error:* "+Escape(w.Error)))
	}

	return Message{Text: text, Blocks: blocks}
}

// Command status values.
const (
	StatusSuccess = "success"
	StatusFailed  = "failed"
)

// Command describes one command execution.
type Command struct {
	// Name is the command name.
	Name string
	// Status is StatusSuccess or StatusFailed; any other value is shown as
	// failed.
	Status string
	// Summary is the result summary. When empty, the message uses
	// "Command executed successfully in 2.50s (cost: $0.0010)" on success
	// and "Command execution failed: <error>" on failure, leaving out the
	// parts whose values are zero.
	Summary string
	// ExecutionTime is how long the command ran; shown when non-zero.
	ExecutionTime time.Duration
	// Cost is the command's cost in US dollars; shown when non-zero.
	Cost float64
	// Error is the failure reason; shown on failure when non-empty.
	Error string
}

func (c Command) succeeded() bool { return c.Status == StatusSuccess }

// Build returns the command message:
//
//	✅ Command *<name>* executed: success
//	<result summary>
//
// followed by the execution time and cost, and on failure the error.
func (c Command) Build() Message {
	headline := fmt.Sprintf("✅ Command *%s* executed: success", escapeBold(c.Name))
	if !c.succeeded() {
		headline = fmt.Sprintf("❌ Command *%s* executed: failed", escapeBold(c.Name))
	}
	text := headline + "\n" + Escape(c.summary())

	blocks := []slackapi.Block{section(text)}
	var fields []string
	if c.ExecutionTime > 0 {
		fields = append(fields, "*Execution time:*\n"+formatSeconds(c.ExecutionTime))
	}
	if c.Cost != 0 {
		fields = append(fields, "*Cost:*\n"+formatCost(c.Cost))
	}
	if len(fields) > 0 {
		blocks = append(blocks, sectionWithFields(fields...))
	}
	if !c.succeeded() && c.Error != "" {
		blocks = append(blocks, section("*Error:* "+Escape(c.Error)))
	}

	return Message{Text: text, Blocks: blocks}
}

func (c Command) summary() string {
	if c.Summary != "" {
		return c.Summary
	}
	if !c.succeeded() {
		if c.Error != "" {
			return "Command execution failed: " + c.Error
		}
		return "Command execution failed"
	}

	var b strings.Builder
	b.WriteString("Command executed successfully")
	if c.ExecutionTime > 0 {
		b.WriteString(" in " + formatSeconds(c.ExecutionTime))
	}
	if c.Cost != 0 {
		b.WriteString(" (cost: " + formatCost(c.Cost) + ")")
	}

	return b.String()
}

func formatSeconds(d time.Duration) string { return fmt.Sprintf("%.2fs", d.Seconds()) }

func formatCost(cost float64) string { return fmt.Sprintf("$%.4f", cost) }

// SystemAlert is an alert raised by the host system.
type SystemAlert struct {
	// Type names the alert, e.g. "disk_full".
	Type string
	// Message is the alert text.
	Message string
}

// Build returns the alert message: "🚨 *System Alert: <type>*", then the
// alert text on the next line.
func (a SystemAlert) Build() Message {
	return headedMessage(fmt.Sprintf("🚨 *System Alert: %s*", escapeBold(a.Type)), a.Message)
}

// ProjectUpdate is a change to a project.
type ProjectUpdate struct {
	// Project is the project name.
	Project string
	// Message is the update text.
	Message string
}

// Build returns the update message: "📋 *Project Update: <project>*",
// then the update text on the next line.
func (p ProjectUpdate) Build() Message {
	return headedMessage(fmt.Sprintf("📋 *Project Update: %s*", escapeBold(p.Project)), p.Message)
}

func headedMessage(headline, body string) Message {
	text := headline
	if body != "" {
		text += "\n" + Escape(body)
	}

	return Message{Text: text, Blocks: []slackapi.Block{section(text)}}
}

// TestMessage is the message a user sends to check an integration.
type TestMessage struct {
	// Text is the message text. Default: "Test message from <product>".
	Text string
	// ProductName names the host product. Default: [DefaultProductName].
	ProductName string
}

// Build returns the test message.
func (t TestMessage) Build() Message {
	text := t.Text
	if text == "" {
		product := t.ProductName
		if product == "" {
			product = DefaultProductName
		}
		text = "Test message from " + product
	}
	text = Escape(text)

	return Message{Text: text, Blocks: []slackapi.Block{section(text)}}
}
