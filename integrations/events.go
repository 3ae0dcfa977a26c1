package integrations

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strings"
	"time"
)

// Event types the library knows. Hosts may dispatch any other name with
// CustomEvent; webhook endpoints subscribe to those through custom_events.
const (
	EventWorkflowCompleted = "workflow.completed"
	EventCommandExecuted   = "command.executed"
	EventProjectUpdated    = "project.updated"
	EventSystemAlert       = "system.alert"
	EventWebhookTest       = "webhook.test"
)

// Workflow and command statuses.
const (
	StatusCompleted = "completed" // workflow finished
	StatusFailed    = "failed"    // workflow or command failed
	StatusCancelled = "cancelled" // workflow cancelled: not notified
	StatusSuccess   = "success"   // command succeeded
)

// Event is one thing that happened in the host, rendered and ready to
// dispatch. Build it with WorkflowRun.Event, CommandResult.Event,
// ProjectUpdate.Event, SystemAlert.Event or CustomEvent.
type Event struct {
	// ID identifies the event in every delivery it causes. Dispatch
	// assigns a UUIDv7 when it is empty.
	ID string
	// Type is the event name, such as "workflow.completed".
	Type string
	// UserIDs are the users whose integrations are notified. An empty list
	// is allowed only for system alerts, which then go to every
	// integration that opted in to system alerts.
	UserIDs []string
	// IdempotencyKey, when set, makes a second dispatch of the same key do
	// nothing for targets that already have it.
	IdempotencyKey string
	// Payload is the exact JSON body webhooks receive.
	Payload json.RawMessage
	// Failed marks a failed workflow or command run, which opens GitHub
	// issues where auto_create_issues is on.
	Failed bool
}

// WorkflowRun describes a finished workflow run.
type WorkflowRun struct {
	WorkflowID   string
	WorkflowName string // default: WorkflowID; one of the two is required
	Status       string // StatusCompleted or StatusFailed
	ExecutionID  string
	UserID       string
	ErrorMessage string         // reported only when Status is StatusFailed
	Details      map[string]any // optional, sent as "details"
	// FinishedAt is the payload's timestamp. Default: the dispatcher's
	// clock.
	FinishedAt time.Time
	// IdempotencyKey defaults to "workflow.completed:<ExecutionID>", or no
	// key when ExecutionID is empty.
	IdempotencyKey string
}

type workflowPayload struct {
	Event        string         `json:"event"`
	WorkflowID   string         `json:"workflow_id"`
	WorkflowName string         `json:"workflow_name"`
	Status       string         `json:"status"`
	ExecutionID  string         `json:"execution_id"`
	UserID       string         `json:"user_id"`
	ErrorMessage *string        `json:"error_message"`
	Timestamp    string         `json:"timestamp"`
	Details      map[string]any `json:"details,omitempty"`
}

// Event renders the run as a workflow.completed event. now is used when
// FinishedAt is zero.
func (w WorkflowRun) Event(now time.Time) (Event, error) {
	if w.Status != StatusCompleted && w.Status != StatusFailed {
		return Event{}, fmt.Errorf("integrations: workflow status %q: want %q or %q (cancelled runs are not notified)", w.Status, StatusCompleted, StatusFailed)
	}
	if w.UserID == "" {
		return Event{}, fmt.Errorf("integrations: workflow %q: missing UserID", w.WorkflowName)
	}
	if strings.TrimSpace(w.WorkflowName) == "" {
		if strings.TrimSpace(w.WorkflowID) == "" {
			return Event{}, errors.New("integrations: workflow run: missing WorkflowName and WorkflowID: messages and issues name the workflow")
		}
		w.WorkflowName = w.WorkflowID
	}
	p := workflowPayload{
		Event:        EventWorkflowCompleted,
		WorkflowID:   w.WorkflowID,
		WorkflowName: w.WorkflowName,
		Status:       w.Status,
		ExecutionID:  w.ExecutionID,
		UserID:       w.UserID,
		Timestamp:    timestamp(w.FinishedAt, now),
		Details:      w.Details,
	}
	if w.Status == StatusFailed {
		msg := w.ErrorMessage
		p.ErrorMessage = &msg
	}
	key := w.IdempotencyKey
	if key == "" && w.ExecutionID != "" {
		key = EventWorkflowCompleted + ":" + w.ExecutionID
	}

	return newEvent(EventWorkflowCompleted, []string{w.UserID}, key, p, w.Status == StatusFailed)
}

// CommandResult describes one run of a command.
type CommandResult struct {
	CommandID   string
	CommandName string // default: CommandID; one of the two is required
	// ExecutionID identifies this run. It is not part of the webhook
	// payload, but it is the default idempotency key and the GitHub issue
	// de-duplication key.
	ExecutionID   string
	UserID        string
	Status        string        // StatusSuccess or StatusFailed
	ResultSummary string        // default: built from status, time, cost and error
	ExecutionTime time.Duration // a negative time counts as zero
	Cost          float64       // in dollars; zero or more, and finite
	Error         string        // sent as given, also with StatusSuccess (a warning, say)
	// FinishedAt is the payload's timestamp. Default: the dispatcher's
	// clock.
	FinishedAt time.Time
	// IdempotencyKey defaults to "command.executed:<ExecutionID>", or no
	// key when ExecutionID is empty.
	IdempotencyKey string
}

type commandPayload struct {
	Event         string  `json:"event"`
	CommandID     string  `json:"command_id"`
	CommandName   string  `json:"command_name"`
	Status        string  `json:"status"`
	UserID        string  `json:"user_id"`
	ResultSummary string  `json:"result_summary"`
	ExecutionTime float64 `json:"execution_time"`
	Cost          float64 `json:"cost"`
	Error         *string `json:"error"`
	Timestamp     string  `json:"timestamp"`
}

// Summary returns ResultSummary, or the default summary when it is empty:
// "Command executed successfully in 2.50s (cost: $0.0010)" or "Command
// execution failed: <error>".
func (c CommandResult) Summary() string {
	if c.ResultSummary != "" {
		return c.ResultSummary
	}
	if c.Status == StatusFailed {
		if c.Error != "" {
			return "Command execution failed: " + c.Error
		}
		return "Command execution failed"
	}
	s := "Command executed successfully"
	if c.ExecutionTime != 0 {
		s += fmt.Sprintf(" in %.2fs", c.ExecutionTime.Seconds())
	}
	if c.Cost != 0 {
		s += fmt.Sprintf(" (cost: $%.4f)", c.Cost)
	}

	return s
}

// Event renders the result as a command.executed event. now is used when
// FinishedAt is zero.
func (c CommandResult) Event(now time.Time) (Event, error) {
	if c.Status != StatusSuccess && c.Status != StatusFailed {
		return Event{}, fmt.Errorf("integrations: command status %q: want %q or %q", c.Status, StatusSuccess, StatusFailed)
	}
	if c.UserID == "" {
		return Event{}, fmt.Errorf("integrations: command %q: missing UserID", c.CommandName)
	}
	if strings.TrimSpace(c.CommandName) == "" {
		if strings.TrimSpace(c.CommandID) == "" {
			return Event{}, errors.New("integrations: command run: missing CommandName and CommandID: messages and issues name the command")
		}
		c.CommandName = c.CommandID
	}
	// Start and end times read from clocks that disagree can give a
	// slightly negative time.
	c.ExecutionTime = max(c.ExecutionTime, 0)
	if c.Cost < 0 || math.IsNaN(c.Cost) || math.IsInf(c.Cost, 0) {
		return Event{}, fmt.Errorf("integrations: command %q: Cost %v: want zero or a positive number of dollars", c.CommandName, c.Cost)
	}
	p := commandPayload{
		Event:         EventCommandExecuted,
		CommandID:     c.CommandID,
		CommandName:   c.CommandName,
		Status:        c.Status,
		UserID:        c.UserID,
		ResultSummary: c.Summary(),
		ExecutionTime: c.ExecutionTime.Seconds(),
		Cost:          c.Cost,
		Timestamp:     timestamp(c.FinishedAt, now),
	}
	if c.Error != "" {
		msg := c.Error
		p.Error = &msg
	}
	key := c.IdempotencyKey
	if key == "" && c.ExecutionID != "" {
		key = EventCommandExecuted + ":" + c.ExecutionID
	}

	return newEvent(EventCommandExecuted, []string{c.UserID}, key, p, c.Status == StatusFailed)
}

// ProjectUpdate describes a change to a project.
type ProjectUpdate struct {
	ProjectID   string
	ProjectName string
	Message     string
	UserID      string
	Details     map[string]any
	UpdatedAt   time.Time // default: the dispatcher's clock
	// IdempotencyKey is optional; without it every dispatch notifies.
	IdempotencyKey string
}

type projectPayload struct {
	Event       string         `json:"event"`
	ProjectID   string         `json:"project_id"`
	ProjectName string         `json:"project_name"`
	Message     string         `json:"message"`
	UserID      string         `json:"user_id"`
	Timestamp   string         `json:"timestamp"`
	Details     map[string]any `json:"details,omitempty"`
}

// Event renders the update as a project.updated event.
func (p ProjectUpdate) Event(now time.Time) (Event, error) {
	if p.UserID == "" {
		return Event{}, fmt.Errorf("integrations: project update %q: missing UserID", p.ProjectName)
	}
	body := projectPayload{
		Event:       EventProjectUpdated,
		ProjectID:   p.ProjectID,
		ProjectName: p.ProjectName,
		Message:     p.Message,
		UserID:      p.UserID,
		Timestamp:   timestamp(p.UpdatedAt, now),
		Details:     p.Details,
	}

	return newEvent(EventProjectUpdated, []string{p.UserID}, p.IdempotencyKey, body, false)
}

// SystemAlert is an operational message for users.
type SystemAlert struct {
	AlertType string // for example "maintenance"
	Message   string
	Severity  string // free text, for example "warning"
	// UserIDs addresses the alert. Empty: every integration that opted in
	// to system alerts, of every user.
	UserIDs  []string
	Details  map[string]any
	RaisedAt time.Time // default: the dispatcher's clock
	// IdempotencyKey is optional; without it every dispatch notifies.
	IdempotencyKey string
}

type alertPayload struct {
	Event     string         `json:"event"`
	AlertType string         `json:"alert_type"`
	Message   string         `json:"message"`
	Severity  string         `json:"severity,omitempty"`
	Timestamp string         `json:"timestamp"`
	Details   map[string]any `json:"details,omitempty"`
}

// Event renders the alert as a system.alert event.
func (a SystemAlert) Event(now time.Time) (Event, error) {
	body := alertPayload{
		Event:     EventSystemAlert,
		AlertType: a.AlertType,
		Message:   a.Message,
		Severity:  a.Severity,
		Timestamp: timestamp(a.RaisedAt, now),
		Details:   a.Details,
	}

	return newEvent(EventSystemAlert, append([]string(nil), a.UserIDs...), a.IdempotencyKey, body, false)
}

// CustomEvent builds an event with any name for webhook endpoints that list
// it in custom_events. data becomes the payload with "event" and
// "timestamp" added unless data sets them.
func CustomEvent(eventType, userID string, data map[string]any, now time.Time) (Event, error) {
	if !validEventName(eventType) {
		return Event{}, fmt.Errorf("integrations: event type %q: use 1 to 100 characters, a letter or digit "+
			"and then letters, digits, '.', '_', '-' or ':', as in custom_events", eventType)
	}
	if userID == "" {
		return Event{}, fmt.Errorf("integrations: event %q: missing user id", eventType)
	}
	body := make(map[string]any, len(data)+2)
	for k, v := range data {
		body[k] = v
	}
	if _, ok := body["event"]; !ok {
		body["event"] = eventType
	}
	if _, ok := body["timestamp"]; !ok {
		body["timestamp"] = timestamp(time.Time{}, now)
	}

	return newEvent(eventType, []string{userID}, "", body, false)
}

func newEvent(eventType string, users []string, key string, body any, failed bool) (Event, error) {
	raw, err := json.Marshal(body)
	if err != nil {
		return Event{}, fmt.Errorf("integrations: render %s payload: %w", eventType, err)
	}

	return Event{Type: eventType, UserIDs: users, IdempotencyKey: key, Payload: raw, Failed: failed}, nil
}

// timestamp formats t, or now when t is zero, as RFC 3339 UTC with a "Z".
func timestamp(t, now time.Time) string {
	if t.IsZero() {
		t = now
	}

	return t.UTC().Format(time.RFC3339)
}

// validEventName reports whether name is a usable event type.
func validEventName(name string) bool {
	return len(name) <= maxEventNameLength && eventNamePattern.MatchString(name)
}
