package httpapi

import (
	"encoding/json"
	"net/http"
	"reflect"
	"strconv"
	"strings"
)

// schemas maps the schema names used by the route table to the Go types
// whose JSON tags define them.
var schemas = map[string]any{
	"GitHubIntegration":      githubView{},
	"GitHubIntegrationInput": githubBody{},
	"SlackIntegration":       slackView{},
	"SlackIntegrationInput":  slackBody{},
	"EmailSettings":          emailView{},
	"EmailSettingsInput":     emailBody{},
	"WebhookEndpoint":        webhookView{},
	"WebhookEndpointInput":   webhookBody{},
	"Delivery":               deliveryView{},
	"Attempt":                attemptView{},
	"PullRequest":            pullRequestView{},
	"Error":                  errorBody{},
	"ActionStatus":           statusBody{},
	"SentStatus":             statusBody{},
	"SyncResult":             syncBody{},
	"TestMessageInput":       testMessageBody{},
	"WebhookTestInput":       webhookTestBody{},
	"WebhookTestResult":      webhookTestView{},
	"IssueInput":             issueBody{},
	"Issue":                  issueView{},
}

// requiredOnCreate lists, by input schema, the fields that a POST creating
// a record must carry. A full update (PUT) keeps the stored names, URL and
// secrets it omits, so it requires none, and neither does a PATCH.
var requiredOnCreate = map[string][]string{
	"GitHubIntegrationInput": {"repository_owner", "repository_name", "access_token"},
	"SlackIntegrationInput":  {"workspace_name", "channel_id", "bot_token"},
	"WebhookEndpointInput":   {"name", "url"},
	"IssueInput":             {"title"},
}

// statusDescriptions name what each status means on this API.
var statusDescriptions = map[int]string{
	200: "OK", 201: "Created", 202: "Accepted: queued", 204: "No Content",
	400: "Invalid request, or the remote service rejected our credentials or configuration",
	401: "Authentication required", 403: "A browser's request from another origin; see Options.CrossOrigin",
	404: "Not found, not yours, or a malformed id",
	405: "Method not allowed", 409: "Conflict", 413: "Request body too large",
	429: "The remote service rate-limited us; see Retry-After",
	500: "Internal error", 502: "The remote service failed or was unreachable",
	503: "Storage busy; see Retry-After", 504: "The remote service timed out",
}

// openAPI builds the OpenAPI 3.1 document of the registered routes.
func (h *handler) openAPI() map[string]any {
	paths := map[string]map[string]any{}
	for _, rt := range h.routes {
		path := h.opts.Prefix + rt.path
		if paths[path] == nil {
			paths[path] = map[string]any{}
		}
		paths[path][strings.ToLower(rt.method)] = h.operation(rt)
	}
	components := map[string]any{}
	for name, v := range schemas {
		components[name] = schemaOf(reflect.TypeOf(v), !strings.HasSuffix(name, "Input"))
	}

	return map[string]any{
		"openapi": "3.1.0",
		"info": map[string]any{
			"title":   "integrations-external REST API",
			"version": "1.0.0",
			"description": "Slack, email, webhook and GitHub integrations of the authenticated user. " +
				"Secrets are write-only; responses carry has_* booleans instead.",
		},
		"paths":      paths,
		"components": map[string]any{"schemas": components},
	}
}

func (h *handler) operation(rt route) map[string]any {
	op := map[string]any{"summary": rt.summary, "tags": []string{rt.tag}}
	var params []any
	if strings.Contains(rt.path, "{id}") {
		params = append(params, map[string]any{
			"name": "id", "in": "path", "required": true,
			"schema": map[string]any{"type": "string", "format": "uuid"},
		})
	}
	if rt.list {
		for _, q := range []string{"limit", "offset", "user_id", "status", "event_type", "endpoint", "channel"} {
			if q == "endpoint" || q == "channel" {
				if !strings.HasPrefix(rt.path, "webhook-deliveries/") {
					continue
				}
			}
			if (q == "status" || q == "event_type") && rt.response != "Delivery" {
				continue
			}
			schema := map[string]any{"type": "string"}
			param := map[string]any{"name": q, "in": "query"}
			switch q {
			case "limit":
				schema = map[string]any{"type": "integer", "minimum": 1, "default": defaultLimit}
				param["description"] = "Values above " + strconv.Itoa(maxLimit) + " are lowered to " + strconv.Itoa(maxLimit) + "."
			case "offset":
				schema = map[string]any{"type": "integer", "minimum": 0, "default": 0}
			}
			param["schema"] = schema
			params = append(params, param)
		}
		if rt.response == "PullRequest" {
			params = append(params, map[string]any{"name": "state", "in": "query",
				"schema": map[string]any{"type": "string", "enum": []string{"open", "closed", "all"}, "default": "all"}})
		}
	}
	if params != nil {
		op["parameters"] = params
	}
	if rt.request != "" {
		schema := ref(rt.request)
		if fields := requiredOnCreate[rt.request]; fields != nil && rt.method == http.MethodPost {
			schema = map[string]any{"allOf": []any{schema, map[string]any{"required": fields}}}
		}
		op["requestBody"] = map[string]any{
			"required": !rt.optionalBody(),
			"content":  map[string]any{"application/json": map[string]any{"schema": schema}},
		}
	}
	responses := map[string]any{}
	for _, code := range rt.allStatuses() {
		resp := map[string]any{"description": statusDescriptions[code]}
		switch {
		case code == 204:
		case code >= 400:
			resp["content"] = jsonContent(ref("Error"))
		case rt.response != "" && rt.list:
			resp["content"] = jsonContent(map[string]any{"type": "array", "items": ref(rt.response)})
			resp["headers"] = map[string]any{"Link": map[string]any{
				"description": `<next page URL>; rel="next" when more records exist`,
				"schema":      map[string]any{"type": "string"},
			}}
		case rt.response != "":
			resp["content"] = jsonContent(ref(rt.response))
		}
		responses[strconv.Itoa(code)] = resp
	}
	op["responses"] = responses

	return op
}

// allStatuses returns the route's own statuses plus the ones every
// authenticated route can return.
func (rt route) allStatuses() []int {
	out := append([]int(nil), rt.statuses...)
	if rt.path != "openapi.json" {
		out = append(out, commonStatuses...)
		out = append(out, http.StatusServiceUnavailable)
		if rt.request != "" {
			out = append(out, http.StatusRequestEntityTooLarge)
		}
		if rt.method != http.MethodGet {
			out = append(out, http.StatusForbidden) // a browser's cross-origin write
		}
	}
	seen := map[int]bool{}
	uniq := out[:0]
	for _, c := range out {
		if !seen[c] {
			seen[c] = true
			uniq = append(uniq, c)
		}
	}

	return uniq
}

// optionalBody reports whether the route accepts an empty body.
func (rt route) optionalBody() bool {
	return rt.request == "TestMessageInput" || rt.request == "WebhookTestInput"
}

func ref(name string) map[string]any { return map[string]any{"$ref": "#/components/schemas/" + name} }

func jsonContent(schema any) map[string]any {
	return map[string]any{"application/json": map[string]any{"schema": schema}}
}

// schemaOf derives a JSON Schema from a struct's JSON tags. In response
// schemas every field without omitempty is required.
func schemaOf(t reflect.Type, response bool) map[string]any {
	props := map[string]any{}
	var required []string
	for i := range t.NumField() {
		f := t.Field(i)
		name, opts, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "" || name == "-" {
			continue
		}
		props[name] = typeSchema(f.Type)
		if response && !strings.Contains(opts, "omitempty") {
			required = append(required, name)
		}
	}
	s := map[string]any{"type": "object", "properties": props}
	if required != nil {
		s["required"] = required
	}
	if !response {
		// Read-only fields of the record are accepted and ignored. JSON Schema
		// cannot express that without listing them, so the rule is text.
		s["additionalProperties"] = true
		s["description"] = "Read-only fields of the record (id, created_at, has_secret, ...) are accepted " +
			"and ignored. Any other field not listed here is rejected with 400. " +
			"The validation error names each missing required field."
	}

	return s
}

func typeSchema(t reflect.Type) map[string]any {
	nullable := false
	for t.Kind() == reflect.Pointer {
		t, nullable = t.Elem(), true
	}
	var s map[string]any
	switch {
	case t == reflect.TypeOf(json.RawMessage(nil)):
		return map[string]any{} // any JSON value
	case t.Kind() == reflect.Bool:
		s = map[string]any{"type": "boolean"}
	case t.Kind() == reflect.String:
		s = map[string]any{"type": "string"}
	case t.Kind() == reflect.Int || t.Kind() == reflect.Int64:
		s = map[string]any{"type": "integer"}
	case t.Kind() == reflect.Slice && t.Elem().Kind() == reflect.Struct:
		s = map[string]any{"type": "array", "items": ref(structSchemaName(t.Elem()))}
	case t.Kind() == reflect.Slice:
		s = map[string]any{"type": "array", "items": typeSchema(t.Elem())}
	case t.Kind() == reflect.Map:
		s = map[string]any{"type": "object", "additionalProperties": typeSchema(t.Elem())}
	default:
		s = map[string]any{"type": "object"}
	}
	if nullable {
		s["type"] = []any{s["type"], "null"}
	}

	return s
}

func structSchemaName(t reflect.Type) string {
	for name, v := range schemas {
		if reflect.TypeOf(v) == t {
			return name
		}
	}

	return "object"
}

func (h *handler) serveOpenAPI(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, h.openAPI())
}
