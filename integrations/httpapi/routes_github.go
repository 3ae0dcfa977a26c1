package httpapi

import (
	"net/http"

	"github.com/google/uuid"

	"github.com/hishamos/integrations-external/integrations"
)

type githubBody struct {
	RepositoryOwner  *string `json:"repository_owner"`
	RepositoryName   *string `json:"repository_name"`
	AccessToken      *string `json:"access_token"`
	WebhookSecret    *string `json:"webhook_secret"`
	AutoCreateIssues *bool   `json:"auto_create_issues"`
	AutoSyncPRs      *bool   `json:"auto_sync_prs"`
	IsActive         *bool   `json:"is_active"`
}

func (b githubBody) input() integrations.GitHubInput {
	return integrations.GitHubInput{
		RepositoryOwner: b.RepositoryOwner, RepositoryName: b.RepositoryName,
		AccessToken: b.AccessToken, WebhookSecret: b.WebhookSecret,
		AutoCreateIssues: b.AutoCreateIssues, AutoSyncPRs: b.AutoSyncPRs, IsActive: b.IsActive,
	}
}

var githubFields = fieldsOf(githubBody{}, githubView{})

const githubConflict = "a GitHub integration for this repository already exists"

func (h *handler) githubRoutes() []route {
	ok := []int{http.StatusOK}
	return []route{
		{method: "GET", path: "github/", summary: "List GitHub integrations", tag: "github",
			statuses: []int{200, 400}, response: "GitHubIntegration", list: true, handle: h.listGitHub},
		{method: "POST", path: "github/", summary: "Create a GitHub integration", tag: "github",
			statuses: []int{201, 400, 409, 413}, request: "GitHubIntegrationInput", response: "GitHubIntegration", handle: h.createGitHub},
		{method: "GET", path: "github/{id}/", summary: "Get a GitHub integration", tag: "github",
			statuses: ok, response: "GitHubIntegration", handle: h.getGitHub},
		{method: "PUT", path: "github/{id}/", summary: "Replace a GitHub integration", tag: "github",
			statuses: []int{200, 400, 409, 413}, request: "GitHubIntegrationInput", response: "GitHubIntegration", handle: h.updateGitHub(true)},
		{method: "PATCH", path: "github/{id}/", summary: "Change fields of a GitHub integration", tag: "github",
			statuses: []int{200, 400, 409, 413}, request: "GitHubIntegrationInput", response: "GitHubIntegration", handle: h.updateGitHub(false)},
		{method: "DELETE", path: "github/{id}/", summary: "Delete a GitHub integration", tag: "github",
			statuses: []int{204}, handle: h.deleteGitHub},
	}
}

// pathID returns the {id} wildcard. For a value that is not a record id it
// responds with 404 and returns false.
func pathID(w http.ResponseWriter, r *http.Request) (string, bool) {
	id := r.PathValue("id")
	if _, err := uuid.Parse(id); err != nil || len(id) != 36 {
		writeError(w, http.StatusNotFound, "not found")
		return "", false
	}

	return id, true
}

func (h *handler) listGitHub(w http.ResponseWriter, r *http.Request) {
	p, ok := parsePage(w, r)
	if !ok {
		return
	}
	opts := integrations.ListOptions{UserID: p.userID, Limit: p.limit + 1, Offset: p.offset}
	recs, err := h.svc.ListGitHubIntegrations(r.Context(), caller(r), opts)
	if err != nil {
		h.fail(w, r, err, "")
		return
	}
	writeList(w, r, p, recs, viewGitHub)
}

func (h *handler) createGitHub(w http.ResponseWriter, r *http.Request) {
	var body githubBody
	if decode(w, r, &body, githubFields, false) != nil {
		return
	}
	rec, err := h.svc.CreateGitHubIntegration(r.Context(), caller(r), body.input())
	if err != nil {
		h.fail(w, r, err, githubConflict)
		return
	}
	h.created(w, "github/"+rec.ID+"/", viewGitHub(rec))
}

func (h *handler) getGitHub(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(w, r)
	if !ok {
		return
	}
	rec, err := h.svc.GetGitHubIntegration(r.Context(), caller(r), id)
	if err != nil {
		h.fail(w, r, err, "")
		return
	}
	writeJSON(w, http.StatusOK, viewGitHub(rec))
}

func (h *handler) updateGitHub(replace bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		id, ok := pathID(w, r)
		if !ok {
			return
		}
		var body githubBody
		if decode(w, r, &body, githubFields, false) != nil {
			return
		}
		update := h.svc.PatchGitHubIntegration
		if replace {
			update = h.svc.UpdateGitHubIntegration
		}
		rec, err := update(r.Context(), caller(r), id, body.input())
		if err != nil {
			h.fail(w, r, err, githubConflict)
			return
		}
		writeJSON(w, http.StatusOK, viewGitHub(rec))
	}
}

func (h *handler) deleteGitHub(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(w, r)
	if !ok {
		return
	}
	if err := h.svc.DeleteGitHubIntegration(r.Context(), caller(r), id); err != nil {
		h.fail(w, r, err, "")
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
