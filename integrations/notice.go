package integrations

import (
	"encoding/json"
	"fmt"
)

// notice is an event payload read back for the Slack, email and GitHub
// channels, which render their own messages from it. It has the union of
// the documented payload keys; unknown keys are ignored.
type notice struct {
	Event string `json:"event"`

	WorkflowID   string  `json:"workflow_id"`
	WorkflowName string  `json:"workflow_name"`
	ExecutionID  string  `json:"execution_id"`
	ErrorMessage *string `json:"error_message"`

	CommandID     string  `json:"command_id"`
	CommandName   string  `json:"command_name"`
	ResultSummary string  `json:"result_summary"`
	ExecutionTime float64 `json:"execution_time"`
	Cost          float64 `json:"cost"`
	Error         *string `json:"error"`

	ProjectID   string `json:"project_id"`
	ProjectName string `json:"project_name"`

	AlertType string `json:"alert_type"`
	Severity  string `json:"severity"`
	Message   string `json:"message"`

	Status    string          `json:"status"`
	UserID    string          `json:"user_id"`
	Timestamp string          `json:"timestamp"`
	Details   json.RawMessage `json:"details"`
}

// readNotice decodes a delivery payload.
func readNotice(payload []byte) (notice, error) {
	var n notice
	if err := json.Unmarshal(payload, &n); err != nil {
		return notice{}, fmt.Errorf("decode event payload: %w", err)
	}

	return n, nil
}

// errorText returns the failure text of a workflow or command notice.
func (n notice) errorText() string {
	switch {
	case n.Error != nil:
		return *n.Error
	case n.ErrorMessage != nil:
		return *n.ErrorMessage
	}

	return ""
}

// readEnvelope decodes the payload of an email delivery.
func readEnvelope(payload []byte) (to string, n notice, err error) {
	var env struct {
		To    string          `json:"to"`
		Event json.RawMessage `json:"event"`
	}
	if err := json.Unmarshal(payload, &env); err != nil {
		return "", notice{}, fmt.Errorf("decode email delivery: %w", err)
	}
	n, err = readNotice(env.Event)

	return env.To, n, err
}
