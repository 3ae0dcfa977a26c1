package httpapi

import (
	"net/http"

	"github.com/hishamos/integrations-external/integrations"
)

type slackBody struct {
	WorkspaceName            *string `json:"workspace_name"`
	ChannelID                *string `json:"channel_id"`
	ChannelName              *string `json:"channel_name"`
	BotToken                 *string `json:"bot_token"`
	NotifyWorkflowCompletion *bool   `json:"notify_workflow_completion"`
	NotifyCommandExecution   *bool   `json:"notify_command_execution"`
	NotifySystemAlerts       *bool   `json:"notify_system_alerts"`
	NotifyProjectUpdates     *bool   `json:"notify_project_updates"`
	IsActive                 *bool   `json:"is_active"`
}

func (b slackBody) input() integrations.SlackInput {
	return integrations.SlackInput{
		WorkspaceName: b.WorkspaceName, ChannelID: b.ChannelID, ChannelName: b.ChannelName,
		BotToken: b.BotToken, NotifyWorkflowCompletion: b.NotifyWorkflowCompletion,
		NotifyCommandExecution: b.NotifyCommandExecution, NotifySystemAlerts: b.NotifySystemAlerts,
		NotifyProjectUpdates: b.NotifyProjectUpdates, IsActive: b.IsActive,
	}
}

var slackFields = fieldsOf(slackBody{}, slackView{})

func (h *handler) slackRoutes() []route {
	return []route{
		{method: "GET", path: "slack/", summary: "List Slack integrations", tag: "slack",
			statuses: []int{200, 400}, response: "SlackIntegration", list: true, handle: h.listSlack},
		{method: "POST", path: "slack/", summary: "Create a Slack integration", tag: "slack",
			statuses: []int{201, 400, 413}, request: "SlackIntegrationInput", response: "SlackIntegration", handle: h.createSlack},
		{method: "GET", path: "slack/{id}/", summary: "Get a Slack integration", tag: "slack",
			statuses: []int{200}, response: "SlackIntegration", handle: h.getSlack},
		{method: "PUT", path: "slack/{id}/", summary: "Replace a Slack integration", tag: "slack",
			statuses: []int{200, 400, 409, 413}, request: "SlackIntegrationInput", response: "SlackIntegration", handle: h.updateSlack(true)},
		{method: "PATCH", path: "slack/{id}/", summary: "Change fields of a Slack integration", tag: "slack",
			statuses: []int{200, 400, 409, 413}, request: "SlackIntegrationInput", response: "SlackIntegration", handle: h.updateSlack(false)},
		{method: "DELETE", path: "slack/{id}/", summary: "Delete a Slack integration", tag: "slack",
			statuses: []int{204}, handle: h.deleteSlack},
	}
}

func (h *handler) listSlack(w http.ResponseWriter, r *http.Request) {
	p, ok := parsePage(w, r)
	if !ok {
		return
	}
	opts := integrations.ListOptions{UserID: p.userID, Limit: p.limit + 1, Offset: p.offset}
	recs, err := h.svc.ListSlackIntegrations(r.Context(), caller(r), opts)
	if err != nil {
		h.fail(w, r, err, "")
		return
	}
	writeList(w, r, p, recs, viewSlack)
}

func (h *handler) createSlack(w http.ResponseWriter, r *http.Request) {
	var body slackBody
	if decode(w, r, &body, slackFields, false) != nil {
		return
	}
	rec, err := h.svc.CreateSlackIntegration(r.Context(), caller(r), body.input())
	if err != nil {
		h.fail(w, r, err, "")
		return
	}
	h.created(w, "slack/"+rec.ID+"/", viewSlack(rec))
}

func (h *handler) getSlack(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(w, r)
	if !ok {
		return
	}
	rec, err := h.svc.GetSlackIntegration(r.Context(), caller(r), id)
	if err != nil {
		h.fail(w, r, err, "")
		return
	}
	writeJSON(w, http.StatusOK, viewSlack(rec))
}

func (h *handler) updateSlack(replace bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		id, ok := pathID(w, r)
		if !ok {
			return
		}
		var body slackBody
		if decode(w, r, &body, slackFields, false) != nil {
			return
		}
		update := h.svc.PatchSlackIntegration
		if replace {
			update = h.svc.UpdateSlackIntegration
		}
		rec, err := update(r.Context(), caller(r), id, body.input())
		if err != nil {
			h.fail(w, r, err, "")
			return
		}
		writeJSON(w, http.StatusOK, viewSlack(rec))
	}
}

func (h *handler) deleteSlack(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(w, r)
	if !ok {
		return
	}
	if err := h.svc.DeleteSlackIntegration(r.Context(), caller(r), id); err != nil {
		h.fail(w, r, err, "")
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
