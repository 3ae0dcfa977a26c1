package integrations

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/hishamos/integrations-external/slack"
	"github.com/hishamos/integrations-external/store"
)

// sendSlack posts one Slack delivery.
func (d *Dispatcher) sendSlack(ctx context.Context, del *store.Delivery) outcome {
	in, err := d.cfg.Store.GetSlackIntegration(ctx, store.AsAdmin(), del.TargetID)
	if err != nil {
		return targetUnavailable("Slack integration", err)
	}
	if !in.IsActive {
		return outcome{errorMessage: "Slack integration is inactive: re-enable it to deliver", inactive: true}
	}
	n, err := readNotice(del.Payload)
	if err != nil {
		return outcome{errorMessage: err.Error()}
	}
	msg, ok := slackMessage(n)
	if !ok {
		return outcome{errorMessage: fmt.Sprintf("no Slack message for event type %q", n.Event)}
	}
	client, err := d.service.slackClient(in.BotToken.Reveal())
	if err != nil {
		return outcome{errorMessage: err.Error()}
	}

	start := d.cfg.Now()
	_, err = client.Post(ctx, in.ChannelID, msg)
	out := outcome{startedAt: start, duration: d.cfg.Now().Sub(start)}
	if err == nil {
		out.success = true
		return out
	}
	out = remoteFailure(out, err)
	if out.disableReason != "" {
		out.credentialHash = store.CredentialHash(in.BotToken)
	}

	return out
}

// slackMessage builds the Slack message for a notice.
func slackMessage(n notice) (slack.Message, bool) {
	switch n.Event {
	case EventWorkflowCompleted:
		return slack.Workflow{Name: n.WorkflowName, Status: n.Status, ExecutionID: n.ExecutionID,
			Error: n.errorText()}.Build(), true
	case EventCommandExecuted:
		return slack.Command{Name: n.CommandName, Status: n.Status, Summary: n.ResultSummary,
			ExecutionTime: time.Duration(n.ExecutionTime * float64(time.Second)), Cost: n.Cost,
			Error: n.errorText()}.Build(), true
	case EventSystemAlert:
		return slack.SystemAlert{Type: n.AlertType, Message: n.Message}.Build(), true
	case EventProjectUpdated:
		return slack.ProjectUpdate{Project: n.ProjectName, Message: n.Message}.Build(), true
	}

	return slack.Message{}, false
}

// targetUnavailable is the outcome for a target that could not be read.
func targetUnavailable(kind string, err error) outcome {
	if errors.Is(err, store.ErrNotFound) {
		return outcome{errorMessage: kind + " was deleted"}
	}

	return outcome{errorMessage: "read " + kind + ": " + err.Error(), retryable: true}
}
