package httpapi

import (
	"net/http"
	"slices"
	"strings"
)

// route is one registered operation; the table also feeds openapi.json.
type route struct {
	method   string
	path     string // relative to the prefix, with {id} wildcards
	summary  string
	tag      string
	statuses []int  // every status the route can return besides 401, 404 and 500
	request  string // request body schema name, "" for none
	response string // response schema name, "" for none
	list     bool   // response is an array of response
	handle   http.HandlerFunc
}

// Statuses every authenticated route can return.
var commonStatuses = []int{http.StatusUnauthorized, http.StatusNotFound, http.StatusInternalServerError}

func (h *handler) register() {
	h.routes = slices.Concat(h.githubRoutes(), h.slackRoutes(), h.emailRoutes(),
		h.webhookRoutes(), h.deliveryRoutes(), h.actionRoutes())
	h.routes = append(h.routes, route{
		method: http.MethodGet, path: "openapi.json", summary: "OpenAPI 3.1 document of this API",
		tag: "meta", statuses: []int{http.StatusOK}, handle: h.serveOpenAPI,
	})

	allowed := map[string][]string{}
	var paths []string
	for _, rt := range h.routes {
		for _, p := range rt.patterns() {
			h.mux.HandleFunc(rt.method+" "+h.opts.Prefix+p, rt.handle)
			if _, seen := allowed[p]; !seen {
				paths = append(paths, p)
			}
			allowed[p] = append(allowed[p], rt.method)
		}
	}
	for _, p := range paths {
		allow := allowHeader(allowed[p])
		h.mux.HandleFunc(h.opts.Prefix+p, func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Allow", allow)
			writeError(w, http.StatusMethodNotAllowed, "method not allowed")
		})
	}
	h.mux.HandleFunc("/", func(w http.ResponseWriter, _ *http.Request) {
		writeError(w, http.StatusNotFound, "not found")
	})
}

// patterns returns the mux paths of rt: the documented one, plus the
// underscore spelling of a hyphenated action.
func (rt route) patterns() []string {
	p := rt.path
	if p != "openapi.json" {
		p = strings.TrimSuffix(p, "/") + "/{$}"
	}
	out := []string{p}
	for hyphen, underscore := range underscoreActions {
		if strings.Contains(p, "/"+hyphen+"/") {
			out = append(out, strings.Replace(p, "/"+hyphen+"/", "/"+underscore+"/", 1))
		}
	}

	return out
}

// underscoreActions are the action paths that are also served in the spelling
// of the original application.
var underscoreActions = map[string]string{
	"sync-prs":     "sync_prs",
	"test-message": "test_message",
	"test-email":   "test_email",
}

func allowHeader(methods []string) string {
	m := slices.Clone(methods)
	if slices.Contains(m, http.MethodGet) {
		m = append(m, http.MethodHead)
	}
	slices.Sort(m)

	return strings.Join(slices.Compact(m), ", ")
}
