package integrations

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/hishamos/integrations-external/email"
	"github.com/hishamos/integrations-external/store"
)

// sendEmail sends one email delivery.
func (d *Dispatcher) sendEmail(ctx context.Context, del *store.Delivery) outcome {
	to, n, err := readEnvelope(del.Payload)
	if err != nil {
		return outcome{errorMessage: err.Error()}
	}
	msg, err := d.emailMessage(n)
	if err != nil {
		return outcome{errorMessage: err.Error()}
	}
	msg.To = []string{to}
	msg.ID = del.ID

	start := d.cfg.Now()
	err = d.mailer.Send(ctx, msg)
	out := outcome{startedAt: start, duration: d.cfg.Now().Sub(start)}
	if err == nil {
		out.success = true
		return out
	}

	return remoteFailure(out, err)
}

// emailMessage builds the email for a notice.
func (d *Dispatcher) emailMessage(n notice) (email.Message, error) {
	c := email.Composer{Product: d.cfg.ProductName}
	switch n.Event {
	case EventWorkflowCompleted:
		return c.Workflow(email.Workflow{Name: n.WorkflowName, Status: n.Status,
			ExecutionID: n.ExecutionID, WorkflowID: n.WorkflowID, Error: n.errorText(),
			Details: flatDetails(n.Details)})
	case EventCommandExecuted:
		return c.Command(email.Command{Name: n.CommandName, Status: n.Status,
			Summary: n.ResultSummary, Error: n.errorText(),
			ExecutionTime: time.Duration(n.ExecutionTime * float64(time.Second)), Cost: n.Cost})
	case EventSystemAlert:
		return c.SystemAlert(email.SystemAlert{Type: n.AlertType, Message: n.Message, Severity: n.Severity})
	case EventProjectUpdated:
		return c.ProjectUpdate(email.ProjectUpdate{Project: n.ProjectName, Message: n.Message})
	}

	return email.Message{}, fmt.Errorf("no email message for event type %q", n.Event)
}

// flatDetails turns a details object into text values for the email body.
func flatDetails(raw json.RawMessage) map[string]string {
	if len(raw) == 0 {
		return nil
	}
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err != nil {
		return nil
	}
	out := make(map[string]string, len(m))
	for k, v := range m {
		if s, ok := v.(string); ok {
			out[k] = s
			continue
		}
		b, _ := json.Marshal(v)
		out[k] = string(b)
	}

	return out
}
