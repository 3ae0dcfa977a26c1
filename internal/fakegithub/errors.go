package fakegithub

import (
	"encoding/json"
	"net/http"
	"strconv"
)

// Error bodies as GitHub documents them.
const (
	BadCredentialsBody = `{"message":"Bad credentials","documentation_url":"https://docs.github.com/rest","status":"401"}`
	NotFoundBody       = `{"message":"Not Found","documentation_url":"https://docs.github.com/rest","status":"404"}`
)

// fieldError is one entry of the "errors" list of a 422 body.
type fieldError struct {
	Value    any    `json:"value,omitempty"`
	Resource string `json:"resource"`
	Field    string `json:"field"`
	Code     string `json:"code"`
}

func errorBody(message, docs string, status int) string {
	b, _ := json.Marshal(map[string]string{
		"message":           message,
		"documentation_url": docs,
		"status":            strconv.Itoa(status),
	})

	return string(b)
}

func writeError(w http.ResponseWriter, status int, message, docs string) {
	writeRaw(w, status, nil, errorBody(message, docs, status))
}

func writeValidation(w http.ResponseWriter, docs string, errs ...fieldError) {
	b, _ := json.Marshal(map[string]any{
		"message":           "Validation Failed",
		"errors":            errs,
		"documentation_url": docs,
		"status":            "422",
	})
	writeRaw(w, http.StatusUnprocessableEntity, nil, string(b))
}

func writeRaw(w http.ResponseWriter, status int, h http.Header, body string) {
	for k, vs := range h {
		for _, v := range vs {
			w.Header().Add(k, v)
		}
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write([]byte(body))
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		writeError(w, http.StatusInternalServerError, "fake could not encode response", docsREST)
		return
	}
	writeRaw(w, status, nil, string(b))
}
