package fakegithub

import (
	"net/http"
	"slices"
	"time"
)

func (s *Server) handlePulls(w http.ResponseWriter, r *http.Request) {
	login, fault, ok := s.begin(w, r, RoutePulls)
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

	s.mu.Lock()
	pulls := filterPulls(st.pulls, r.URL.Query().Get("state"))
	s.mu.Unlock()
	// GitHub sorts by created, newest first, unless direction=asc.
	if r.URL.Query().Get("direction") != "asc" {
		slices.Reverse(pulls)
	}

	p := parsePage(r, len(pulls))
	start, end := p.bounds(len(pulls))
	out := make([]map[string]any, 0, end-start)
	for _, pr := range pulls[start:end] {
		out = append(out, pullJSON(st.Owner, st.Name, pr))
	}

	next := 0
	if fault != nil && fault.RepeatNextLink {
		next = p.number
	}
	p.setLink(w, r, next)
	writeJSON(w, http.StatusOK, out)
}

// filterPulls returns a copy of the pull requests in state ("open" when
// empty, or "closed", or "all").
func filterPulls(all []PullRequest, state string) []PullRequest {
	if state == "" {
		state = "open"
	}
	out := make([]PullRequest, 0, len(all))
	for _, pr := range all {
		if state == "all" || pr.State == state {
			out = append(out, pr)
		}
	}

	return out
}

// pullJSON renders a pull request as the list endpoint does, which has
// merged_at but no "merged" field.
func pullJSON(owner, repo string, pr PullRequest) map[string]any {
	full := owner + "/" + repo
	body := template("pull_request.json")
	body["id"] = 1000 + pr.Number
	body["number"] = pr.Number
	body["title"] = pr.Title
	body["state"] = pr.State
	body["draft"] = pr.Draft
	body["html_url"] = "https://github.com/" + full + "/pull/" + itoa(pr.Number)
	body["url"] = "https://api.github.com/repos/" + full + "/pulls/" + itoa(pr.Number)
	body["created_at"] = pr.CreatedAt.Format(time.RFC3339)
	body["updated_at"] = pr.UpdatedAt.Format(time.RFC3339)
	body["closed_at"] = timeOrNil(pr.ClosedAt)
	body["merged_at"] = timeOrNil(pr.MergedAt)
	if user, ok := body["user"].(map[string]any); ok {
		user["login"] = pr.Author
	}
	setRef(body, "head", owner, pr.HeadRef)
	setRef(body, "base", owner, pr.BaseRef)
	delete(body, "merged")

	return body
}

func setRef(body map[string]any, side, owner, ref string) {
	if m, ok := body[side].(map[string]any); ok {
		m["ref"] = ref
		m["label"] = owner + ":" + ref
	}
}

func timeOrNil(t *time.Time) any {
	if t == nil {
		return nil
	}

	return t.Format(time.RFC3339)
}
