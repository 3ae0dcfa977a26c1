package httpapi_test

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"testing"
)

type openAPIDoc struct {
	OpenAPI string                                 `json:"openapi"`
	Paths   map[string]map[string]openAPIOp        `json:"paths"`
	Comps   struct{ Schemas map[string]schemaDoc } `json:"components"`
}

type openAPIOp struct {
	RequestBody struct {
		Content map[string]struct {
			Schema struct {
				AllOf []struct {
					Required []string `json:"required"`
				} `json:"allOf"`
			} `json:"schema"`
		} `json:"content"`
	} `json:"requestBody"`
	Responses map[string]struct {
		Content map[string]struct {
			Schema map[string]any `json:"schema"`
		} `json:"content"`
	} `json:"responses"`
}

type schemaDoc struct {
	Required []string `json:"required"`
}

func loadOpenAPI(t *testing.T, e *env) openAPIDoc {
	t.Helper()
	r := e.do("GET", "openapi.json", "", nil)
	e.expect(r, http.StatusOK)
	var doc openAPIDoc
	if err := json.Unmarshal(r.body, &doc); err != nil {
		t.Fatal(err)
	}
	if doc.OpenAPI != "3.1.0" {
		t.Errorf("openapi = %q, want 3.1.0", doc.OpenAPI)
	}
	return doc
}

// documented reports whether doc lists status as a response of method on
// path.
func documented(doc openAPIDoc, method, path string, status int) bool {
	op, ok := doc.Paths[prefix+path][strings.ToLower(method)]
	if !ok {
		return false
	}
	_, ok = op.Responses[strconv.Itoa(status)]
	return ok
}

func TestOpenAPIDocumentsEveryRoute(t *testing.T) {
	t.Parallel()
	e := setup(t)
	doc := loadOpenAPI(t, e)
	g, s, w := e.createAll("alice")
	want := [][2]string{
		{"GET", "github/"}, {"POST", "github/"}, {"GET", "slack/"}, {"POST", "slack/"},
		{"GET", "email/"}, {"PUT", "email/"}, {"PATCH", "email/"}, {"POST", "email/test-email/"},
		{"GET", "webhooks/"}, {"POST", "webhooks/"}, {"GET", "webhook-deliveries/"},
		{"GET", "webhook-deliveries/{id}/"}, {"POST", "webhook-deliveries/{id}/retry/"},
		{"GET", "openapi.json"},
	}
	for _, rt := range idRoutes(g, s, w) {
		p := strings.NewReplacer(g, "{id}", s, "{id}", w, "{id}", "sync_prs", "sync-prs", "test_message", "test-message").Replace(rt[1])
		want = append(want, [2]string{rt[0], p})
	}
	for _, rt := range want {
		if _, ok := doc.Paths[prefix+rt[1]][strings.ToLower(rt[0])]; !ok {
			t.Errorf("%s %s is not documented", rt[0], rt[1])
		}
	}

	// Statuses observed on real requests are documented.
	observed := []struct {
		method, path, docPath, user string
		body                        any
	}{
		{"GET", "github/", "github/", "alice", nil},
		{"GET", "github/?limit=x", "github/", "alice", nil},
		{"POST", "github/", "github/", "alice", map[string]any{"repository_owner": "octo", "repository_name": "repo-alice", "access_token": "t"}},
		{"GET", "github/" + g + "/", "github/{id}/", "bob", nil},
		{"GET", "github/" + g + "/", "github/{id}/", "", nil},
		{"PATCH", "slack/" + s + "/", "slack/{id}/", "alice", map[string]any{"channel_id": "bad"}},
		{"POST", "webhooks/" + w + "/rotate-secret/", "webhooks/{id}/rotate-secret/", "alice", nil},
		{"DELETE", "webhooks/" + w + "/", "webhooks/{id}/", "alice", nil},
		{"GET", "email/", "email/", "alice", nil},
	}
	for _, o := range observed {
		r := e.do(o.method, o.path, o.user, o.body)
		if !documented(doc, o.method, o.docPath, r.status) {
			t.Errorf("%s %s answered %d, which is not documented", o.method, o.docPath, r.status)
		}
	}
}

func TestResponsesCarryRequiredFields(t *testing.T) {
	t.Parallel()
	e := setup(t)
	doc := loadOpenAPI(t, e)
	g, s, w := e.createAll("alice")
	cases := map[string]string{
		"github/" + g + "/":   "GitHubIntegration",
		"slack/" + s + "/":    "SlackIntegration",
		"webhooks/" + w + "/": "WebhookEndpoint",
		"email/":              "EmailSettings",
	}
	for path, schema := range cases {
		got := e.do("GET", path, "alice", nil).json(t)
		required := doc.Comps.Schemas[schema].Required
		if len(required) == 0 {
			t.Errorf("schema %s lists no required fields", schema)
		}
		for _, field := range required {
			if _, ok := got[field]; !ok {
				t.Errorf("GET %s lacks required field %s", path, field)
			}
		}
	}
}

// Each field that the document marks as required on create is rejected
// when it is missing, with a message that names it.
func TestOpenAPIRequiredOnCreate(t *testing.T) {
	t.Parallel()
	e := setup(t)
	doc := loadOpenAPI(t, e)
	githubID, _, _ := e.createAll("alice")
	valid := map[string]map[string]any{
		"github/":                               {"repository_owner": "octo", "repository_name": "other", "access_token": "ghp_SECRETothertoken"},
		"slack/":                                {"workspace_name": "acme", "channel_id": "C0OTHER", "bot_token": "xoxb-SECRETother"},
		"webhooks/":                             {"name": "other", "url": "https://93.184.215.14/other"},
		"github/" + githubID + "/create-issue/": {"title": "Build failed"},
	}
	documentedPath := map[string]string{"github/" + githubID + "/create-issue/": "github/{id}/create-issue/"}
	for path, body := range valid {
		docPath := path
		if p, ok := documentedPath[path]; ok {
			docPath = p
		}
		op := doc.Paths[prefix+docPath]["post"]
		schema := op.RequestBody.Content["application/json"].Schema
		if len(schema.AllOf) != 2 || len(schema.AllOf[1].Required) == 0 {
			t.Errorf("POST %s: no required fields in the request schema", docPath)
			continue
		}
		for _, field := range schema.AllOf[1].Required {
			if _, ok := body[field]; !ok {
				t.Errorf("POST %s: required field %s is not in the test body", docPath, field)
				continue
			}
			without := map[string]any{}
			for k, v := range body {
				if k != field {
					without[k] = v
				}
			}
			r := e.do("POST", path, "alice", without)
			if r.status != http.StatusBadRequest || !strings.Contains(string(r.body), field) {
				t.Errorf("POST %s without %s: status %d, body %s; want 400 naming the field", docPath, field, r.status, r.body)
			}
		}
	}
}
