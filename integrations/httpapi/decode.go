package httpapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/http"
	"reflect"
	"slices"
	"strings"
	"unicode/utf8"
)

// errResponded reports that decode already wrote the response.
var errResponded = errors.New("httpapi: response already written")

// bodyFields lists the names a request body may carry: the writable fields
// of its body struct, and the read-only fields of the record's view, which
// are accepted and ignored so a client can send back what it read.
type bodyFields struct {
	writable map[string]bool
	readOnly map[string]bool
}

// fieldsOf builds the field sets from the JSON tags of body and view.
func fieldsOf(body, view any) bodyFields {
	f := bodyFields{writable: jsonNames(body), readOnly: jsonNames(view)}
	for name := range f.writable {
		delete(f.readOnly, name)
	}

	return f
}

func jsonNames(v any) map[string]bool {
	names := map[string]bool{}
	if v == nil {
		return names
	}
	t := reflect.TypeOf(v)
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	for i := range t.NumField() {
		name, _, _ := strings.Cut(t.Field(i).Tag.Get("json"), ",")
		if name != "" && name != "-" {
			names[name] = true
		}
	}

	return names
}

// decode reads a JSON object from the request into dst, rejecting names
// that are neither writable nor read-only fields. An empty body is an
// empty object when optional is true. On failure it writes the error
// response and returns errResponded.
func decode(w http.ResponseWriter, r *http.Request, dst any, fields bodyFields, optional bool) error {
	raw, err := io.ReadAll(r.Body)
	if err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			writeError(w, http.StatusRequestEntityTooLarge, "request body too large")
		} else {
			writeError(w, http.StatusBadRequest, "could not read the request body")
		}
		return errResponded
	}
	if !utf8.Valid(raw) {
		// json.Unmarshal would store U+FFFD in place of the bad bytes,
		// which corrupts names and, worse, tokens and secrets.
		writeFields(w, map[string]string{"body": "must be UTF-8 text: the request has bytes that are not UTF-8"})
		return errResponded
	}
	if loneSurrogate(raw) {
		writeFields(w, map[string]string{"body": `must not escape half of a UTF-16 surrogate pair (such as \ud800 alone): ` +
			"escape the whole character, or send it as UTF-8"})
		return errResponded
	}
	if len(bytes.TrimSpace(raw)) == 0 {
		if optional {
			return nil
		}
		writeFields(w, map[string]string{"body": "must be a JSON object"})
		return errResponded
	}
	if problems := decodeInto(raw, dst, fields); len(problems) > 0 {
		writeFields(w, problems)
		return errResponded
	}

	return nil
}

// decodeInto checks the names in raw and decodes it into dst. It returns
// the problems by field name.
func decodeInto(raw []byte, dst any, fields bodyFields) map[string]string {
	var names map[string]json.RawMessage
	if bytes.Equal(bytes.TrimSpace(raw), []byte("null")) {
		// Unmarshal accepts null as an empty map.
		return map[string]string{"body": "must be a JSON object, not null"}
	}
	if err := json.Unmarshal(raw, &names); err != nil {
		var syntaxErr *json.SyntaxError
		if errors.As(err, &syntaxErr) {
			return map[string]string{"body": fmt.Sprintf("must be a JSON object: %v at byte %d",
				syntaxErr, syntaxErr.Offset)}
		}
		return map[string]string{"body": "must be a JSON object"}
	}
	problems := map[string]string{}
	for name := range names {
		switch {
		case name == "":
			problems["body"] = "must not contain an empty field name"
		case !fields.writable[name] && !fields.readOnly[name]:
			problems[name] = "unknown field; the writable fields are " +
				strings.Join(slices.Sorted(maps.Keys(fields.writable)), ", ")
		}
	}
	if len(problems) > 0 {
		return problems
	}
	if err := json.Unmarshal(raw, dst); err != nil {
		var typeErr *json.UnmarshalTypeError
		if errors.As(err, &typeErr) && typeErr.Field != "" {
			return map[string]string{typeErr.Field: "must be " + jsonKind(typeErr.Type)}
		}
		return map[string]string{"body": "must be a JSON object"}
	}

	return nil
}

// jsonKind names a Go type the way a JSON client sees it.
func jsonKind(t reflect.Type) string {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.Bool:
		return "a boolean"
	case reflect.String:
		return "a string"
	case reflect.Int, reflect.Int64, reflect.Int32:
		return "a whole number in range"
	case reflect.Float64:
		return "a number"
	case reflect.Slice:
		return "an array"
	case reflect.Map, reflect.Struct:
		return "an object"
	default:
		return "a different type"
	}
}

// loneSurrogate reports whether raw holds a \u escape of a UTF-16
// surrogate that is not part of a pair, which json.Unmarshal would turn
// into U+FFFD.
func loneSurrogate(raw []byte) bool {
	for i := 0; i < len(raw); i++ {
		if raw[i] != '\\' || i+1 >= len(raw) {
			continue
		}
		if raw[i+1] != 'u' {
			i++ // an escape of one character, such as \\ or \"
			continue
		}
		r, ok := hex4(raw, i+2)
		if !ok {
			continue
		}
		switch {
		case r >= 0xDC00 && r <= 0xDFFF:
			return true // a low surrogate with no high one before it
		case r >= 0xD800 && r <= 0xDBFF:
			if i+11 >= len(raw) || raw[i+6] != '\\' || raw[i+7] != 'u' {
				return true
			}
			low, ok := hex4(raw, i+8)
			if !ok || low < 0xDC00 || low > 0xDFFF {
				return true
			}
			i += 11 // the pair
		default:
			i += 5
		}
	}

	return false
}

// hex4 reads four hex digits of raw at i.
func hex4(raw []byte, i int) (rune, bool) {
	if i+4 > len(raw) {
		return 0, false
	}
	var r rune
	for _, c := range raw[i : i+4] {
		var v byte
		switch {
		case c >= '0' && c <= '9':
			v = c - '0'
		case c >= 'a' && c <= 'f':
			v = c - 'a' + 10
		case c >= 'A' && c <= 'F':
			v = c - 'A' + 10
		default:
			return 0, false
		}
		r = r<<4 | rune(v)
	}

	return r, true
}
