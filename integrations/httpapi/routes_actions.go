package httpapi

import (
	"encoding/json"
	"errors"
	"net/http"

	"github.com/hishamos/integrations-external/integrations"
)

// statusBody is the response body of verify, test-message and test-email.
type statusBody struct {
	Status string `json:"status"`
}

type syncBody struct {
	Synced int `json:"synced"`
}

type testMessageBody struct {
	Text string `json:"text"`
}

type webhookTestBody struct {
	Payload json.RawMessage `json:"payload"`
}

type webhookTestView struct {
	Status         string `json:"status"`
	DeliveryID     string `json:"delivery_id"`
	ResponseStatus *int   `json:"response_status"`
	Error          string `json:"error"`
}

type issueBody struct {
	Title  string   `json:"title"`
	Body   string   `json:"body"`
	Labels []string `json:"labels"`
}

type issueView struct {
	Number  int    `json:"number"`
	Title   string `json:"title"`
	State   string `json:"state"`
	HTMLURL string `json:"html_url"`
}

var (
	testMessageFields = fieldsOf(testMessageBody{}, nil)
	webhookTestFields = fieldsOf(webhookTestBody{}, nil)
	issueFields       = fieldsOf(issueBody{}, nil)
)

// remoteStatuses are the statuses of a call that reaches Slack, GitHub or
// SMTP.
var remoteStatuses = []int{200, 400, 409, 429, 502, 504}

func (h *handler) actionRoutes() []route {
	return []route{
		{method: "POST", path: "github/{id}/verify/", summary: "Check the token and repository with GitHub", tag: "github",
			statuses: remoteStatuses, response: "ActionStatus", handle: h.verifyGitHub},
		{method: "POST", path: "github/{id}/sync-prs/", summary: "Store every pull request of the repository", tag: "github",
			statuses: remoteStatuses, response: "SyncResult", handle: h.syncPRs},
		{method: "GET", path: "github/{id}/pull-requests/", summary: "List synced pull requests, highest number first (filter: state)", tag: "github",
			statuses: []int{200, 400}, response: "PullRequest", list: true, handle: h.listPRs},
		{method: "POST", path: "github/{id}/create-issue/", summary: "Open an issue in the repository", tag: "github",
			statuses: []int{201, 400, 413, 429, 502, 504}, request: "IssueInput", response: "Issue", handle: h.createIssue},
		{method: "POST", path: "slack/{id}/verify/", summary: "Check the bot token and channel with Slack", tag: "slack",
			statuses: remoteStatuses, response: "ActionStatus", handle: h.verifySlack},
		{method: "POST", path: "slack/{id}/test-message/", summary: "Post a test message (text optional)", tag: "slack",
			statuses: []int{200, 400, 413, 429, 502, 504}, request: "TestMessageInput", response: "ActionStatus", handle: h.slackTestMessage},
		{method: "POST", path: "webhooks/{id}/test/", summary: "Send one webhook.test event now; the outcome is in the body", tag: "webhooks",
			statuses: []int{200, 400, 413}, request: "WebhookTestInput", response: "WebhookTestResult", handle: h.testWebhook},
	}
}

func (h *handler) verifyGitHub(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(w, r)
	if !ok {
		return
	}
	if _, err := h.svc.VerifyGitHubIntegration(r.Context(), caller(r), id); err != nil {
		h.fail(w, r, err, "")
		return
	}
	writeJSON(w, http.StatusOK, statusBody{Status: "success"})
}

func (h *handler) syncPRs(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(w, r)
	if !ok {
		return
	}
	n, err := h.svc.SyncPullRequests(r.Context(), caller(r), id)
	if err != nil {
		h.fail(w, r, err, "")
		return
	}
	writeJSON(w, http.StatusOK, syncBody{Synced: n})
}

func (h *handler) listPRs(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(w, r)
	if !ok {
		return
	}
	p, ok := parsePage(w, r)
	if !ok {
		return
	}
	f := integrations.PullRequestFilter{State: r.URL.Query().Get("state"), Limit: p.limit + 1, Offset: p.offset}
	prs, err := h.svc.ListPullRequests(r.Context(), caller(r), id, f)
	if err != nil {
		h.fail(w, r, err, "")
		return
	}
	writeList(w, r, p, prs, viewPullRequest)
}

func (h *handler) createIssue(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(w, r)
	if !ok {
		return
	}
	var body issueBody
	if decode(w, r, &body, issueFields, false) != nil {
		return
	}
	in := integrations.IssueInput{Title: body.Title, Body: body.Body, Labels: body.Labels}
	issue, err := h.svc.CreateGitHubIssue(r.Context(), caller(r), id, in)
	if err != nil {
		h.fail(w, r, err, "")
		return
	}
	writeJSON(w, http.StatusCreated, issueView{Number: issue.Number, Title: issue.Title, State: issue.State, HTMLURL: issue.HTMLURL})
}

func (h *handler) verifySlack(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(w, r)
	if !ok {
		return
	}
	if _, err := h.svc.VerifySlackIntegration(r.Context(), caller(r), id); err != nil {
		h.fail(w, r, err, "")
		return
	}
	writeJSON(w, http.StatusOK, statusBody{Status: "success"})
}

func (h *handler) slackTestMessage(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(w, r)
	if !ok {
		return
	}
	var body testMessageBody
	if decode(w, r, &body, testMessageFields, true) != nil {
		return
	}
	if err := h.svc.SendSlackTestMessage(r.Context(), caller(r), id, body.Text); err != nil {
		h.fail(w, r, err, "")
		return
	}
	writeJSON(w, http.StatusOK, statusBody{Status: "ok"})
}

func (h *handler) testEmail(w http.ResponseWriter, r *http.Request) {
	if err := h.svc.SendTestEmail(r.Context(), caller(r)); err != nil {
		if errors.Is(err, integrations.ErrEmailNotConfigured) {
			writeError(w, http.StatusBadRequest, "email is not configured on this server")
			return
		}
		h.fail(w, r, err, "")
		return
	}
	writeJSON(w, http.StatusOK, statusBody{Status: "sent"})
}

func (h *handler) testWebhook(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(w, r)
	if !ok {
		return
	}
	var body webhookTestBody
	if decode(w, r, &body, webhookTestFields, true) != nil {
		return
	}
	res, err := h.svc.SendWebhookTest(r.Context(), caller(r), id, body.Payload)
	if err != nil {
		h.fail(w, r, err, "")
		return
	}
	writeJSON(w, http.StatusOK, webhookTestView{
		Status: res.Status, DeliveryID: res.DeliveryID, ResponseStatus: statusJSON(res.ResponseStatus), Error: res.Error,
	})
}
