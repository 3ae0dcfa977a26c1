package webhook_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/hishamos/integrations-external/webhook"
)

// echoServer responds 500 with prefix followed by the request's
// Authorization header and the signing secret, as a debugging receiver that
// echoes what it got would.
func echoServer(t *testing.T, prefix, secret string) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		w.WriteHeader(http.StatusInternalServerError)
		_, _ = io.WriteString(w, prefix+"auth="+r.Header.Get("Authorization")+" secret="+secret+" end")
	}))
	t.Cleanup(srv.Close)

	return srv
}

func TestSendRedactsEchoedValues(t *testing.T) {
	t.Parallel()
	const token, secret = "Bearer tok-0123456789", "whsec-echoed-secret"
	for _, prefix := range []string{"", strings.Repeat("x", webhook.ExcerptRunes-19)} {
		srv := echoServer(t, prefix, secret)
		res := newSender(t).Send(context.Background(), webhook.Request{
			URL:     srv.URL + "/hook",
			Body:    payload,
			Headers: map[string]string{"Authorization": token},
			Secrets: []webhook.Secret{secret},
			Redact:  []string{token},
		})
		if res.StatusCode != http.StatusInternalServerError {
			t.Fatalf("status = %d, want 500", res.StatusCode)
		}
		for _, text := range []string{res.Excerpt, res.Err.Error()} {
			// A value cut at the excerpt's end must not leave its start.
			for _, leak := range []string{"tok-0", "whsec-"} {
				if strings.Contains(text, leak) {
					t.Errorf("prefix of %d bytes: %q contains %q", len(prefix), text, leak)
				}
			}
		}
		if prefix == "" && res.Excerpt != "auth=[redacted] secret=[redacted] end" {
			t.Errorf("Excerpt = %q, want the values replaced and the rest kept", res.Excerpt)
		}
	}
}
