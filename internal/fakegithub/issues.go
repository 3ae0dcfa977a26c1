package fakegithub

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"time"
)

const (
	docsCreateIssue = "https://docs.github.com/rest/issues/issues#create-an-issue"
	maxRequestBody  = 1 << 20
)

type createIssueRequest struct {
	Title     *string  `json:"title"`
	Body      string   `json:"body"`
	Labels    []string `json:"labels"`
	Assignees []string `json:"assignees"`
}

func (s *Server) handleCreateIssue(w http.ResponseWriter, r *http.Request) {
	login, fault, ok := s.begin(w, r, RouteCreateIssue)
	if !ok {
		return
	}
	st, ok := s.lookupRepo(w, r, login)
	if !ok {
		return
	}

	var in createIssueRequest
	if err := json.NewDecoder(io.LimitReader(r.Body, maxRequestBody)).Decode(&in); err != nil {
		writeError(w, http.StatusBadRequest, "Problems parsing JSON", docsCreateIssue)
		return
	}
	switch {
	case st.IssuesDisabled:
		writeError(w, http.StatusGone, "Issues are disabled for this repo", docsCreateIssue)
		return
	case st.Archived:
		writeError(w, http.StatusForbidden, "Repository was archived so is read-only.", docsCreateIssue)
		return
	case in.Title == nil || *in.Title == "":
		writeValidation(w, docsCreateIssue,
			fieldError{Resource: "Issue", Field: "title", Code: "missing_field"})
		return
	}
	for _, a := range in.Assignees {
		if a != st.Owner && !slices.Contains(st.Assignable, a) {
			writeValidation(w, docsCreateIssue,
				fieldError{Value: a, Resource: "Issue", Field: "assignees", Code: "invalid"})
			return
		}
	}

	issue := s.storeIssue(st, login, *in.Title, in)
	if fault != nil && fault.Stall {
		s.stall(r.Context())
		return
	}
	writeJSON(w, http.StatusCreated, issueJSON(issue))
}

func (s *Server) storeIssue(st *repoState, login, title string, in createIssueRequest) Issue {
	s.mu.Lock()
	defer s.mu.Unlock()

	// Issues and pull requests share one sequence of numbers.
	issue := Issue{
		Owner:     st.Owner,
		Repo:      st.Name,
		Number:    len(st.pulls) + len(st.issues) + 1,
		Title:     title,
		Body:      in.Body,
		Labels:    slices.Clone(in.Labels),
		Assignees: slices.Clone(in.Assignees),
		Creator:   login,
		State:     "open",
		CreatedAt: s.now().UTC().Truncate(time.Second),
	}
	st.issues = append(st.issues, issue)
	close(s.changed)
	s.changed = make(chan struct{})

	return issue
}

func (s *Server) handleListIssues(w http.ResponseWriter, r *http.Request) {
	login, fault, ok := s.begin(w, r, RouteListIssues)
	if !ok {
		return
	}
	if fault != nil && fault.Stall {
		s.stall(r.Context())
		return
	}
	st, ok := s.lookupRepo(w, r, login)
	if !ok {
		return
	}

	q := r.URL.Query()
	s.mu.Lock()
	issues := filterIssues(st.issues, q.Get("state"), q.Get("creator"))
	s.mu.Unlock()
	// Only sort=created is supported; GitHub's default direction is desc.
	if q.Get("direction") != "asc" {
		slices.Reverse(issues)
	}

	p := parsePage(r, len(issues))
	start, end := p.bounds(len(issues))
	out := make([]map[string]any, 0, end-start)
	for _, is := range issues[start:end] {
		out = append(out, issueJSON(is))
	}
	p.setLink(w, r, 0)
	writeJSON(w, http.StatusOK, out)
}

func filterIssues(all []Issue, state, creator string) []Issue {
	if state == "" {
		state = "open"
	}
	out := make([]Issue, 0, len(all))
	for _, is := range all {
		if (state == "all" || is.State == state) && (creator == "" || is.Creator == creator) {
			out = append(out, is)
		}
	}

	return out
}

func issueJSON(is Issue) map[string]any {
	full := is.Owner + "/" + is.Repo
	api := "https://api.github.com/repos/" + full + "/issues/" + itoa(is.Number)
	body := template("issue.json")
	body["id"] = 5000 + is.Number
	body["number"] = is.Number
	body["title"] = is.Title
	body["body"] = is.Body
	body["state"] = is.State
	body["html_url"] = "https://github.com/" + full + "/issues/" + itoa(is.Number)
	body["url"] = api
	body["repository_url"] = "https://api.github.com/repos/" + full
	body["comments_url"] = api + "/comments"
	body["events_url"] = api + "/events"
	body["labels_url"] = api + "/labels{/name}"
	body["created_at"] = is.CreatedAt.Format(time.RFC3339)
	body["updated_at"] = is.CreatedAt.Format(time.RFC3339)
	if user, ok := body["user"].(map[string]any); ok {
		user["login"] = is.Creator
	}

	labels := make([]map[string]any, 0, len(is.Labels))
	for i, name := range is.Labels {
		labels = append(labels, map[string]any{
			"id": 9000 + i, "name": name, "color": "ededed", "default": false,
		})
	}
	body["labels"] = labels
	assignees := make([]map[string]any, 0, len(is.Assignees))
	for _, login := range is.Assignees {
		assignees = append(assignees, map[string]any{"login": login, "type": "User"})
	}
	body["assignees"] = assignees
	if len(assignees) > 0 {
		body["assignee"] = assignees[0]
	}

	return body
}

// AddIssues stores n open issues by login in a repository that AddRepo
// added. They are titled "Issue 1" to "Issue n" and created at the server's
// current time. It panics when the repository is unknown.
func (s *Server) AddIssues(owner, repo, login string, n int) {
	s.mu.Lock()
	st, ok := s.repos[owner+"/"+repo]
	s.mu.Unlock()
	if !ok {
		panic("fakegithub: AddIssues: unknown repository " + owner + "/" + repo)
	}
	for i := range n {
		s.storeIssue(st, login, fmt.Sprintf("Issue %d", i+1), createIssueRequest{})
	}
}

// Issues returns the issues stored in a repository, oldest first.
func (s *Server) Issues(owner, repo string) []Issue {
	s.mu.Lock()
	defer s.mu.Unlock()
	if st, ok := s.repos[owner+"/"+repo]; ok {
		return slices.Clone(st.issues)
	}

	return nil
}

// WaitIssues blocks until the repository holds at least n issues and returns
// them, or returns ctx's error.
func (s *Server) WaitIssues(ctx context.Context, owner, repo string, n int) ([]Issue, error) {
	for {
		s.mu.Lock()
		changed := s.changed
		var issues []Issue
		if st, ok := s.repos[owner+"/"+repo]; ok {
			issues = slices.Clone(st.issues)
		}
		s.mu.Unlock()
		if len(issues) >= n {
			return issues, nil
		}

		select {
		case <-changed:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
}
