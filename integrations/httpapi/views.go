package httpapi

import (
	"encoding/json"
	"net/url"
	"time"

	"github.com/hishamos/integrations-external/integrations"
	"github.com/hishamos/integrations-external/store"
)

// timeJSON renders a time in RFC 3339 UTC, or null when it is zero.
func timeJSON(t time.Time) *string {
	if t.IsZero() {
		return nil
	}
	s := t.UTC().Format(time.RFC3339)

	return &s
}

type githubView struct {
	ID               string  `json:"id"`
	User             string  `json:"user"`
	RepositoryOwner  string  `json:"repository_owner"`
	RepositoryName   string  `json:"repository_name"`
	HasAccessToken   bool    `json:"has_access_token"`
	HasWebhookSecret bool    `json:"has_webhook_secret"`
	AutoCreateIssues bool    `json:"auto_create_issues"`
	AutoSyncPRs      bool    `json:"auto_sync_prs"`
	IsActive         bool    `json:"is_active"`
	LastSyncAt       *string `json:"last_sync_at"`
	LastVerifiedAt   *string `json:"last_verified_at"`
	LastError        string  `json:"last_error"`
	LastErrorAt      *string `json:"last_error_at"`
	DisabledReason   string  `json:"disabled_reason"`
	CreatedAt        *string `json:"created_at"`
	UpdatedAt        *string `json:"updated_at"`
}

func viewGitHub(g *store.GitHubIntegration) githubView {
	return githubView{
		ID: g.ID, User: g.UserID, RepositoryOwner: g.RepositoryOwner, RepositoryName: g.RepositoryName,
		HasAccessToken: g.AccessToken.IsSet(), HasWebhookSecret: g.WebhookSecret.IsSet(),
		AutoCreateIssues: g.AutoCreateIssues, AutoSyncPRs: g.AutoSyncPRs, IsActive: g.IsActive,
		LastSyncAt: timeJSON(g.LastSyncAt), LastVerifiedAt: timeJSON(g.LastVerifiedAt),
		LastError: g.LastError, LastErrorAt: timeJSON(g.LastErrorAt), DisabledReason: g.DisabledReason,
		CreatedAt: timeJSON(g.CreatedAt), UpdatedAt: timeJSON(g.UpdatedAt),
	}
}

type slackView struct {
	ID                       string  `json:"id"`
	User                     string  `json:"user"`
	WorkspaceName            string  `json:"workspace_name"`
	ChannelID                string  `json:"channel_id"`
	ChannelName              string  `json:"channel_name"`
	HasBotToken              bool    `json:"has_bot_token"`
	NotifyWorkflowCompletion bool    `json:"notify_workflow_completion"`
	NotifyCommandExecution   bool    `json:"notify_command_execution"`
	NotifySystemAlerts       bool    `json:"notify_system_alerts"`
	NotifyProjectUpdates     bool    `json:"notify_project_updates"`
	IsActive                 bool    `json:"is_active"`
	LastUsedAt               *string `json:"last_used_at"`
	LastError                string  `json:"last_error"`
	LastErrorAt              *string `json:"last_error_at"`
	DisabledReason           string  `json:"disabled_reason"`
	CreatedAt                *string `json:"created_at"`
	UpdatedAt                *string `json:"updated_at"`
}

func viewSlack(s *store.SlackIntegration) slackView {
	return slackView{
		ID: s.ID, User: s.UserID, WorkspaceName: s.WorkspaceName, ChannelID: s.ChannelID,
		ChannelName: s.ChannelName, HasBotToken: s.BotToken.IsSet(),
		NotifyWorkflowCompletion: s.NotifyWorkflowCompletion, NotifyCommandExecution: s.NotifyCommandExecution,
		NotifySystemAlerts: s.NotifySystemAlerts, NotifyProjectUpdates: s.NotifyProjectUpdates,
		IsActive: s.IsActive, LastUsedAt: timeJSON(s.LastUsedAt), LastError: s.LastError,
		LastErrorAt: timeJSON(s.LastErrorAt), DisabledReason: s.DisabledReason,
		CreatedAt: timeJSON(s.CreatedAt), UpdatedAt: timeJSON(s.UpdatedAt),
	}
}

type emailView struct {
	ID                       string  `json:"id"`
	User                     string  `json:"user"`
	EmailAddress             string  `json:"email_address"`
	NotifyWorkflowCompletion bool    `json:"notify_workflow_completion"`
	NotifyCommandExecution   bool    `json:"notify_command_execution"`
	NotifySystemAlerts       bool    `json:"notify_system_alerts"`
	NotifyProjectUpdates     bool    `json:"notify_project_updates"`
	LastError                string  `json:"last_error"`
	LastErrorAt              *string `json:"last_error_at"`
	CreatedAt                *string `json:"created_at"`
	UpdatedAt                *string `json:"updated_at"`
}

func viewEmail(e *store.EmailSettings) emailView {
	return emailView{
		ID: e.ID, User: e.UserID, EmailAddress: e.EmailAddress,
		NotifyWorkflowCompletion: e.NotifyWorkflowCompletion, NotifyCommandExecution: e.NotifyCommandExecution,
		NotifySystemAlerts: e.NotifySystemAlerts, NotifyProjectUpdates: e.NotifyProjectUpdates,
		LastError: e.LastError, LastErrorAt: timeJSON(e.LastErrorAt),
		CreatedAt: timeJSON(e.CreatedAt), UpdatedAt: timeJSON(e.UpdatedAt),
	}
}

type webhookView struct {
	ID                          string            `json:"id"`
	User                        string            `json:"user"`
	Name                        string            `json:"name"`
	URL                         string            `json:"url"`
	HasSecret                   bool              `json:"has_secret"`
	Secret                      string            `json:"secret,omitempty"` // generated or rotated, once
	SignatureScheme             string            `json:"signature_scheme"`
	PreviousSecretExpiresAt     *string           `json:"previous_secret_expires_at"`
	TriggerOnWorkflowCompletion bool              `json:"trigger_on_workflow_completion"`
	TriggerOnCommandExecution   bool              `json:"trigger_on_command_execution"`
	TriggerOnProjectUpdate      bool              `json:"trigger_on_project_update"`
	TriggerOnSystemAlert        bool              `json:"trigger_on_system_alert"`
	CustomEvents                []string          `json:"custom_events"`
	Method                      string            `json:"method"`
	Headers                     map[string]string `json:"headers"` // credential values masked
	RetryCount                  int               `json:"retry_count"`
	TimeoutSeconds              int               `json:"timeout_seconds"`
	IsActive                    bool              `json:"is_active"`
	DisabledReason              string            `json:"disabled_reason"`
	LastError                   string            `json:"last_error"`
	LastErrorAt                 *string           `json:"last_error_at"`
	LastTriggeredAt             *string           `json:"last_triggered_at"`
	SuccessCount                int64             `json:"success_count"`
	FailureCount                int64             `json:"failure_count"`
	ConsecutiveFailures         int               `json:"consecutive_failures"`
	CreatedAt                   *string           `json:"created_at"`
	UpdatedAt                   *string           `json:"updated_at"`
}

func viewWebhook(e *store.WebhookEndpoint) webhookView {
	events := e.CustomEvents
	if events == nil {
		events = []string{}
	}
	headers := make(map[string]string, len(e.Headers))
	for name, value := range e.Headers {
		if integrations.IsCredentialHeader(name) {
			value = integrations.MaskedHeaderValue
		}
		headers[name] = value
	}
	v := webhookView{
		ID: e.ID, User: e.UserID, Name: e.Name, URL: e.URL, HasSecret: e.Secret.IsSet(),
		SignatureScheme:             e.SignatureScheme,
		TriggerOnWorkflowCompletion: e.TriggerOnWorkflowCompletion, TriggerOnCommandExecution: e.TriggerOnCommandExecution,
		TriggerOnProjectUpdate: e.TriggerOnProjectUpdate, TriggerOnSystemAlert: e.TriggerOnSystemAlert,
		CustomEvents: events, Method: e.Method, Headers: headers,
		RetryCount: e.RetryCount, TimeoutSeconds: e.TimeoutSeconds, IsActive: e.IsActive,
		DisabledReason: e.DisabledReason, LastError: e.LastError, LastErrorAt: timeJSON(e.LastErrorAt),
		LastTriggeredAt: timeJSON(e.LastTriggeredAt), SuccessCount: e.SuccessCount,
		FailureCount: e.FailureCount, ConsecutiveFailures: e.ConsecutiveFailures,
		CreatedAt: timeJSON(e.CreatedAt), UpdatedAt: timeJSON(e.UpdatedAt),
	}
	if e.PreviousSecret.IsSet() {
		v.PreviousSecretExpiresAt = timeJSON(e.PreviousSecretExpiresAt)
	}

	return v
}

type attemptView struct {
	Number         int     `json:"number"`
	Status         string  `json:"status"`
	ResponseStatus *int    `json:"response_status"`
	ResponseBody   string  `json:"response_body"`
	ErrorMessage   string  `json:"error_message"`
	DurationMS     int64   `json:"duration_ms"`
	StartedAt      *string `json:"started_at"`
}

type deliveryView struct {
	ID             string          `json:"id"`
	Endpoint       string          `json:"endpoint"`
	TargetID       string          `json:"target_id"`
	EndpointName   string          `json:"endpoint_name"`
	EndpointURL    string          `json:"endpoint_url"`
	Channel        string          `json:"channel"`
	EventType      string          `json:"event_type"`
	Payload        json.RawMessage `json:"payload"`
	Status         string          `json:"status"`
	AttemptNumber  int             `json:"attempt_number"`
	MaxAttempts    int             `json:"max_attempts"`
	ResponseStatus *int            `json:"response_status"`
	ResponseBody   string          `json:"response_body"`
	ErrorMessage   string          `json:"error_message"`
	TriggeredAt    *string         `json:"triggered_at"`
	CompletedAt    *string         `json:"completed_at"`
	NextAttemptAt  *string         `json:"next_attempt_at"`
	Attempts       []attemptView   `json:"attempts"`
}

func viewDelivery(d *store.Delivery) deliveryView {
	v := deliveryView{
		ID: d.ID, Endpoint: d.TargetID, TargetID: d.TargetID, EndpointName: d.TargetName,
		EndpointURL: originOf(d.TargetURL), Channel: string(d.Channel), EventType: d.EventType,
		Payload: payloadJSON(d.Payload), Status: string(d.Status), AttemptNumber: d.AttemptCount,
		MaxAttempts: d.MaxAttempts, TriggeredAt: timeJSON(d.TriggeredAt),
		CompletedAt: timeJSON(d.CompletedAt), Attempts: make([]attemptView, 0, len(d.Attempts)),
	}
	if !d.Status.Final() {
		v.NextAttemptAt = timeJSON(d.NextAttemptAt)
	}
	for _, a := range d.Attempts {
		v.Attempts = append(v.Attempts, attemptView{
			Number: a.Number, Status: string(a.Status), ResponseStatus: statusJSON(a.ResponseStatus),
			ResponseBody: store.Excerpt(a.ResponseBody), ErrorMessage: a.ErrorMessage,
			DurationMS: a.DurationMS, StartedAt: timeJSON(a.StartedAt),
		})
	}
	if last := d.LatestAttempt(); last != nil {
		v.ResponseStatus = statusJSON(last.ResponseStatus)
		v.ResponseBody = store.Excerpt(last.ResponseBody)
		v.ErrorMessage = last.ErrorMessage
	}

	return v
}

func statusJSON(code int) *int {
	if code == 0 {
		return nil
	}

	return &code
}

// payloadJSON shows a stored payload as a JSON value; bytes that are not
// JSON are shown as a string.
func payloadJSON(p []byte) json.RawMessage {
	if len(p) == 0 {
		return json.RawMessage("null")
	}
	if json.Valid(p) {
		return json.RawMessage(p)
	}
	quoted, _ := json.Marshal(string(p))

	return quoted
}

// originOf keeps only the scheme and host of a URL, so a path or query
// that carries a token never reaches a response.
func originOf(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.Scheme == "" || u.Host == "" {
		return ""
	}

	return u.Scheme + "://" + u.Host
}

type pullRequestView struct {
	Number    int     `json:"number"`
	Title     string  `json:"title"`
	State     string  `json:"state"`
	Merged    bool    `json:"merged"`
	Draft     bool    `json:"draft"`
	Author    string  `json:"author"`
	HTMLURL   string  `json:"html_url"`
	HeadRef   string  `json:"head_ref"`
	BaseRef   string  `json:"base_ref"`
	CreatedAt *string `json:"created_at"`
	UpdatedAt *string `json:"updated_at"`
	ClosedAt  *string `json:"closed_at"`
	MergedAt  *string `json:"merged_at"`
	SyncedAt  *string `json:"synced_at"`
}

func viewPullRequest(p *store.PullRequest) pullRequestView {
	return pullRequestView{
		Number: p.Number, Title: p.Title, State: p.State, Merged: p.Merged, Draft: p.Draft,
		Author: p.Author, HTMLURL: p.HTMLURL, HeadRef: p.HeadRef, BaseRef: p.BaseRef,
		CreatedAt: timeJSON(p.CreatedAt), UpdatedAt: timeJSON(p.UpdatedAt),
		ClosedAt: timeJSON(p.ClosedAt), MergedAt: timeJSON(p.MergedAt), SyncedAt: timeJSON(p.SyncedAt),
	}
}
