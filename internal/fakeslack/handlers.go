package fakeslack

import (
	"encoding/json"
	"mime"
	"net/http"
	"slices"
	"strings"
)

// maxRequestBytes caps a request body, as Slack does.
const maxRequestBytes = 1 << 20

// method handles one Web API method after the token was accepted. It
// returns the fields of an ok response, or the body of an ok:false response.
type method func(params map[string]string, scopes []string) (ok, failed map[string]any)

func (s *Server) routes() http.Handler {
	mux := http.NewServeMux()
	mux.Handle("/api/auth.test", s.handle("auth.test", s.authTest))
	mux.Handle("/api/conversations.info", s.handle("conversations.info", s.conversationsInfo))
	mux.Handle("/api/chat.postMessage", s.handle("chat.postMessage", s.postMessage))
	mux.HandleFunc("/api/", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, nil, map[string]any{"ok": false, "error": "unknown_method"})
	})

	return mux
}

// handle wraps a method with the steps every method shares: queued
// failures, body parsing, token check and the JSON response.
func (s *Server) handle(name string, m method) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if f, ok := s.begin(name); ok {
			s.fail(w, r, f)
			return
		}
		if r.Method != http.MethodPost && r.Method != http.MethodGet {
			w.WriteHeader(http.StatusMethodNotAllowed)
			return
		}
		params, code := readParams(r)
		if code != "" {
			writeJSON(w, http.StatusOK, nil, errorBody(code))
			return
		}

		token := bearerToken(r, params)
		if token == "" {
			writeJSON(w, http.StatusOK, nil, errorBody("not_authed"))
			return
		}
		scopes, ok := s.scopes(token)
		if !ok {
			writeJSON(w, http.StatusOK, nil, errorBody("invalid_auth"))
			return
		}

		body, failed := m(params, scopes)
		if failed != nil {
			writeJSON(w, http.StatusOK, scopes, failed)
			return
		}
		body["ok"] = true
		writeJSON(w, http.StatusOK, scopes, body)
	})
}

func (s *Server) fail(w http.ResponseWriter, r *http.Request, f Failure) {
	if f.Stall {
		s.stall(r.Context())
		// Drop the connection without a response. net/http treats this
		// panic value as a request to abort the response quietly.
		panic(http.ErrAbortHandler)
	}
	if f.RetryAfter != "" {
		w.Header().Set("Retry-After", f.RetryAfter)
	}
	if f.Status != 0 && f.Status != http.StatusOK {
		// Slack sends HTML or plain text with non-200 responses.
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.WriteHeader(f.Status)
		_, _ = w.Write([]byte(http.StatusText(f.Status)))
		return
	}
	writeJSON(w, http.StatusOK, nil, errorBody(f.Error))
}

func (s *Server) authTest(_ map[string]string, _ []string) (ok, failed map[string]any) {
	return map[string]any{
		"url":                   TeamURL,
		"team":                  TeamName,
		"user":                  BotName,
		"team_id":               TeamID,
		"user_id":               BotUserID,
		"bot_id":                BotID,
		"is_enterprise_install": false,
	}, nil
}

func (s *Server) conversationsInfo(params map[string]string, _ []string) (ok, failed map[string]any) {
	ch, found := s.channel(params["channel"])
	if !found || (ch.Private && !ch.Member) {
		return nil, errorBody("channel_not_found")
	}

	return map[string]any{"channel": channelBody(ch)}, nil
}

func (s *Server) postMessage(params map[string]string, scopes []string) (ok, failed map[string]any) {
	ch, found := s.channel(params["channel"])
	switch {
	case !found || (ch.Private && !ch.Member):
		return nil, errorBody("channel_not_found")
	case ch.Archived:
		return nil, errorBody("is_archived")
	case !ch.Member && !slices.Contains(scopes, "chat:write.public"):
		return nil, errorBody("not_in_channel")
	}

	text, blocksJSON := params["text"], params["blocks"]
	if strings.TrimSpace(text) == "" && blocksJSON == "" {
		return nil, errorBody("no_text")
	}
	if utf16Len(text) > maxText {
		return nil, errorBody("msg_too_long")
	}
	blocks, problem := checkBlocks(blocksJSON)
	if problem != "" {
		// Slack names the offending block in "errors" and repeats it in
		// response_metadata.messages.
		body := errorBody("invalid_blocks")
		body["errors"] = []string{problem}
		body["response_metadata"] = map[string]any{"messages": []string{"[ERROR] " + problem}}
		return nil, body
	}

	msg := s.record(ch.ID, text, blocks, params)

	return map[string]any{
		"channel": ch.ID,
		"ts":      msg.Timestamp,
		"message": map[string]any{
			"type":    "message",
			"subtype": "bot_message",
			"text":    text,
			"user":    BotUserID,
			"bot_id":  BotID,
			"ts":      msg.Timestamp,
			"blocks":  blocks,
		},
	}, nil
}

// channelBody renders a channel the way conversations.info does.
func channelBody(ch Channel) map[string]any {
	return map[string]any{
		"id":              ch.ID,
		"name":            ch.Name,
		"name_normalized": ch.Name,
		"is_channel":      !ch.Private,
		"is_group":        ch.Private,
		"is_im":           false,
		"is_mpim":         false,
		"is_private":      ch.Private,
		"is_archived":     ch.Archived,
		"is_general":      false,
		"is_member":       ch.Member,
		"is_shared":       false,
		"is_ext_shared":   false,
		"is_org_shared":   false,
		"created":         1700000000,
		"creator":         "U0FAKEOWNER",
		"context_team_id": TeamID,
		"topic":           map[string]any{"value": "", "creator": "", "last_set": 0},
		"purpose":         map[string]any{"value": "", "creator": "", "last_set": 0},
	}
}

// readParams reads the parameters from the query and a form-encoded or
// JSON body. It returns a Slack error code for a body it cannot read.
func readParams(r *http.Request) (map[string]string, string) {
	r.Body = http.MaxBytesReader(nil, r.Body, maxRequestBytes)
	params := map[string]string{}
	mediaType, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if mediaType == "application/json" {
		var raw map[string]json.RawMessage
		if err := json.NewDecoder(r.Body).Decode(&raw); err != nil {
			return nil, "invalid_json"
		}
		for k, v := range raw {
			var str string
			if json.Unmarshal(v, &str) == nil {
				params[k] = str
			} else {
				params[k] = string(v)
			}
		}
		for k, v := range r.URL.Query() {
			params[k] = v[0]
		}

		return params, ""
	}

	if err := r.ParseForm(); err != nil {
		return nil, "invalid_form_data"
	}
	for k, v := range r.Form {
		params[k] = v[0]
	}

	return params, ""
}

func errorBody(code string) map[string]any {
	return map[string]any{"ok": false, "error": code}
}

func writeJSON(w http.ResponseWriter, status int, scopes []string, body map[string]any) {
	if scopes != nil {
		w.Header().Set("X-OAuth-Scopes", strings.Join(scopes, ","))
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(body)
}
