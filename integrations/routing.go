package integrations

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/hishamos/integrations-external/store"
)

// target is one destination an event is delivered to.
type target struct {
	channel     store.Channel
	id          string
	userID      string
	name        string
	url         string // scheme and host only
	maxAttempts int
	payload     []byte        // nil: the event payload
	timeout     time.Duration // a webhook endpoint's request timeout; zero for other channels
}

// resolveTargets finds every active target that wants ev, reading flags at
// dispatch time.
func (d *Dispatcher) resolveTargets(ctx context.Context, ev Event) ([]target, error) {
	if len(ev.UserIDs) == 0 {
		if ev.Type != EventSystemAlert {
			return nil, fmt.Errorf("integrations: event %q has no user id: only system alerts go to every user", ev.Type)
		}
		return d.routeTo(ctx, ev, store.AsAdmin(), "")
	}
	var all []target
	seen := make(map[string]bool)
	for _, userID := range ev.UserIDs {
		if userID == "" || seen[userID] {
			continue
		}
		seen[userID] = true
		ts, err := d.routeTo(ctx, ev, store.AsUser(userID), userID)
		if err != nil {
			return nil, err
		}
		all = append(all, ts...)
	}

	return all, nil
}

// routeTo resolves the targets visible to access. userID is "" for an
// administrator's search across every user.
func (d *Dispatcher) routeTo(ctx context.Context, ev Event, access store.Access, userID string) ([]target, error) {
	rs, err := d.routesOf(ctx, access, userID)
	if err != nil {
		return nil, err
	}
	var out []target
	for _, s := range rs.slacks {
		if slackWants(s, ev.Type) {
			out = append(out, target{channel: store.ChannelSlack, id: s.ID, userID: s.UserID,
				name: s.WorkspaceName + " " + s.ChannelID, maxAttempts: d.cfg.MaxAttempts})
		}
	}
	for _, h := range rs.hooks {
		if webhookWants(h, ev.Type) {
			out = append(out, target{channel: store.ChannelWebhook, id: h.ID, userID: h.UserID,
				name: h.Name, url: schemeAndHost(h.URL), maxAttempts: h.RetryCount,
				timeout: time.Duration(h.TimeoutSeconds) * time.Second})
		}
	}
	if ev.Failed {
		for _, g := range rs.gits {
			if g.AutoCreateIssues {
				out = append(out, target{channel: store.ChannelGitHub, id: g.ID, userID: g.UserID,
					name: g.RepositoryOwner + "/" + g.RepositoryName, url: "https://github.com",
					maxAttempts: d.cfg.MaxAttempts})
			}
		}
	}

	if !d.emailEnabled() {
		return out, nil
	}
	mails, err := d.emailTargets(ctx, ev, rs, userID)
	if err != nil {
		return nil, err
	}

	return append(out, mails...), nil
}

// emailTargets resolves the email recipients: the stored settings, or for a
// user without settings the host's address with the default flags.
func (d *Dispatcher) emailTargets(ctx context.Context, ev Event, rs *routes, userID string) ([]target, error) {
	settings := rs.mails
	if rs.mailsMissing {
		s, err := d.defaultEmailSettings(ctx, userID)
		if err != nil {
			return nil, err
		}
		if s != nil {
			settings = []*store.EmailSettings{s}
		}
	}

	var out []target
	for _, s := range settings {
		if s.EmailAddress == "" || !emailWants(s, ev.Type) {
			continue
		}
		payload, err := emailEnvelope(s.EmailAddress, ev.Payload)
		if err != nil {
			return nil, err
		}
		id := s.ID
		if id == "" {
			// No stored settings, so the user id is the target id and
			// idempotency keys still apply per recipient.
			id = store.UserEmailTarget(s.UserID)
		}
		out = append(out, target{channel: store.ChannelEmail, id: id, userID: s.UserID,
			name: "email", maxAttempts: d.cfg.MaxAttempts, payload: payload})
	}

	return out, nil
}

// defaultEmailSettings returns the default settings with the address from
// Config.UserEmail, or nil when the host has no address for the user.
func (d *Dispatcher) defaultEmailSettings(ctx context.Context, userID string) (*store.EmailSettings, error) {
	if d.cfg.UserEmail == nil {
		return nil, nil
	}
	addr, err := d.callUserEmail(ctx, userID)
	if err != nil {
		d.cfg.Logger.WarnContext(ctx, "integrations: host email lookup failed; no email for this event",
			"user_id", userID, "error", err)
		return nil, nil
	}
	if addr == "" {
		return nil, nil
	}

	return store.NewEmailSettings(userID, addr), nil
}

// callUserEmail calls the host callback and turns a panic into an error.
func (d *Dispatcher) callUserEmail(ctx context.Context, userID string) (addr string, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("UserEmail callback panicked: %v", r)
		}
	}()

	return d.cfg.UserEmail(ctx, userID)
}

func slackWants(s *store.SlackIntegration, eventType string) bool {
	return notifyFlag(eventType, s.NotifyWorkflowCompletion, s.NotifyCommandExecution,
		s.NotifySystemAlerts, s.NotifyProjectUpdates)
}

func emailWants(s *store.EmailSettings, eventType string) bool {
	return notifyFlag(eventType, s.NotifyWorkflowCompletion, s.NotifyCommandExecution,
		s.NotifySystemAlerts, s.NotifyProjectUpdates)
}

// notifyFlag returns the notify_* flag of Slack integrations and email
// settings that covers eventType, and false for any other event.
func notifyFlag(eventType string, workflow, command, alerts, projects bool) bool {
	switch eventType {
	case EventWorkflowCompleted:
		return workflow
	case EventCommandExecuted:
		return command
	case EventSystemAlert:
		return alerts
	case EventProjectUpdated:
		return projects
	}

	return false
}

func webhookWants(e *store.WebhookEndpoint, eventType string) bool {
	switch eventType {
	case EventWorkflowCompleted:
		if e.TriggerOnWorkflowCompletion {
			return true
		}
	case EventCommandExecuted:
		if e.TriggerOnCommandExecution {
			return true
		}
	case EventProjectUpdated:
		if e.TriggerOnProjectUpdate {
			return true
		}
	case EventSystemAlert:
		if e.TriggerOnSystemAlert {
			return true
		}
	}

	return slices.Contains(e.CustomEvents, eventType)
}
