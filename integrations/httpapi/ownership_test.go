package httpapi_test

import (
	"net/http"
	"strings"
	"testing"
)

// createAll creates one record of each kind for user and returns their ids.
func (e *env) createAll(user string) (githubID, slackID, webhookID string) {
	e.t.Helper()
	r := e.do("POST", "github/", user, map[string]any{
		"repository_owner": "octo", "repository_name": "repo-" + user, "access_token": "ghp_SECRETgithubtoken_" + user,
		"webhook_secret": "GHWEBHOOKSECRET_" + user,
	})
	e.expect(r, http.StatusCreated)
	githubID = r.json(e.t)["id"].(string)
	r = e.do("POST", "slack/", user, map[string]any{
		"workspace_name": "acme", "channel_id": "C0ALERTS", "bot_token": "xoxb-SECRETslacktoken-" + user,
	})
	e.expect(r, http.StatusCreated)
	slackID = r.json(e.t)["id"].(string)
	r = e.do("POST", "webhooks/", user, map[string]any{
		"name": "hook", "url": "https://93.184.215.14/in", "secret": "WHSECRETvalue_" + user,
		"headers": map[string]string{"X-Team": "blue"},
	})
	e.expect(r, http.StatusCreated)
	webhookID = r.json(e.t)["id"].(string)

	return githubID, slackID, webhookID
}

// idRoutes lists every route that takes a record id.
func idRoutes(githubID, slackID, webhookID string) [][2]string {
	return [][2]string{
		{"GET", "github/" + githubID + "/"}, {"PUT", "github/" + githubID + "/"},
		{"PATCH", "github/" + githubID + "/"}, {"POST", "github/" + githubID + "/verify/"},
		{"POST", "github/" + githubID + "/sync-prs/"}, {"POST", "github/" + githubID + "/sync_prs/"},
		{"GET", "github/" + githubID + "/pull-requests/"}, {"POST", "github/" + githubID + "/create-issue/"},
		{"GET", "slack/" + slackID + "/"}, {"PUT", "slack/" + slackID + "/"}, {"PATCH", "slack/" + slackID + "/"},
		{"POST", "slack/" + slackID + "/verify/"}, {"POST", "slack/" + slackID + "/test-message/"},
		{"POST", "slack/" + slackID + "/test_message/"},
		{"GET", "webhooks/" + webhookID + "/"}, {"PUT", "webhooks/" + webhookID + "/"},
		{"PATCH", "webhooks/" + webhookID + "/"}, {"POST", "webhooks/" + webhookID + "/test/"},
		{"GET", "webhooks/" + webhookID + "/deliveries/"}, {"POST", "webhooks/" + webhookID + "/rotate-secret/"},
		{"DELETE", "github/" + githubID + "/"}, {"DELETE", "slack/" + slackID + "/"},
		{"DELETE", "webhooks/" + webhookID + "/"},
	}
}

func TestOtherUserGetsNotFound(t *testing.T) {
	t.Parallel()
	e := setup(t)
	g, s, w := e.createAll("alice")
	bodies := map[string]any{
		"PUT": map[string]any{}, "PATCH": map[string]any{},
	}
	for _, rt := range idRoutes(g, s, w) {
		body := bodies[rt[0]]
		if strings.HasSuffix(rt[1], "/create-issue/") {
			body = map[string]any{"title": "t"}
		}
		r := e.do(rt[0], rt[1], "bob", body)
		if r.status != http.StatusNotFound || string(r.body) != "{\"error\":\"not found\"}\n" {
			t.Errorf("bob %s %s: %d %s, want 404 not found", rt[0], rt[1], r.status, r.body)
		}
	}
	for _, path := range []string{"github/", "slack/", "webhooks/", "webhook-deliveries/"} {
		r := e.do("GET", path, "bob", nil)
		e.expect(r, http.StatusOK)
		if n := len(r.list(t)); n != 0 {
			t.Errorf("bob's %s lists %d records, want 0", path, n)
		}
	}
	for _, path := range []string{"github/" + g + "/", "slack/" + s + "/", "webhooks/" + w + "/"} {
		e.expect(e.do("GET", path, "admin:root", nil), http.StatusOK)
	}
	r := e.do("GET", "webhooks/?user_id=alice", "admin:root", nil)
	e.expect(r, http.StatusOK)
	if n := len(r.list(t)); n != 1 {
		t.Errorf("admin's filtered list has %d records, want 1", n)
	}
	r = e.do("GET", "webhooks/?user_id=nobody", "admin:root", nil)
	if n := len(r.list(t)); n != 0 {
		t.Errorf("admin's list for nobody has %d records, want 0", n)
	}
	e.expect(e.do("PATCH", "webhooks/"+w+"/", "admin:root", map[string]any{"name": "by-admin"}), http.StatusOK)
	r = e.do("GET", "webhooks/"+w+"/", "alice", nil)
	if got := r.json(t); got["name"] != "by-admin" || got["user"] != "alice" {
		t.Errorf("after the admin's change: name %v user %v", got["name"], got["user"])
	}
}

// reachesRemote reports whether a route calls Slack, GitHub, SMTP or a
// webhook receiver for a record its caller owns.
func reachesRemote(path string) bool {
	for _, action := range []string{"/verify/", "/sync", "/test", "/create-issue/"} {
		if strings.Contains(path, action) {
			return true
		}
	}
	return false
}

func TestSecretsNeverReturned(t *testing.T) {
	t.Parallel()
	e := setup(t)
	g, s, w := e.createAll("alice")
	secrets := []string{"ghp_SECRETgithubtoken_alice", "GHWEBHOOKSECRET_alice", "xoxb-SECRETslacktoken-alice", "WHSECRETvalue_alice"}
	var seen []string
	check := func(r response, what string) {
		for _, sec := range secrets {
			if strings.Contains(string(r.body), sec) {
				t.Errorf("%s: response contains a secret", what)
			}
			for _, vals := range r.header {
				for _, v := range vals {
					if strings.Contains(v, sec) {
						t.Errorf("%s: header contains a secret", what)
					}
				}
			}
		}
		seen = append(seen, what)
	}
	for _, path := range []string{"github/", "slack/", "webhooks/", "email/", "webhook-deliveries/", "openapi.json"} {
		check(e.do("GET", path, "alice", nil), "GET "+path)
	}
	for _, rt := range idRoutes(g, s, w) {
		if rt[0] == "DELETE" {
			continue
		}
		check(e.do(rt[0], rt[1], "bob", nil), "bob "+rt[0]+" "+rt[1])
		if reachesRemote(rt[1]) {
			// Alice's record would call the real service; only local routes here.
			continue
		}
		check(e.do(rt[0], rt[1], "alice", map[string]any{}), rt[0]+" "+rt[1])
	}
	// Invalid updates echo nothing of the secrets either.
	check(e.do("PATCH", "github/"+g+"/", "alice", map[string]any{"access_token": "ghp_SECRETgithubtoken_alice with space"}), "bad token")
	check(e.do("PATCH", "webhooks/"+w+"/", "alice", map[string]any{"secret": "WHSECRETvalue_alice\n"}), "bad secret")
	logs := e.logs.String()
	for _, sec := range secrets {
		if strings.Contains(logs, sec) {
			t.Errorf("a log line contains a secret")
		}
	}
	if len(seen) < 25 {
		t.Errorf("checked %d responses, want at least 25", len(seen))
	}
}
