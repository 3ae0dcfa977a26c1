package webhook

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/hishamos/integrations-external/internal/netguard"
)

// Response limits of one attempt.
const (
	// ExcerptRunes is the number of characters of a response body kept in
	// Result.Excerpt, the only excerpt size stored anywhere.
	ExcerptRunes = 1000
	// DrainLimit is the number of response body bytes read in all; a
	// longer body is abandoned and its connection closed, never read to
	// the end.
	DrainLimit = 64 << 10
	// errorExcerptRunes is how much of the excerpt an "HTTP <code>: ..."
	// error message carries.
	errorExcerptRunes = 200
)

// Request is one delivery attempt to send.
type Request struct {
	// URL is the destination. Validate it with ValidateURL when it is
	// configured; Send checks it again.
	URL string

	// Method is POST (default), PUT or PATCH.
	Method string

	// Headers are custom request headers, validated with ValidateHeaders.
	Headers map[string]string

	// Body is sent exactly as given and signed as given. Store these same
	// bytes in the delivery history; never re-encode them.
	Body []byte

	// EventType is sent in the event header (default X-HishamOS-Event).
	EventType string

	// DeliveryID is sent in the delivery-id header and, for the standard
	// scheme, as webhook-id. Use the same id on every attempt of one
	// delivery, so receivers can drop duplicates.
	DeliveryID string

	// Secrets are the currently valid signing secrets, newest first. During
	// a rotation overlap, pass the new and the old one: the request then
	// carries a signature for each. With no secret the request is sent
	// unsigned.
	Secrets []Secret

	// Scheme selects the signature headers. Default: SchemeHishamOS.
	Scheme Scheme

	// Timeout bounds the whole exchange: connect, request, response
	// headers and the read of the response body. Default: the sender's
	// default timeout, 30s unless set with WithDefaultTimeout.
	Timeout time.Duration

	// Redact lists values, such as credential header values, that must not
	// come back in Result.Excerpt, Result.Err or the log when a receiver
	// echoes them: each is replaced by RedactedValue, with the first
	// DrainLimit bytes of the response searched. The secrets are
	// always redacted. Values shorter than 4 bytes are left alone.
	Redact []string
}

// RedactedValue replaces a value of Request.Redact, or a secret, that a
// receiver echoed in its response.
const RedactedValue = "[redacted]"

// minRedactLen is the shortest value that Redact replaces: shorter ones
// would mangle ordinary text and guard nothing.
const minRedactLen = 4

// redactions returns the values that the response of req must not carry,
// without repeats.
func (req Request) redactions() []string {
	values := make([]string, 0, len(req.Redact)+len(req.Secrets))
	for _, v := range req.Redact {
		if len(v) >= minRedactLen {
			values = append(values, v)
		}
	}
	for _, sec := range req.Secrets {
		if len(sec) >= minRedactLen {
			values = append(values, string(sec))
		}
	}
	slices.Sort(values)

	return slices.Compact(values)
}

// redact replaces every occurrence of values in s by RedactedValue, with
// occurrences that touch or overlap replaced as one. When cut is set, s is
// the start of a longer text, and a start of a value (4 bytes or more)
// that s ends with is replaced too. Each value is searched for without
// overlap, so the cost stays linear in len(s) per value. A value that
// repeats itself (such as "abab") may leave a few bytes where two of its
// occurrences overlap.
func redact(s string, values []string, cut bool) string {
	var covered []bool
	mark := func(start, end int) {
		if covered == nil {
			covered = make([]bool, len(s))
		}
		for i := start; i < end; i++ {
			covered[i] = true
		}
	}
	for _, v := range values {
		for from := 0; from+len(v) <= len(s); {
			i := strings.Index(s[from:], v)
			if i < 0 {
				break
			}
			mark(from+i, from+i+len(v))
			from += i + len(v)
		}
		if cut {
			for k := min(len(v)-1, len(s)); k >= minRedactLen; k-- {
				if s[len(s)-k:] == v[:k] {
					mark(len(s)-k, len(s))
					break
				}
			}
		}
	}
	if covered == nil {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		if !covered[i] {
			b.WriteByte(s[i])
			i++
			continue
		}
		b.WriteString(RedactedValue)
		for i < len(s) && covered[i] {
			i++
		}
	}

	return b.String()
}

// Result is the outcome of one attempt.
type Result struct {
	// Classification is Success, Retryable or Permanent.
	Classification Classification

	// StatusCode is the response status, or 0 when no response arrived. It
	// is set even when reading the body failed afterwards, and Err then
	// describes the failure.
	StatusCode int

	// Duration is the time from the start of the request to the end of
	// reading the response.
	Duration time.Duration

	// Header holds the response headers of interest: Content-Type,
	// Retry-After, Location and those named with WithResponseHeaders.
	Header http.Header

	// Excerpt is the first ExcerptRunes characters of the response body,
	// with invalid UTF-8 replaced by U+FFFD.
	Excerpt string

	// RetryAfter is the delay the receiver asked for with Retry-After,
	// clamped to the sender's maximum. HasRetryAfter reports whether a
	// valid value was given.
	RetryAfter    time.Duration
	HasRetryAfter bool

	// DisableEndpoint is true after 410 Gone, which means the receiver no
	// longer exists, so the caller should deactivate the endpoint.
	DisableEndpoint bool

	// Err is nil on success. Otherwise Err.Error() is the text to store
	// as the attempt's error message, such as "Request timeout after 30s"
	// or "HTTP 500: <start of body>", and errors.Is matches one of
	// ErrTimeout, ErrHTTPStatus, ErrBlockedDestination, ErrNetwork,
	// ErrInvalidRequest or the caller's context error.
	Err error
}

// Sentinel errors matched by errors.Is on Result.Err.
var (
	ErrTimeout            = errors.New("webhook request timed out")
	ErrHTTPStatus         = errors.New("webhook receiver responded with a non-2xx status")
	ErrBlockedDestination = netguard.ErrBlocked
	ErrNetwork            = errors.New("webhook request failed on the network")
	ErrInvalidRequest     = errors.New("webhook request is invalid")
)

// attemptError carries the stored message text and the sentinel kind.
type attemptError struct {
	msg   string
	kind  error
	cause error
}

func (e *attemptError) Error() string { return e.msg }

func (e *attemptError) Is(target error) bool { return target == e.kind }

func (e *attemptError) Unwrap() error { return e.cause }

// Send makes exactly one HTTP attempt for req and classifies the outcome.
// It never follows a redirect and never retries; the caller schedules the
// next attempt, for example with a Policy. Send is safe for concurrent use.
func (s *Sender) Send(ctx context.Context, req Request) Result {
	timeout := req.Timeout
	if timeout <= 0 {
		timeout = s.defaultTimeout
	}
	attemptCtx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	httpReq, err := s.buildRequest(attemptCtx, req)
	if err != nil {
		return Result{Classification: Permanent, Err: err}
	}

	start := time.Now()
	hidden := req.redactions()
	res := s.exchange(httpReq, hidden)
	res.Duration = time.Since(start)
	if res.Err != nil {
		res.Classification, res.Err = s.classifyError(ctx, attemptCtx, req, timeout, res.Err)
		s.logFailure(ctx, req, res)
		return res
	}

	res.Classification = ClassifyStatus(res.StatusCode)
	if res.Classification != Success {
		msg := fmt.Sprintf("HTTP %d", res.StatusCode)
		if excerpt := strings.TrimSpace(truncateRunes(res.Excerpt, errorExcerptRunes)); excerpt != "" {
			msg += ": " + excerpt
		}
		res.Err = &attemptError{msg: msg, kind: ErrHTTPStatus}
		res.DisableEndpoint = res.StatusCode == http.StatusGone
		s.logFailure(ctx, req, res)
	}

	return res
}

// exchange sends httpReq and reads the response. Result.Err holds a raw
// transport error, classified by the caller.
func (s *Sender) exchange(httpReq *http.Request, hidden []string) Result {
	resp, err := s.client.Do(httpReq)
	if err != nil {
		return Result{Err: err}
	}
	defer resp.Body.Close()

	res := Result{StatusCode: resp.StatusCode, Header: s.selectHeaders(resp.Header)}
	if v := resp.Header.Get("Retry-After"); v != "" {
		res.RetryAfter, res.HasRetryAfter = ParseRetryAfter(v, s.now(), s.maxRetryAfter)
	}

	excerpt, err := readExcerpt(resp.Body, hidden)
	res.Excerpt = excerpt
	if err != nil {
		res.Err = err
	}

	return res
}

// readExcerpt reads at most DrainLimit bytes of body and returns the first
// ExcerptRunes characters, with the hidden values replaced. Reading the rest
// (up to the limit) lets the transport reuse the connection.
func readExcerpt(body io.Reader, hidden []string) (string, error) {
	if len(hidden) == 0 {
		const headBytes = ExcerptRunes * utf8.UTFMax
		head, err := io.ReadAll(io.LimitReader(body, headBytes))
		if err == nil && len(head) == headBytes {
			_, err = io.Copy(io.Discard, io.LimitReader(body, int64(DrainLimit-len(head))))
		}

		return truncateRunes(strings.ToValidUTF8(string(head), "\uFFFD"), ExcerptRunes), err
	}
	// Replacing hidden values shortens the text by any amount, so all
	// that is read is searched. Reading one byte past the limit shows
	// whether the body goes on, and so whether a value may be cut at the end.
	head, err := io.ReadAll(io.LimitReader(body, DrainLimit+1))
	cut := len(head) > DrainLimit
	head = head[:min(len(head), DrainLimit)]
	// Redact before making the text valid UTF-8, so a value cut inside a
	// character still ends the text.
	text := strings.ToValidUTF8(redact(string(head), hidden, cut), "\uFFFD")

	return truncateRunes(text, ExcerptRunes), err
}

func truncateRunes(s string, n int) string {
	i := 0
	for pos := range s {
		if i == n {
			return s[:pos]
		}
		i++
	}

	return s
}

// classifyError maps a transport or body-read error to a classification
// and the stored message.
func (s *Sender) classifyError(parent, attemptCtx context.Context, req Request,
	timeout time.Duration, err error) (Classification, error) {
	switch {
	case errors.Is(err, netguard.ErrBlocked):
		blocked := unwrapBlocked(err)
		return Permanent, &attemptError{msg: blocked.Error(), kind: ErrBlockedDestination, cause: blocked}
	case parent.Err() != nil:
		return Retryable, &attemptError{
			msg:  fmt.Sprintf("request to %s canceled: %v", RedactURL(req.URL), parent.Err()),
			kind: parent.Err(), cause: parent.Err(),
		}
	case errors.Is(attemptCtx.Err(), context.DeadlineExceeded), isTimeout(err):
		return Retryable, &attemptError{msg: TimeoutMessage(timeout), kind: ErrTimeout}
	}

	return Retryable, &attemptError{
		msg:  fmt.Sprintf("request to %s failed: %s", RedactURL(req.URL), describeNetError(err)),
		kind: ErrNetwork, cause: err,
	}
}

func unwrapBlocked(err error) error {
	var be *netguard.BlockedError
	if errors.As(err, &be) {
		return be
	}

	return err
}

func isTimeout(err error) bool {
	var t interface{ Timeout() bool }
	return errors.As(err, &t) && t.Timeout()
}

// describeNetError drops the *url.Error wrapper, whose text repeats the
// full URL with its path and query.
func describeNetError(err error) string {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err.Error()
	}

	return err.Error()
}

// TimeoutMessage returns the stored error text of a timed-out attempt,
// "Request timeout after <seconds>s", such as "Request timeout after 30s".
func TimeoutMessage(timeout time.Duration) string {
	return "Request timeout after " + strconv.FormatFloat(timeout.Seconds(), 'f', -1, 64) + "s"
}

func (s *Sender) buildRequest(ctx context.Context, req Request) (*http.Request, error) {
	invalid := func(format string, args ...any) error {
		msg := fmt.Sprintf(format, args...)
		return &attemptError{msg: msg, kind: ErrInvalidRequest}
	}
	if err := s.urlRules.Validate(req.URL); err != nil {
		return nil, invalid("%v", err)
	}
	method := strings.ToUpper(req.Method)
	switch method {
	case "":
		method = http.MethodPost
	case http.MethodPost, http.MethodPut, http.MethodPatch:
	default:
		return nil, invalid("webhook: method %q is not allowed: use POST, PUT or PATCH", req.Method)
	}
	if len(req.Headers) > 0 {
		if err := ValidateHeaders(req.Headers, s.names); err != nil {
			return nil, invalid("%v", err)
		}
	}

	httpReq, err := http.NewRequestWithContext(ctx, method, req.URL, bytes.NewReader(req.Body))
	if err != nil {
		return nil, invalid("webhook: build request to %s: invalid URL", RedactURL(req.URL))
	}
	// The keys are canonical already, so they are set without Header.Set.
	h := httpReq.Header
	h["Content-Type"] = []string{"application/json"}
	h["User-Agent"] = []string{s.userAgent}
	for k, v := range req.Headers {
		h.Set(k, v)
	}
	if req.EventType != "" {
		h[s.canonical.Event] = []string{req.EventType}
	}
	if req.DeliveryID != "" {
		h[s.canonical.DeliveryID] = []string{req.DeliveryID}
	}
	if req.DeliveryID == "" && req.Scheme.standard() && len(req.Secrets) > 0 {
		return nil, invalid("webhook: the %s signature scheme needs a delivery id for webhook-id", req.Scheme)
	}
	if err := signHeaders(h, s.canonical, req.Scheme, req.Secrets, req.DeliveryID, s.now(), req.Body); err != nil {
		return nil, invalid("%v", err)
	}

	return httpReq, nil
}

func (s *Sender) selectHeaders(h http.Header) http.Header {
	out := http.Header{}
	for _, name := range s.responseHeaders {
		if vs := h.Values(name); len(vs) > 0 {
			out[http.CanonicalHeaderKey(name)] = append([]string(nil), vs...)
		}
	}

	return out
}

func (s *Sender) logFailure(ctx context.Context, req Request, res Result) {
	s.logger.DebugContext(ctx, "webhook attempt failed",
		"delivery_id", req.DeliveryID,
		"url", RedactURL(req.URL),
		"status_code", res.StatusCode,
		"classification", res.Classification.String(),
		"error", res.Err.Error())
}
