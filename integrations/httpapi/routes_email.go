package httpapi

import (
	"net/http"

	"github.com/hishamos/integrations-external/integrations"
)

type emailBody struct {
	EmailAddress             *string `json:"email_address"`
	NotifyWorkflowCompletion *bool   `json:"notify_workflow_completion"`
	NotifyCommandExecution   *bool   `json:"notify_command_execution"`
	NotifySystemAlerts       *bool   `json:"notify_system_alerts"`
	NotifyProjectUpdates     *bool   `json:"notify_project_updates"`
}

func (b emailBody) input() integrations.EmailInput {
	return integrations.EmailInput{
		EmailAddress: b.EmailAddress, NotifyWorkflowCompletion: b.NotifyWorkflowCompletion,
		NotifyCommandExecution: b.NotifyCommandExecution, NotifySystemAlerts: b.NotifySystemAlerts,
		NotifyProjectUpdates: b.NotifyProjectUpdates,
	}
}

var emailFields = fieldsOf(emailBody{}, emailView{})

func (h *handler) emailRoutes() []route {
	return []route{
		{method: "GET", path: "email/", summary: "Get the caller's email settings, created on first read (admins: ?user_id=)", tag: "email",
			statuses: []int{200}, response: "EmailSettings", handle: h.getEmail},
		{method: "PUT", path: "email/", summary: "Replace the caller's email settings", tag: "email",
			statuses: []int{200, 400, 409, 413}, request: "EmailSettingsInput", response: "EmailSettings", handle: h.updateEmail(true)},
		{method: "PATCH", path: "email/", summary: "Change fields of the caller's email settings", tag: "email",
			statuses: []int{200, 400, 409, 413}, request: "EmailSettingsInput", response: "EmailSettings", handle: h.updateEmail(false)},
		{method: "POST", path: "email/test-email/", summary: "Send a test email to the caller's address", tag: "email",
			statuses: []int{200, 400, 429, 502, 504}, response: "SentStatus", handle: h.testEmail},
		{method: "GET", path: "email-settings/", summary: "List stored email settings: the caller's, or every user's for an admin (?user_id= filters)", tag: "email",
			statuses: []int{200, 400}, response: "EmailSettings", list: true, handle: h.listEmail},
	}
}

func (h *handler) listEmail(w http.ResponseWriter, r *http.Request) {
	p, ok := parsePage(w, r)
	if !ok {
		return
	}
	opts := integrations.ListOptions{UserID: p.userID, Limit: p.limit + 1, Offset: p.offset}
	recs, err := h.svc.ListEmailSettings(r.Context(), caller(r), opts)
	if err != nil {
		h.fail(w, r, err, "")
		return
	}
	writeList(w, r, p, recs, viewEmail)
}

func (h *handler) getEmail(w http.ResponseWriter, r *http.Request) {
	rec, err := h.svc.GetEmailSettings(r.Context(), caller(r), r.URL.Query().Get("user_id"))
	if err != nil {
		h.fail(w, r, err, "")
		return
	}
	writeJSON(w, http.StatusOK, viewEmail(rec))
}

func (h *handler) updateEmail(replace bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		var body emailBody
		if decode(w, r, &body, emailFields, false) != nil {
			return
		}
		update := h.svc.PatchEmailSettings
		if replace {
			update = h.svc.UpdateEmailSettings
		}
		rec, err := update(r.Context(), caller(r), r.URL.Query().Get("user_id"), body.input())
		if err != nil {
			h.fail(w, r, err, "")
			return
		}
		writeJSON(w, http.StatusOK, viewEmail(rec))
	}
}
