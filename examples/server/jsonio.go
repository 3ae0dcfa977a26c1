package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
)

// maxHostBodyBytes limits the body of the host routes.
const maxHostBodyBytes = 64 << 10

// errorBody is the JSON shape of every error the host routes return, the
// same as in the integrations API.
type errorBody struct {
	Error  string            `json:"error"`
	Fields map[string]string `json:"fields,omitempty"`
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func writeJSONError(w http.ResponseWriter, status int, msg string) {
	writeJSON(w, status, errorBody{Error: msg})
}

func writeInvalid(w http.ResponseWriter, fields map[string]string) {
	writeJSON(w, http.StatusBadRequest, errorBody{Error: "invalid request", Fields: fields})
}

// decodeBody reads one JSON object into dst, rejecting unknown fields and
// trailing data. On failure it writes the 400 or 413 response and returns
// false.
func decodeBody(w http.ResponseWriter, r *http.Request, dst any) bool {
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxHostBodyBytes))
	dec.DisallowUnknownFields()
	err := dec.Decode(dst)
	if err == nil && dec.Decode(&struct{}{}) != io.EOF {
		err = errors.New("trailing data after the JSON object")
	}
	if err == nil {
		return true
	}

	var tooLarge *http.MaxBytesError
	var typeErr *json.UnmarshalTypeError
	switch {
	case errors.As(err, &tooLarge):
		writeJSONError(w, http.StatusRequestEntityTooLarge, "request body too large")
	case errors.Is(err, io.EOF):
		writeJSONError(w, http.StatusBadRequest, "request body is empty: send a JSON object")
	case errors.As(err, &typeErr) && typeErr.Field != "":
		writeInvalid(w, map[string]string{typeErr.Field: "must be a JSON " + jsonKind(typeErr.Type.Kind().String())})
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		name := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
		writeInvalid(w, map[string]string{name: "unknown field"})
	default:
		writeJSONError(w, http.StatusBadRequest, fmt.Sprintf("request body is not a valid JSON object: %v", err))
	}

	return false
}

// jsonKind names a Go kind as the JSON type a client sends.
func jsonKind(kind string) string {
	switch kind {
	case "bool":
		return "boolean"
	case "float64", "float32", "int", "int64":
		return "number"
	case "struct", "map":
		return "object"
	}

	return kind
}
