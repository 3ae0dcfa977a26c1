package webhook_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/hishamos/integrations-external/internal/fakereceiver"
	"github.com/hishamos/integrations-external/webhook"
)

var payload = []byte(`{"event": "command.executed", "status": "success"}`)

func TestSendSignsExactBody(t *testing.T) {
	t.Parallel()
	recv := fakereceiver.New(t, fakereceiver.OK())
	s := newSender(t)

	res := s.Send(context.Background(), webhook.Request{
		URL:        recv.URL + "/hook",
		Body:       payload,
		EventType:  "command.executed",
		DeliveryID: "d-1",
		Secrets:    []webhook.Secret{"test-secret"},
	})
	if res.Err != nil {
		t.Fatalf("Send: %v", res.Err)
	}
	if res.Classification != webhook.Success || res.StatusCode != 200 {
		t.Errorf("result = %v %d, want success 200", res.Classification, res.StatusCode)
	}
	if res.Excerpt != "ok" {
		t.Errorf("Excerpt = %q, want ok", res.Excerpt)
	}

	got := recv.AwaitRequests(1)[0]
	if string(got.Body) != string(payload) {
		t.Errorf("body = %q, want %q", got.Body, payload)
	}
	want := "sha256=aaa9862647d93d81628baa99bd03319e12d6fe5aaa539cc042b28f012ac38989"
	if sig := got.Header.Get("X-HishamOS-Signature"); sig != want {
		t.Errorf("X-HishamOS-Signature = %q, want %q", sig, want)
	}
	if ev := got.Header.Get("X-HishamOS-Event"); ev != "command.executed" {
		t.Errorf("X-HishamOS-Event = %q", ev)
	}
	if id := got.Header.Get("X-HishamOS-Delivery-ID"); id != "d-1" {
		t.Errorf("X-HishamOS-Delivery-ID = %q", id)
	}
	if ct := got.Header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("Content-Type = %q", ct)
	}
	if got.Method != http.MethodPost {
		t.Errorf("method = %s, want POST", got.Method)
	}
	if got.Header.Get("Webhook-Signature") != "" {
		t.Error("hishamos scheme sent a webhook-signature header")
	}
}

func TestSendWithoutSecretIsUnsigned(t *testing.T) {
	t.Parallel()
	recv := fakereceiver.New(t, fakereceiver.OK())
	res := newSender(t).Send(context.Background(), webhook.Request{URL: recv.URL, Body: payload, DeliveryID: "d"})
	if res.Err != nil {
		t.Fatal(res.Err)
	}
	h := recv.AwaitRequests(1)[0].Header
	if h.Get("X-HishamOS-Signature") != "" || h.Get("Webhook-Signature") != "" {
		t.Errorf("unsigned request carries a signature: %v", h)
	}
}

func TestSendStandardAndBothSchemes(t *testing.T) {
	t.Parallel()
	secret := webhook.Secret("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")
	now := time.Unix(1764806400, 0)
	recv := fakereceiver.New(t, fakereceiver.OK())
	s := newSender(t, webhook.WithClock(func() time.Time { return now }))

	for _, scheme := range []webhook.Scheme{webhook.SchemeStandard, webhook.SchemeBoth} {
		res := s.Send(context.Background(), webhook.Request{
			URL: recv.URL, Body: payload, DeliveryID: "msg_1", Scheme: scheme,
			Secrets: []webhook.Secret{secret},
		})
		if res.Err != nil {
			t.Fatalf("%s: %v", scheme, res.Err)
		}
	}
	reqs := recv.AwaitRequests(2)

	v := webhook.Verifier{Secrets: []webhook.Secret{secret}, Scheme: webhook.SchemeStandard,
		Now: func() time.Time { return now }}
	for i, r := range reqs {
		if r.Header.Get("Webhook-Id") != "msg_1" || r.Header.Get("Webhook-Timestamp") != "1764806400" {
			t.Errorf("request %d: webhook-id %q, timestamp %q", i, r.Header.Get("Webhook-Id"), r.Header.Get("Webhook-Timestamp"))
		}
		if err := v.Verify(r.Header, r.Body); err != nil {
			t.Errorf("request %d: standard signature does not verify: %v", i, err)
		}
	}
	if reqs[0].Header.Get("X-HishamOS-Signature") != "" {
		t.Error("standard scheme sent X-HishamOS-Signature")
	}
	legacy := webhook.Verifier{Secrets: []webhook.Secret{secret}}
	if err := legacy.Verify(reqs[1].Header, reqs[1].Body); err != nil {
		t.Errorf("both scheme: legacy signature does not verify: %v", err)
	}
}

func TestSendSignsWithEverySecretDuringRotation(t *testing.T) {
	t.Parallel()
	recv := fakereceiver.New(t, fakereceiver.OK())
	res := newSender(t).Send(context.Background(), webhook.Request{
		URL: recv.URL, Body: payload, DeliveryID: "d",
		Secrets: []webhook.Secret{"new-secret", "old-secret"},
	})
	if res.Err != nil {
		t.Fatal(res.Err)
	}
	r := recv.AwaitRequests(1)[0]
	for _, secret := range []webhook.Secret{"new-secret", "old-secret"} {
		if err := webhook.Verify(secret, r.Header, r.Body); err != nil {
			t.Errorf("receiver with one secret cannot verify: %v", err)
		}
	}
	if err := webhook.Verify("other", r.Header, r.Body); !errors.Is(err, webhook.ErrSignatureMismatch) {
		t.Errorf("Verify with an unrelated secret = %v, want ErrSignatureMismatch", err)
	}
}

func TestSendCustomHeadersAndMethod(t *testing.T) {
	t.Parallel()
	recv := fakereceiver.New(t, fakereceiver.OK())
	s := newSender(t, webhook.WithProduct("Acme"))
	res := s.Send(context.Background(), webhook.Request{
		URL: recv.URL, Body: payload, Method: "put", EventType: "e", DeliveryID: "d",
		Headers: map[string]string{"Authorization": "Bearer t", "X-Team": "a"},
		Secrets: []webhook.Secret{"k"},
	})
	if res.Err != nil {
		t.Fatal(res.Err)
	}
	r := recv.AwaitRequests(1)[0]
	if r.Method != http.MethodPut {
		t.Errorf("method = %s, want PUT", r.Method)
	}
	if r.Header.Get("Authorization") != "Bearer t" || r.Header.Get("X-Team") != "a" {
		t.Errorf("custom headers missing: %v", r.Header)
	}
	if r.Header.Get("X-Acme-Signature") == "" || r.Header.Get("X-Acme-Event") != "e" {
		t.Errorf("product headers missing: %v", r.Header)
	}
}

func TestSendRejectsInvalidRequest(t *testing.T) {
	t.Parallel()
	recv := fakereceiver.New(t, fakereceiver.OK())
	s := newSender(t)
	tests := []webhook.Request{
		{URL: recv.URL, Method: "DELETE"},
		{URL: recv.URL, Headers: map[string]string{"X-HishamOS-Signature": "forged"}},
		{URL: recv.URL, Headers: map[string]string{"X-A": "a\r\nX-B: b"}},
		{URL: "ftp://127.0.0.1/"},
		{URL: recv.URL, Scheme: webhook.SchemeStandard, Secrets: []webhook.Secret{"whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"}},
	}
	for i, req := range tests {
		res := s.Send(context.Background(), req)
		if res.Classification != webhook.Permanent || !errors.Is(res.Err, webhook.ErrInvalidRequest) {
			t.Errorf("case %d: got %v %v, want permanent ErrInvalidRequest", i, res.Classification, res.Err)
		}
	}
	if n := recv.Connections(); n != 0 {
		t.Errorf("receiver accepted %d connections for invalid requests, want 0", n)
	}
}

func TestSendClassifiesStatus(t *testing.T) {
	t.Parallel()
	tests := []struct {
		behavior fakereceiver.Behavior
		status   int
		want     webhook.Classification
		disable  bool
	}{
		{fakereceiver.Respond(204, nil, ""), 204, webhook.Success, false},
		{fakereceiver.Respond(500, nil, "boom"), 500, webhook.Retryable, false},
		{fakereceiver.Respond(503, nil, ""), 503, webhook.Retryable, false},
		{fakereceiver.Respond(408, nil, ""), 408, webhook.Retryable, false},
		{fakereceiver.Respond(425, nil, ""), 425, webhook.Retryable, false},
		{fakereceiver.TooManyRequests("3"), 429, webhook.Retryable, false},
		{fakereceiver.Respond(400, nil, "bad"), 400, webhook.Permanent, false},
		{fakereceiver.Respond(404, nil, ""), 404, webhook.Permanent, false},
		{fakereceiver.Gone(), 410, webhook.Permanent, true},
		{fakereceiver.Redirect(301, "https://example.com/"), 301, webhook.Permanent, false},
	}
	s := newSender(t)
	for _, tt := range tests {
		recv := fakereceiver.New(t, tt.behavior)
		res := s.Send(context.Background(), webhook.Request{URL: recv.URL, Body: payload})
		if res.StatusCode != tt.status || res.Classification != tt.want {
			t.Errorf("status %d: got %d %v, want %v", tt.status, res.StatusCode, res.Classification, tt.want)
		}
		if res.DisableEndpoint != tt.disable {
			t.Errorf("status %d: DisableEndpoint = %v, want %v", tt.status, res.DisableEndpoint, tt.disable)
		}
		if tt.want != webhook.Success && !errors.Is(res.Err, webhook.ErrHTTPStatus) {
			t.Errorf("status %d: Err = %v, want ErrHTTPStatus", tt.status, res.Err)
		}
	}
}

func TestSendErrorMessage(t *testing.T) {
	t.Parallel()
	cases := []struct {
		status int
		body   string
		want   string
	}{
		{500, "database is down", "HTTP 500: database is down"},
		{503, " \n", "HTTP 503"}, // no body text, so no colon
	}
	for _, c := range cases {
		recv := fakereceiver.New(t, fakereceiver.Respond(c.status, nil, c.body))
		res := newSender(t).Send(context.Background(), webhook.Request{URL: recv.URL, Body: payload})
		if got := res.Err.Error(); got != c.want {
			t.Errorf("status %d: Err = %q, want %q", c.status, got, c.want)
		}
	}
}

func TestSendFailThenSucceed(t *testing.T) {
	t.Parallel()
	recv := fakereceiver.New(t, fakereceiver.FailThenOK(1, 500))
	s := newSender(t)
	req := webhook.Request{URL: recv.URL, Body: payload, DeliveryID: "same", Secrets: []webhook.Secret{"k"}}
	first := s.Send(context.Background(), req)
	second := s.Send(context.Background(), req)
	if first.Classification != webhook.Retryable || second.Classification != webhook.Success {
		t.Errorf("classifications = %v, %v; want retryable, success", first.Classification, second.Classification)
	}
	reqs := recv.AwaitRequests(2)
	if reqs[0].Header.Get("X-HishamOS-Delivery-ID") != reqs[1].Header.Get("X-HishamOS-Delivery-ID") {
		t.Error("delivery id changed between attempts")
	}
	if n := recv.Connections(); n != 1 {
		t.Errorf("receiver accepted %d connections for 2 attempts, want 1 (keep-alive)", n)
	}
}

func TestSendRetryAfter(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	tests := []struct {
		value string
		want  time.Duration
		has   bool
	}{
		{"120", 2 * time.Minute, true},
		{"0", 0, true},
		{"99999999", 10 * time.Minute, true},
		{now.Add(90 * time.Second).Format(http.TimeFormat), 90 * time.Second, true},
		{"soon", 0, false},
		{"-5", 0, false},
	}
	s := newSender(t, webhook.WithMaxRetryAfter(10*time.Minute), webhook.WithClock(func() time.Time { return now }))
	for _, tt := range tests {
		recv := fakereceiver.New(t, fakereceiver.TooManyRequests(tt.value))
		res := s.Send(context.Background(), webhook.Request{URL: recv.URL, Body: payload})
		if res.RetryAfter != tt.want || res.HasRetryAfter != tt.has {
			t.Errorf("Retry-After %q: got %v %v, want %v %v", tt.value, res.RetryAfter, res.HasRetryAfter, tt.want, tt.has)
		}
		if res.Header.Get("Retry-After") != tt.value {
			t.Errorf("Result.Header Retry-After = %q, want %q", res.Header.Get("Retry-After"), tt.value)
		}
	}
}

func TestSendRedirectNotFollowed(t *testing.T) {
	t.Parallel()
	target := fakereceiver.New(t, fakereceiver.OK())
	recv := fakereceiver.New(t, fakereceiver.Redirect(http.StatusFound, target.URL))
	res := newSender(t).Send(context.Background(), webhook.Request{URL: recv.URL, Body: payload})
	if res.StatusCode != http.StatusFound || res.Classification != webhook.Permanent {
		t.Errorf("got %d %v, want 302 permanent", res.StatusCode, res.Classification)
	}
	if res.Header.Get("Location") != target.URL {
		t.Errorf("Location = %q, want %q", res.Header.Get("Location"), target.URL)
	}
	if n := target.Connections(); n != 0 {
		t.Errorf("redirect target accepted %d connections, want 0", n)
	}
}

func TestSendTimeoutWhenBodyStalls(t *testing.T) {
	t.Parallel()
	recv := fakereceiver.New(t, fakereceiver.StallBody())
	res := newSender(t).Send(context.Background(), webhook.Request{
		URL: recv.URL, Body: payload, Timeout: 200 * time.Millisecond,
	})
	if got, want := res.Err.Error(), "Request timeout after 0.2s"; got != want {
		t.Errorf("Err = %q, want %q", got, want)
	}
	if !errors.Is(res.Err, webhook.ErrTimeout) || res.Classification != webhook.Retryable {
		t.Errorf("got %v %v, want retryable ErrTimeout", res.Classification, res.Err)
	}
	if res.StatusCode != http.StatusOK {
		t.Errorf("StatusCode = %d, want the 200 sent before the stall", res.StatusCode)
	}
}

func TestSendTimeoutWhenServerHangs(t *testing.T) {
	t.Parallel()
	recv := fakereceiver.New(t, fakereceiver.Hang())
	s := newSender(t, webhook.WithDefaultTimeout(time.Second))
	res := s.Send(context.Background(), webhook.Request{URL: recv.URL, Body: payload})
	if got, want := res.Err.Error(), "Request timeout after 1s"; got != want {
		t.Errorf("Err = %q, want %q", got, want)
	}
	if res.StatusCode != 0 {
		t.Errorf("StatusCode = %d, want 0", res.StatusCode)
	}
}

func TestSendEndlessBodyIsBounded(t *testing.T) {
	t.Parallel()
	recv := fakereceiver.New(t, fakereceiver.EndlessBody())
	res := newSender(t).Send(context.Background(), webhook.Request{URL: recv.URL, Body: payload, Timeout: 10 * time.Second})
	if res.Err != nil || res.Classification != webhook.Success {
		t.Fatalf("got %v %v, want success", res.Classification, res.Err)
	}
	if n := utf8.RuneCountInString(res.Excerpt); n != webhook.ExcerptRunes {
		t.Errorf("excerpt has %d characters, want %d", n, webhook.ExcerptRunes)
	}
}

func TestSendExcerptCountsCharacters(t *testing.T) {
	t.Parallel()
	body := strings.Repeat("é", 1500)
	recv := fakereceiver.New(t, fakereceiver.Respond(200, nil, body))
	res := newSender(t).Send(context.Background(), webhook.Request{URL: recv.URL, Body: payload})
	if res.Excerpt != strings.Repeat("é", 1000) {
		t.Errorf("excerpt has %d characters, want 1000 é", utf8.RuneCountInString(res.Excerpt))
	}
}

func TestSendCanceledContext(t *testing.T) {
	t.Parallel()
	recv := fakereceiver.New(t, fakereceiver.Hang())
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		_, _ = recv.WaitForRequests(ctx, 1)
		cancel()
	}()
	res := newSender(t).Send(ctx, webhook.Request{URL: recv.URL, Body: payload})
	if !errors.Is(res.Err, context.Canceled) || res.Classification != webhook.Retryable {
		t.Errorf("got %v %v, want retryable context.Canceled", res.Classification, res.Err)
	}
}

func TestSendNetworkErrorHidesURLSecrets(t *testing.T) {
	t.Parallel()
	recv := fakereceiver.New(t, fakereceiver.OK())
	url := recv.URL + "/services/T000/B000/XXXXSECRET?token=abc"
	recv.Close() // nothing listens any more
	res := newSender(t).Send(context.Background(), webhook.Request{URL: url, Body: payload})
	if res.Classification != webhook.Retryable || !errors.Is(res.Err, webhook.ErrNetwork) {
		t.Errorf("got %v %v, want retryable ErrNetwork", res.Classification, res.Err)
	}
	if msg := res.Err.Error(); strings.Contains(msg, "XXXXSECRET") || strings.Contains(msg, "token=") {
		t.Errorf("error %q contains the URL path or query", msg)
	}
}
