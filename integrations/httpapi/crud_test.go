package httpapi_test

import (
	"net/http"
	"testing"
)

func TestGitHubCRUD(t *testing.T) {
	t.Parallel()
	e := setup(t)
	r := e.do("POST", "github/", "alice", map[string]any{
		"repository_owner": "octo", "repository_name": "hello", "access_token": "ghp_distinctive1",
		"user": "mallory", "id": "ignored",
	})
	e.expect(r, http.StatusCreated)
	rec := r.json(t)
	id := rec["id"].(string)
	if got, want := r.header.Get("Location"), prefix+"github/"+id+"/"; got != want {
		t.Errorf("Location = %q, want %q", got, want)
	}
	get := e.do("GET", r.header.Get("Location"), "alice", nil)
	e.expect(get, http.StatusOK)
	if rec["user"] != "alice" {
		t.Errorf("user = %v, want alice", rec["user"])
	}
	if rec["has_access_token"] != true {
		t.Errorf("has_access_token = %v, want true", rec["has_access_token"])
	}
	if rec["is_active"] != true || rec["auto_sync_prs"] != false {
		t.Errorf("defaults: is_active %v auto_sync_prs %v", rec["is_active"], rec["auto_sync_prs"])
	}

	e.expect(e.do("GET", "github/"+id+"/", "alice", nil), http.StatusOK)
	e.expect(e.do("GET", "github/"+id+"/", "bob", nil), http.StatusNotFound)
	e.expect(e.do("GET", "github/"+id+"/", "admin:root", nil), http.StatusOK)

	dup := e.do("POST", "github/", "alice", map[string]any{
		"repository_owner": "octo", "repository_name": "hello", "access_token": "x",
	})
	e.expect(dup, http.StatusConflict)

	put := e.do("PUT", "github/"+id+"/", "alice", map[string]any{
		"repository_owner": "octo", "repository_name": "hello2", "auto_sync_prs": true,
	})
	e.expect(put, http.StatusOK)
	got := put.json(t)
	if got["is_active"] != false || got["auto_sync_prs"] != true || got["has_access_token"] != true {
		t.Errorf("after PUT: %v", got)
	}
	patch := e.do("PATCH", "github/"+id+"/", "alice", map[string]any{"is_active": true})
	e.expect(patch, http.StatusOK)
	if got := patch.json(t); got["is_active"] != true || got["auto_sync_prs"] != true {
		t.Errorf("after PATCH: %v", got)
	}

	list := e.do("GET", "github/", "alice", nil)
	e.expect(list, http.StatusOK)
	if n := len(list.list(t)); n != 1 {
		t.Errorf("list has %d records, want 1", n)
	}
	e.expect(e.do("DELETE", "github/"+id+"/", "bob", nil), http.StatusNotFound)
	e.expect(e.do("DELETE", "github/"+id+"/", "alice", nil), http.StatusNoContent)
	e.expect(e.do("GET", "github/"+id+"/", "alice", nil), http.StatusNotFound)
}

func TestErrorShapes(t *testing.T) {
	t.Parallel()
	e := setup(t)
	cases := []struct {
		name, method, path, user string
		body                     any
		status                   int
		want                     string
	}{
		{"no auth", "GET", "github/", "", nil, 401, `{"error":"authentication required"}`},
		{"no route", "GET", "nothing/", "alice", nil, 404, `{"error":"not found"}`},
		{"bad id", "GET", "github/not-a-uuid/", "alice", nil, 404, `{"error":"not found"}`},
		{"wrong method", "DELETE", "github/", "alice", nil, 405, `{"error":"method not allowed"}`},
		{"unknown field", "POST", "slack/", "alice", `{"nope": 1}`, 400, `{"error":"invalid request","fields":{"nope":"unknown field; the writable fields are bot_token, channel_id, channel_name, is_active, notify_command_execution, notify_project_updates, notify_system_alerts, notify_workflow_completion, workspace_name"}}`},
		{"bad url", "POST", "webhooks/", "alice", map[string]any{"name": "n", "url": "ftp://example.com"}, 400,
			`{"error":"invalid request","fields":{"url":"must use http or https"}}`},
		{"hex address", "POST", "webhooks/", "alice", map[string]any{"name": "n", "url": "http://0x7f.1/"}, 400,
			`{"error":"invalid request","fields":{"url":"must write an IPv4 address as four decimal numbers, such as 192.0.2.1"}}`},
		{"limit above int range", "GET", "webhooks/?limit=99999999999999999999", "alice", nil, 200, `[]`},
		{"limit zero", "GET", "webhooks/?limit=0", "alice", nil, 400,
			`{"error":"invalid request","fields":{"limit":"must be a whole number of at least 1 (values above 200 are lowered to 200)"}}`},
	}
	for _, c := range cases {
		r := e.do(c.method, c.path, c.user, c.body)
		if r.status != c.status {
			t.Errorf("%s: status = %d, want %d", c.name, r.status, c.status)
		}
		if got := string(r.body); got != c.want+"\n" {
			t.Errorf("%s: body = %s, want %s", c.name, got, c.want)
		}
	}
}
