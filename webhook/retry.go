package webhook

import (
	"math/rand/v2"
	"time"
)

// Policy schedules retries: exponential backoff from Base, doubling per
// attempt, with ±Jitter, each delay capped at MaxDelay, and a Retry-After
// from the receiver honoured when it asks for longer. The zero value uses
// the defaults below. A Policy is a plain value, safe to copy and to use
// concurrently when Rand is.
type Policy struct {
	// Base is the delay after the first failed attempt. Default: 2s.
	Base time.Duration

	// Multiplier grows the delay per attempt. Default: 2.
	Multiplier float64

	// Jitter is the fraction by which a delay varies up or down, 0 to 1.
	// Default: 0.2 (±20%). Negative means none.
	Jitter float64

	// MaxDelay caps one delay, including one from Retry-After.
	// Default: 1h.
	MaxDelay time.Duration

	// MaxAttempts is the number of attempts in all, counting the first
	// (an endpoint's retry_count). Default: 3.
	MaxAttempts int

	// Now returns the current time. Default: time.Now.
	Now func() time.Time

	// Rand returns a number in [0, 1) for the jitter. Default:
	// math/rand/v2.Float64.
	Rand func() float64
}

// Next returns when to make the next attempt after attempt number attempt
// (1 for the first) ended with c, and false when to give up: after a
// success, a permanent failure or the last allowed attempt. retryAfter is
// Result.RetryAfter, or 0 when the receiver gave none.
func (p Policy) Next(attempt int, c Classification, retryAfter time.Duration) (time.Time, bool) {
	if c != Retryable || attempt >= p.maxAttempts() {
		return time.Time{}, false
	}
	now := time.Now
	if p.Now != nil {
		now = p.Now
	}

	return now().Add(p.Delay(attempt, retryAfter)), true
}

// Delay returns the wait after attempt number attempt failed: Base ×
// Multiplier^(attempt-1), varied by ±Jitter, raised to retryAfter when
// that is longer, and capped at MaxDelay.
func (p Policy) Delay(attempt int, retryAfter time.Duration) time.Duration {
	base, mult, jitter, maxDelay := p.Base, p.Multiplier, p.Jitter, p.MaxDelay
	if base <= 0 {
		base = 2 * time.Second
	}
	if mult < 1 {
		mult = 2
	}
	if jitter == 0 {
		jitter = 0.2
	}
	if jitter < 0 {
		jitter = 0
	}
	jitter = min(jitter, 1)
	if maxDelay <= 0 {
		maxDelay = time.Hour
	}

	d := float64(base)
	for i := 1; i < attempt && d < float64(maxDelay); i++ {
		d *= mult
	}
	random := rand.Float64
	if p.Rand != nil {
		random = p.Rand
	}
	d *= 1 + jitter*(2*random()-1)

	delay := time.Duration(min(d, float64(maxDelay)))
	if retryAfter > delay {
		delay = retryAfter
	}

	return min(delay, maxDelay)
}

func (p Policy) maxAttempts() int {
	if p.MaxAttempts <= 0 {
		return 3
	}

	return p.MaxAttempts
}
