package webhook_test

import (
	"testing"
	"time"

	"github.com/hishamos/integrations-external/webhook"
)

var epoch = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

func fixedPolicy(random float64) webhook.Policy {
	return webhook.Policy{
		Now:  func() time.Time { return epoch },
		Rand: func() float64 { return random },
	}
}

func TestPolicyDefaultSchedule(t *testing.T) {
	t.Parallel()
	p := fixedPolicy(0.5) // no jitter at the midpoint

	at, ok := p.Next(1, webhook.Retryable, 0)
	if !ok || at.Sub(epoch) != 2*time.Second {
		t.Errorf("after attempt 1: %v %v, want retry in 2s", at.Sub(epoch), ok)
	}
	at, ok = p.Next(2, webhook.Retryable, 0)
	if !ok || at.Sub(epoch) != 4*time.Second {
		t.Errorf("after attempt 2: %v %v, want retry in 4s", at.Sub(epoch), ok)
	}
	if _, ok := p.Next(3, webhook.Retryable, 0); ok {
		t.Error("after attempt 3 of 3: retry, want give up")
	}
}

func TestPolicyGivesUp(t *testing.T) {
	t.Parallel()
	p := fixedPolicy(0.5)
	if _, ok := p.Next(1, webhook.Permanent, 0); ok {
		t.Error("permanent failure: retry, want give up")
	}
	if _, ok := p.Next(1, webhook.Success, 0); ok {
		t.Error("success: retry, want none")
	}
	one := p
	one.MaxAttempts = 1
	if _, ok := one.Next(1, webhook.Retryable, 0); ok {
		t.Error("MaxAttempts 1: retry, want give up")
	}
}

func TestPolicyJitterBounds(t *testing.T) {
	t.Parallel()
	low := fixedPolicy(0).Delay(1, 0)
	high := fixedPolicy(0.999999).Delay(1, 0)
	if low != 1600*time.Millisecond {
		t.Errorf("lowest delay = %v, want 1.6s (-20%%)", low)
	}
	if high < 2399*time.Millisecond || high > 2400*time.Millisecond {
		t.Errorf("highest delay = %v, want just under 2.4s (+20%%)", high)
	}
	none := fixedPolicy(0)
	none.Jitter = -1
	if d := none.Delay(1, 0); d != 2*time.Second {
		t.Errorf("delay without jitter = %v, want 2s", d)
	}
}

func TestPolicyCapAndBase(t *testing.T) {
	t.Parallel()
	p := fixedPolicy(0.5)
	p.Base = 10 * time.Second
	p.MaxDelay = time.Minute
	p.MaxAttempts = 20
	want := []time.Duration{10 * time.Second, 20 * time.Second, 40 * time.Second, time.Minute, time.Minute}
	for i, w := range want {
		if d := p.Delay(i+1, 0); d != w {
			t.Errorf("attempt %d: delay %v, want %v", i+1, d, w)
		}
	}
	if d := p.Delay(1000, 0); d != time.Minute {
		t.Errorf("attempt 1000: delay %v, want the 1m cap", d)
	}
}

func TestPolicyRetryAfter(t *testing.T) {
	t.Parallel()
	p := fixedPolicy(0.5)
	p.MaxDelay = 10 * time.Minute
	if d := p.Delay(1, 30*time.Second); d != 30*time.Second {
		t.Errorf("Retry-After 30s: delay %v, want 30s", d)
	}
	if d := p.Delay(1, time.Second); d != 2*time.Second {
		t.Errorf("Retry-After 1s: delay %v, want the 2s backoff", d)
	}
	if d := p.Delay(1, time.Hour); d != 10*time.Minute {
		t.Errorf("Retry-After 1h: delay %v, want the 10m cap", d)
	}
}

func TestClassifyStatus(t *testing.T) {
	t.Parallel()
	tests := map[int]webhook.Classification{
		200: webhook.Success, 201: webhook.Success, 299: webhook.Success,
		100: webhook.Permanent, 301: webhook.Permanent, 304: webhook.Permanent, 307: webhook.Permanent,
		400: webhook.Permanent, 401: webhook.Permanent, 404: webhook.Permanent, 410: webhook.Permanent,
		408: webhook.Retryable, 425: webhook.Retryable, 429: webhook.Retryable,
		500: webhook.Retryable, 502: webhook.Retryable, 599: webhook.Retryable,
	}
	for code, want := range tests {
		if got := webhook.ClassifyStatus(code); got != want {
			t.Errorf("ClassifyStatus(%d) = %v, want %v", code, got, want)
		}
	}
}

func TestTimeoutMessage(t *testing.T) {
	t.Parallel()
	tests := map[time.Duration]string{
		30 * time.Second:        "Request timeout after 30s",
		5 * time.Second:         "Request timeout after 5s",
		1500 * time.Millisecond: "Request timeout after 1.5s",
	}
	for d, want := range tests {
		if got := webhook.TimeoutMessage(d); got != want {
			t.Errorf("TimeoutMessage(%v) = %q, want %q", d, got, want)
		}
	}
}
