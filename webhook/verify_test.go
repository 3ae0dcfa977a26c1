package webhook_test

import (
	"bytes"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/hishamos/integrations-external/webhook"
)

const standardSecret = webhook.Secret("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")

func standardHeader(t *testing.T, ts time.Time, body []byte) http.Header {
	t.Helper()
	sig, err := webhook.SignStandard(standardSecret, "msg_1", ts, body)
	if err != nil {
		t.Fatal(err)
	}
	h := http.Header{}
	h.Set("webhook-id", "msg_1")
	h.Set("webhook-timestamp", strconv.FormatInt(ts.Unix(), 10))
	h.Set("webhook-signature", sig)

	return h
}

func TestVerifyHishamOSErrors(t *testing.T) {
	t.Parallel()
	body := []byte(`{"a":1}`)
	good := webhook.SignHishamOS("k", body)
	tests := []struct {
		name  string
		value []string
		body  []byte
		want  error
	}{
		{"missing", nil, body, webhook.ErrMissingSignature},
		{"no prefix", []string{strings.TrimPrefix(good, "sha256=")}, body, webhook.ErrMalformedSignature},
		{"not hex", []string{"sha256=zz"}, body, webhook.ErrMalformedSignature},
		{"short", []string{"sha256=abcd"}, body, webhook.ErrMalformedSignature},
		{"wrong algorithm", []string{"sha1=" + strings.TrimPrefix(good, "sha256=")}, body, webhook.ErrMalformedSignature},
		{"changed body", []string{good}, []byte(`{"a":2}`), webhook.ErrSignatureMismatch},
		{"uppercase hex", []string{"sha256=" + strings.ToUpper(strings.TrimPrefix(good, "sha256="))}, body, nil},
		{"second of two", []string{webhook.SignHishamOS("other", body) + ", " + good}, body, nil},
		{"repeated header lines", []string{webhook.SignHishamOS("other", body), good}, body, nil},
		{"valid", []string{good}, body, nil},
	}
	for _, tt := range tests {
		h := http.Header{}
		for _, v := range tt.value {
			h.Add("X-HishamOS-Signature", v)
		}
		err := webhook.Verify("k", h, tt.body)
		if !errors.Is(err, tt.want) || (tt.want == nil && err != nil) {
			t.Errorf("%s: Verify = %v, want %v", tt.name, err, tt.want)
		}
	}
}

func TestVerifyStandardTimestamp(t *testing.T) {
	t.Parallel()
	body := []byte(`{"a":1}`)
	now := time.Unix(1764806400, 0)
	v := webhook.Verifier{
		Secrets: []webhook.Secret{standardSecret},
		Scheme:  webhook.SchemeStandard,
		Now:     func() time.Time { return now },
	}
	tests := []struct {
		name string
		ts   time.Time
		want error
	}{
		{"now", now, nil},
		{"4m59s old", now.Add(-299 * time.Second), nil},
		{"4m59s ahead", now.Add(299 * time.Second), nil},
		{"6m old", now.Add(-6 * time.Minute), webhook.ErrTimestampTooOld},
		{"6m ahead", now.Add(6 * time.Minute), webhook.ErrTimestampTooNew},
	}
	for _, tt := range tests {
		err := v.Verify(standardHeader(t, tt.ts, body), body)
		if !errors.Is(err, tt.want) || (tt.want == nil && err != nil) {
			t.Errorf("%s: Verify = %v, want %v", tt.name, err, tt.want)
		}
	}

	wide := v
	wide.Tolerance = time.Hour
	if err := wide.Verify(standardHeader(t, now.Add(-30*time.Minute), body), body); err != nil {
		t.Errorf("1h tolerance, 30m old: %v, want nil", err)
	}
}

func TestVerifyStandardErrors(t *testing.T) {
	t.Parallel()
	body := []byte(`{"a":1}`)
	now := time.Unix(1764806400, 0)
	v := webhook.Verifier{Secrets: []webhook.Secret{standardSecret}, Scheme: webhook.SchemeStandard,
		Now: func() time.Time { return now }}

	for _, name := range []string{"webhook-id", "webhook-timestamp", "webhook-signature"} {
		h := standardHeader(t, now, body)
		h.Del(name)
		err := v.Verify(h, body)
		var ve *webhook.VerifyError
		if !errors.Is(err, webhook.ErrMissingSignature) || !errors.As(err, &ve) ||
			!strings.EqualFold(ve.Header, name) {
			t.Errorf("without %s: Verify = %v, want ErrMissingSignature naming it", name, err)
		}
	}

	h := standardHeader(t, now, body)
	h.Set("webhook-timestamp", "yesterday")
	if err := v.Verify(h, body); !errors.Is(err, webhook.ErrMalformedSignature) {
		t.Errorf("text timestamp: %v, want ErrMalformedSignature", err)
	}
	h = standardHeader(t, now, body)
	h.Set("webhook-signature", "v1;abc")
	if err := v.Verify(h, body); !errors.Is(err, webhook.ErrMalformedSignature) {
		t.Errorf("bad signature list: %v, want ErrMalformedSignature", err)
	}
	h = standardHeader(t, now, body)
	h.Set("webhook-id", "msg_2")
	if err := v.Verify(h, body); !errors.Is(err, webhook.ErrSignatureMismatch) {
		t.Errorf("changed id: %v, want ErrSignatureMismatch", err)
	}
	h = standardHeader(t, now, body)
	h.Set("webhook-signature", "v1a,abc "+h.Get("webhook-signature"))
	if err := v.Verify(h, body); err != nil {
		t.Errorf("unknown version beside v1: %v, want nil", err)
	}
	if err := (webhook.Verifier{}).Verify(h, body); !errors.Is(err, webhook.ErrNoSecrets) {
		t.Errorf("no secrets: %v, want ErrNoSecrets", err)
	}
}

func TestVerifyBothScheme(t *testing.T) {
	t.Parallel()
	body := []byte(`{"a":1}`)
	now := time.Unix(1764806400, 0)
	v := webhook.Verifier{Secrets: []webhook.Secret{standardSecret}, Scheme: webhook.SchemeBoth,
		Now: func() time.Time { return now }}

	h := standardHeader(t, now, body)
	if err := v.Verify(h, body); err != nil {
		t.Errorf("standard headers only: %v, want nil", err)
	}
	h.Set("X-HishamOS-Signature", webhook.SignHishamOS(standardSecret, body))
	if err := v.Verify(h, body); err != nil {
		t.Errorf("both sets: %v, want nil", err)
	}
	h.Set("X-HishamOS-Signature", webhook.SignHishamOS("wrong", body))
	if err := v.Verify(h, body); !errors.Is(err, webhook.ErrSignatureMismatch) {
		t.Errorf("bad legacy beside good standard: %v, want ErrSignatureMismatch", err)
	}
	if err := v.Verify(http.Header{}, body); !errors.Is(err, webhook.ErrMissingSignature) {
		t.Errorf("no headers: %v, want ErrMissingSignature", err)
	}
}

func TestMiddleware(t *testing.T) {
	t.Parallel()
	var got []byte
	next := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got, _ = io.ReadAll(r.Body)
		w.WriteHeader(http.StatusNoContent)
	})
	h := webhook.Verifier{Secrets: []webhook.Secret{"k"}, MaxBodyBytes: 64}.Middleware(next)
	body := []byte(`{"event":"x"}`)

	tests := []struct {
		name   string
		body   []byte
		sig    string
		status int
	}{
		{"valid", body, webhook.SignHishamOS("k", body), http.StatusNoContent},
		{"missing", body, "", http.StatusUnauthorized},
		{"mismatch", body, webhook.SignHishamOS("other", body), http.StatusUnauthorized},
		{"too large", bytes.Repeat([]byte("a"), 65), "sha256=00", http.StatusRequestEntityTooLarge},
	}
	for _, tt := range tests {
		got = nil
		req := httptest.NewRequest(http.MethodPost, "/hook", bytes.NewReader(tt.body))
		if tt.sig != "" {
			req.Header.Set("X-HishamOS-Signature", tt.sig)
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != tt.status {
			t.Errorf("%s: status %d, want %d (%s)", tt.name, rec.Code, tt.status, rec.Body)
		}
		if tt.status == http.StatusNoContent && !bytes.Equal(got, tt.body) {
			t.Errorf("%s: next handler got %q, want %q", tt.name, got, tt.body)
		}
		if tt.status != http.StatusNoContent && got != nil {
			t.Errorf("%s: next handler was called", tt.name)
		}
	}
}
