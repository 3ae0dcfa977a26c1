package webhook_test

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"sort"
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

// headerEchoServer responds 500 with every request header, one "Name:
// value" line each in name order, as a debugging receiver would.
func headerEchoServer(t *testing.T) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		names := make([]string, 0, len(r.Header))
		for name := range r.Header {
			names = append(names, name)
		}
		sort.Strings(names)
		w.WriteHeader(http.StatusInternalServerError)
		for _, name := range names {
			_, _ = fmt.Fprintf(w, "%s: %s\n", name, r.Header.Get(name))
		}
	}))
	t.Cleanup(srv.Close)

	return srv
}

// TestRedactLongValuesPastHead sends six credential headers of 900
// bytes each to a receiver that echoes them. Replacing them shortens the
// text by almost 5,400 bytes, so the excerpt reaches far past the first
// 4,000 bytes read. No part of any value may remain.
func TestRedactLongValuesPastHead(t *testing.T) {
	t.Parallel()
	srv := headerEchoServer(t)
	headers := map[string]string{}
	var values []string
	for i := range 6 {
		value := fmt.Sprintf("cred%d-", i) + strings.Repeat(string(rune('a'+i)), 894)
		headers[fmt.Sprintf("X-Key-%d", i)] = value
		values = append(values, value)
	}

	res := newSender(t).Send(context.Background(), webhook.Request{
		URL:     srv.URL + "/hook",
		Body:    payload,
		Headers: headers,
		Redact:  values,
	})

	if res.StatusCode != http.StatusInternalServerError {
		t.Fatalf("status = %d, want 500", res.StatusCode)
	}
	for i, value := range values {
		if start := value[:16]; strings.Contains(res.Excerpt, start) {
			t.Errorf("Excerpt contains the start %q of header value %d", start, i)
		}
	}
}

// TestRedactOverlappingValues echoes two values where the end of one
// is the start of the other. Both are replaced whole.
func TestRedactOverlappingValues(t *testing.T) {
	t.Parallel()
	const first, second = "key-AAAA-shared", "shared-BBBB-tail"
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		w.WriteHeader(http.StatusBadRequest)
		_, _ = io.WriteString(w, "got key-AAAA-shared-BBBB-tail")
	}))
	t.Cleanup(srv.Close)

	res := newSender(t).Send(context.Background(), webhook.Request{
		URL:    srv.URL + "/hook",
		Body:   payload,
		Redact: []string{first, second},
	})

	if res.StatusCode != http.StatusBadRequest {
		t.Fatalf("status = %d, want 400", res.StatusCode)
	}
	for _, part := range []string{"AAAA", "BBBB"} {
		if strings.Contains(res.Excerpt, part) {
			t.Errorf("Excerpt %q contains %q, a part of a redacted value", res.Excerpt, part)
		}
	}
}

// TestRedactValueCutAtDrainLimit echoes a 1,000-byte value 70 times, so the
// read stops inside one copy. The cut copy at the end of what was read is
// replaced as well.
func TestRedactValueCutAtDrainLimit(t *testing.T) {
	t.Parallel()
	value := "cut-" + strings.Repeat("v", 996)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		w.WriteHeader(http.StatusBadGateway)
		_, _ = io.WriteString(w, strings.Repeat(value, 70))
	}))
	t.Cleanup(srv.Close)

	res := newSender(t).Send(context.Background(), webhook.Request{URL: srv.URL + "/hook", Body: payload, Redact: []string{value}})

	if res.StatusCode != http.StatusBadGateway {
		t.Fatalf("status = %d, want 502", res.StatusCode)
	}
	if strings.Contains(res.Excerpt, "cut-v") || strings.Contains(res.Excerpt, "vvvv") {
		t.Errorf("Excerpt holds part of the value: %q", res.Excerpt)
	}
	// The copies touch each other, so they and the cut one are one run.
	if res.Excerpt != webhook.RedactedValue {
		t.Errorf("Excerpt = %q, want one replacement for the whole run", res.Excerpt)
	}
}

// TestRedactCutInsideMultibyteRune echoes a two-byte-per-rune credential
// value 70 times, so the 64 KiB that Send reads ends inside the 66th copy,
// in the middle of a rune. The adjacent full copies collapse into one
// "[redacted]", so the excerpt reaches the cut copy. Its start must not
// appear in the excerpt.
func TestRedactCutInsideMultibyteRune(t *testing.T) {
	t.Parallel()
	value := cyrillicValue(500) // 1,000 bytes, 2 bytes per rune
	body := "x" + strings.Repeat(value, 70)
	// 1 + 65*1000 + 535 bytes: the cut falls inside a rune.
	if (webhook.DrainLimit-1)%len(value)%2 != 1 {
		t.Fatalf("the cut does not fall inside a rune: adjust the prefix")
	}
	srv := bodyServer(t, body)

	res := newSender(t).Send(context.Background(), webhook.Request{
		URL:    srv.URL + "/hook",
		Body:   payload,
		Redact: []string{value},
	})

	if res.StatusCode != http.StatusInternalServerError {
		t.Fatalf("status = %d, want 500", res.StatusCode)
	}
	if leak := value[:16]; strings.Contains(res.Excerpt, leak) {
		t.Errorf("Excerpt has %d bytes after \"x[redacted]\": the cut credential value, starting %q",
			len(res.Excerpt)-len("x[redacted]"), leak)
	}
}

// TestRedactBodyOfExactlyDrainLimit compares two bodies that end with
// the same plain text, " Bearer", after echoed copies of a credential
// value. The second is exactly DrainLimit bytes long, so nothing was cut
// off. Both excerpts must be the same.
func TestRedactBodyOfExactlyDrainLimit(t *testing.T) {
	t.Parallel()
	const tail = " Bearer"
	// 81 copies of 809 bytes plus the tail are 65,536 bytes.
	value := "Bearer " + strings.Repeat("t", 802)
	exact := strings.Repeat(value, 81) + tail
	if len(exact) != webhook.DrainLimit {
		t.Fatalf("body is %d bytes, want %d", len(exact), webhook.DrainLimit)
	}
	shorter := strings.Repeat(value, 80) + tail

	excerpts := make([]string, 2)
	for i, body := range []string{shorter, exact} {
		srv := bodyServer(t, body)
		res := newSender(t).Send(context.Background(), webhook.Request{
			URL:    srv.URL + "/hook",
			Body:   payload,
			Redact: []string{value},
		})
		if res.StatusCode != http.StatusInternalServerError {
			t.Fatalf("body %d: status = %d, want 500", i, res.StatusCode)
		}
		excerpts[i] = res.Excerpt
	}

	if want := "[redacted]" + tail; excerpts[0] != want {
		t.Errorf("shorter body: Excerpt = %q, want %q", excerpts[0], want)
	}
	if excerpts[1] != excerpts[0] {
		t.Errorf("body of exactly DrainLimit bytes: Excerpt = %q, want %q as for the shorter body",
			excerpts[1], excerpts[0])
	}
}

// bodyServer responds 500 with body.
func bodyServer(t *testing.T, body string) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		w.WriteHeader(http.StatusInternalServerError)
		_, _ = io.WriteString(w, body)
	}))
	t.Cleanup(srv.Close)

	return srv
}

// cyrillicValue returns n pseudo-random Cyrillic letters, 2 bytes each. The
// text does not repeat, so no occurrence of it overlaps a shifted copy.
func cyrillicValue(n int) string {
	rng := rand.New(rand.NewPCG(1, 2))
	var b strings.Builder
	for range n {
		b.WriteRune('а' + rune(rng.IntN(32)))
	}

	return b.String()
}
