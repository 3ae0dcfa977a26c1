package email

import (
	"bytes"
	"embed"
	"fmt"
	htmltemplate "html/template"
	"strings"
	texttemplate "text/template"
	"time"
	"unicode"
	"unicode/utf8"
)

// DefaultProduct is the product name in subjects and footers when
// Composer.Product is empty.
const DefaultProduct = "HishamOS"

//go:embed templates/*.tmpl
var templateFiles embed.FS

// The templates are parsed once; a parse error is a defect in the embedded
// files that every test run catches.
var (
	textTemplates = texttemplate.Must(texttemplate.ParseFS(templateFiles, "templates/*.txt.tmpl"))
	htmlTemplates = htmltemplate.Must(htmltemplate.ParseFS(templateFiles, "templates/*.html.tmpl"))
)

// Composer builds the notification messages. The zero value is ready to
// use and names the product "HishamOS". A Composer is safe for concurrent
// use. The returned messages have no recipients: set Message.To.
type Composer struct {
	// Product is the product name used in the test subject and the
	// footers. Default: "HishamOS".
	Product string
}

// Workflow describes a finished workflow run.
type Workflow struct {
	Name        string
	Status      string // "completed" or "failed"; other values are shown as given
	ExecutionID string
	WorkflowID  string            // optional
	Error       string            // optional, shown when set
	Details     map[string]string // optional, listed by key
}

// Command describes a command run.
type Command struct {
	Name          string
	Status        string // "success" or "failed"
	Summary       string // default: derived from the status, time, cost and error
	Error         string // optional, shown when set
	ExecutionTime time.Duration
	Cost          float64 // in US dollars
	ExecutionID   string  // optional
}

// SystemAlert is an alert raised by the host application.
type SystemAlert struct {
	Type     string
	Message  string
	Severity string // optional
}

// ProjectUpdate is a change to a project.
type ProjectUpdate struct {
	Project string
	Message string
}

// templateData is the input of every template.
type templateData struct {
	Product string
	Subject string
	Status  string

	Workflow Workflow
	Command  Command
	Alert    SystemAlert
	Project  ProjectUpdate

	Summary       string
	ExecutionTime string
	Cost          string
}

// Workflow builds the message for a finished workflow, with the subject
// "Workflow <name> - Completed" (or "- Failed").
func (c Composer) Workflow(w Workflow) (Message, error) {
	data := c.data()
	data.Workflow = w
	data.Status = titleCase(w.Status)
	data.Subject = fmt.Sprintf("Workflow %s - %s", oneLine(w.Name), data.Status)

	return render("workflow", data)
}

// Command builds the message for a command run, with the subject
// "Command <name> - Success" (or "- Failed"). The body gives the status,
// the result summary, the execution time and cost when non-zero, and the
// error on failure.
func (c Composer) Command(cmd Command) (Message, error) {
	data := c.data()
	data.Command = cmd
	data.Status = titleCase(cmd.Status)
	data.Subject = fmt.Sprintf("Command %s - %s", oneLine(cmd.Name), data.Status)
	data.Summary = cmd.Summary
	if data.Summary == "" {
		data.Summary = CommandSummary(cmd)
	}
	data.ExecutionTime = formatSeconds(cmd.ExecutionTime)
	data.Cost = formatCost(cmd.Cost)

	return render("command", data)
}

// SystemAlert builds the message for a system alert, with the subject
// "System Alert: <type>".
func (c Composer) SystemAlert(a SystemAlert) (Message, error) {
	data := c.data()
	data.Alert = a
	data.Subject = "System Alert: " + oneLine(a.Type)

	return render("alert", data)
}

// ProjectUpdate builds the message for a project update, with the subject
// "Project Update: <project>".
func (c Composer) ProjectUpdate(p ProjectUpdate) (Message, error) {
	data := c.data()
	data.Project = p
	data.Subject = "Project Update: " + oneLine(p.Project)

	return render("project", data)
}

// TestEmail builds the message that checks a user's email settings, with
// the subject "Test Email from <product>".
func (c Composer) TestEmail() (Message, error) {
	data := c.data()
	data.Subject = "Test Email from " + data.Product

	return render("test", data)
}

// CommandSummary returns the summary used when a command has none. On
// success it is "Command executed successfully", plus " in 2.50s" when the
// time is non-zero and " (cost: $0.0010)" when the cost is non-zero. On
// failure it is "Command execution failed", plus ": <error>" when set.
func CommandSummary(cmd Command) string {
	if !strings.EqualFold(cmd.Status, "success") {
		if cmd.Error != "" {
			return "Command execution failed: " + cmd.Error
		}
		return "Command execution failed"
	}

	summary := "Command executed successfully"
	if cmd.ExecutionTime != 0 {
		summary += " in " + formatSeconds(cmd.ExecutionTime)
	}
	if cmd.Cost != 0 {
		summary += " (cost: " + formatCost(cmd.Cost) + ")"
	}

	return summary
}

func (c Composer) data() templateData {
	product := oneLine(c.Product)
	if product == "" {
		product = DefaultProduct
	}

	return templateData{Product: product}
}

func render(name string, data templateData) (Message, error) {
	var text, html bytes.Buffer
	if err := textTemplates.ExecuteTemplate(&text, name, data); err != nil {
		return Message{}, fmt.Errorf("email: render %s text body: %w", name, err)
	}
	if err := htmlTemplates.ExecuteTemplate(&html, name, data); err != nil {
		return Message{}, fmt.Errorf("email: render %s HTML body: %w", name, err)
	}

	return Message{Subject: data.Subject, Text: text.String(), HTML: html.String()}, nil
}

// oneLine is cleanHeaderValue for values that go into a subject.
func oneLine(s string) string { return cleanHeaderValue(s) }

// titleCase upper-cases the first letter of a status: "failed" becomes
// "Failed". An empty status becomes "Unknown".
func titleCase(status string) string {
	status = oneLine(status)
	if status == "" {
		return "Unknown"
	}
	r, size := utf8.DecodeRuneInString(status)

	return string(unicode.ToUpper(r)) + status[size:]
}

func formatSeconds(d time.Duration) string {
	return fmt.Sprintf("%.2fs", d.Seconds())
}

func formatCost(cost float64) string {
	return fmt.Sprintf("$%.4f", cost)
}
