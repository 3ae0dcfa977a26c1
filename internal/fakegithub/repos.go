package fakegithub

import (
	"net/http"
	"slices"
	"time"
)

// Permissions are the rights every token has on a Repo.
type Permissions struct {
	Admin bool
	Push  bool
	Pull  bool
}

// Repo configures one repository of the fake.
type Repo struct {
	Owner, Name    string
	Private        bool
	Archived       bool        // creating an issue returns 403
	IssuesDisabled bool        // has_issues false; creating an issue returns 410
	Permissions    Permissions // reported in GET /repos/{owner}/{repo}

	// VisibleTo lists the logins that can see the repository; others get
	// 404, as GitHub returns for a private repository. Empty means everyone.
	VisibleTo []string

	// Assignable lists the logins an issue may be assigned to; others get
	// 422. The repository owner is always assignable.
	Assignable []string

	// PullRequests is how many pull requests to generate, numbered from 1.
	PullRequests int
}

// PullRequest is one generated pull request, as the fake stores it.
type PullRequest struct {
	Number    int
	Title     string
	State     string // "open" or "closed"
	Author    string
	HeadRef   string
	BaseRef   string
	Draft     bool
	CreatedAt time.Time
	UpdatedAt time.Time
	ClosedAt  *time.Time
	MergedAt  *time.Time // set for merged pull requests; the list omits "merged"
}

// Issue is an issue stored by POST /repos/{owner}/{repo}/issues.
type Issue struct {
	Owner, Repo string
	Number      int
	Title       string
	Body        string
	Labels      []string
	Assignees   []string
	Creator     string
	State       string
	CreatedAt   time.Time
}

// pullRequestEpoch is the created_at of pull request 1; later ones follow
// hourly, so the generated data is the same on every run.
var pullRequestEpoch = time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC)

type repoState struct {
	Repo
	pulls  []PullRequest
	issues []Issue
}

// AddRepo adds or replaces a repository and generates its pull requests.
// Every third pull request is merged (closed with merged_at), every fifth
// that is not merged is closed without merging, every seventh is a draft, and
// the rest are open.
func (s *Server) AddRepo(r Repo) {
	st := &repoState{Repo: r}
	for n := 1; n <= r.PullRequests; n++ {
		st.pulls = append(st.pulls, generatePullRequest(n))
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	s.repos[r.Owner+"/"+r.Name] = st
}

func generatePullRequest(n int) PullRequest {
	created := pullRequestEpoch.Add(time.Duration(n) * time.Hour)
	pr := PullRequest{
		Number:    n,
		Title:     "Change number " + itoa(n),
		State:     "open",
		Author:    "contributor" + itoa(n%4),
		HeadRef:   "feature-" + itoa(n),
		BaseRef:   "main",
		Draft:     n%7 == 0,
		CreatedAt: created,
		UpdatedAt: created.Add(30 * time.Minute),
	}
	switch {
	case n%3 == 0:
		closed := created.Add(20 * time.Minute)
		pr.State, pr.ClosedAt, pr.MergedAt, pr.Draft = "closed", &closed, &closed, false
	case n%5 == 0:
		closed := created.Add(25 * time.Minute)
		pr.State, pr.ClosedAt = "closed", &closed
	}

	return pr
}

// PullRequests returns the generated pull requests of a repository, in
// number order.
func (s *Server) PullRequests(owner, repo string) []PullRequest {
	s.mu.Lock()
	defer s.mu.Unlock()
	if st, ok := s.repos[owner+"/"+repo]; ok {
		return slices.Clone(st.pulls)
	}

	return nil
}

// lookupRepo returns the repository if login can see it, writing a 404
// otherwise. The caller must not hold s.mu.
func (s *Server) lookupRepo(w http.ResponseWriter, r *http.Request, login string) (*repoState, bool) {
	key := r.PathValue("owner") + "/" + r.PathValue("repo")
	s.mu.Lock()
	st, ok := s.repos[key]
	visible := ok && (len(st.VisibleTo) == 0 || slices.Contains(st.VisibleTo, login))
	s.mu.Unlock()
	if !visible {
		writeRaw(w, http.StatusNotFound, nil, NotFoundBody)
		return nil, false
	}

	return st, true
}

func (s *Server) handleRepo(w http.ResponseWriter, r *http.Request) {
	login, fault, ok := s.begin(w, r, RouteRepo)
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

	body := template("repository.json")
	full := st.Owner + "/" + st.Name
	body["name"] = st.Name
	body["full_name"] = full
	body["private"] = st.Private
	body["visibility"] = map[bool]string{true: "private", false: "public"}[st.Private]
	body["archived"] = st.Archived
	body["has_issues"] = !st.IssuesDisabled
	body["html_url"] = "https://github.com/" + full
	body["url"] = "https://api.github.com/repos/" + full
	if owner, ok := body["owner"].(map[string]any); ok {
		owner["login"] = st.Owner
	}
	body["permissions"] = map[string]bool{
		"admin": st.Permissions.Admin, "maintain": st.Permissions.Admin,
		"push": st.Permissions.Push, "triage": st.Permissions.Push,
		"pull": st.Permissions.Pull,
	}
	writeJSON(w, http.StatusOK, body)
}
