package email

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/textproto"
	"strconv"
	"strings"
	"time"

	gomail "github.com/wneessen/go-mail"
)

// Error is returned by every Send that fails: the SMTP server rejected the
// message, the connection failed or timed out, or the message was invalid,
// in which case Err wraps [ErrInvalidMessage]. go-mail puts no credentials
// in its errors, and Send also masks the password (when four bytes or
// longer) in every string of an Error.
type Error struct {
	// Op is the operation that failed: "send", or "compose" for an invalid
	// message.
	Op string

	// Code is the SMTP reply text, such as "550 5.1.1 mailbox unavailable",
	// or "" when the server sent no reply.
	Code string

	// StatusCode is the SMTP reply code, such as 550; 0 without a reply.
	StatusCode int

	// Retryable reports that a later attempt may succeed: a 4xx reply, a
	// network failure or a timeout.
	Retryable bool

	// RateLimited is always false: SMTP has no rate-limit reply distinct
	// from other 4xx replies. It exists so all service errors share a shape.
	RateLimited bool

	// Timeout reports that the send timed out, by Config.Timeout or the
	// context's deadline.
	Timeout bool

	// AuthFailed reports that the server rejected the credentials (535).
	AuthFailed bool

	// RetryAfter is always 0: SMTP replies carry no wait time.
	RetryAfter time.Duration

	// Err is the underlying cause, free of secrets; may be nil.
	Err error

	reason string
}

// Error returns "SMTP API error: <reason>", where the reason is the
// server's reply or what failed on the way to it.
func (e *Error) Error() string {
	reason := e.reason
	if reason == "" {
		reason = e.Code
	}
	if reason == "" && e.Err != nil {
		reason = e.Err.Error()
	}

	return "SMTP API error: " + reason
}

// Unwrap returns the underlying cause.
func (e *Error) Unwrap() error { return e.Err }

// classify turns a failed send into an *Error. connTimedOut reports that a
// read or write on the connection hit its deadline.
func (s *Sender) classify(ctx context.Context, err error, connTimedOut bool) *Error {
	e := s.describe(ctx, err, connTimedOut)
	e.Op = "send"
	e.reason = s.redact(e.reason)
	e.Code = s.redact(e.Code)
	if e.Err != nil {
		if text := e.Err.Error(); s.redact(text) != text {
			e.Err = errors.New(s.redact(text))
		}
	}

	return e
}

func (s *Sender) describe(ctx context.Context, err error, connTimedOut bool) *Error {
	var sendErr *gomail.SendError
	hasSendErr := errors.As(err, &sendErr)
	phase := "connecting"
	if hasSendErr {
		phase = sendErr.Reason.String()
	}

	// A server reply decides first: it arrived before any deadline.
	if hasSendErr && sendErr.ErrorCode() != 0 {
		return describeSendError(sendErr, err)
	}
	var reply *textproto.Error
	if !hasSendErr && errors.As(err, &reply) {
		return replyError(reply.Code, fmt.Sprintf("%03d %s", reply.Code, cleanHeaderValue(reply.Msg)), err)
	}

	switch {
	case errors.Is(ctx.Err(), context.DeadlineExceeded):
		return &Error{Timeout: true, Retryable: true, Err: err,
			reason: fmt.Sprintf("send timed out while %s: context deadline exceeded", phase)}
	case errors.Is(ctx.Err(), context.Canceled):
		return &Error{Retryable: true, Err: err, reason: "send canceled while " + phase}
	case connTimedOut || isTimeout(err):
		return &Error{Timeout: true, Retryable: true, Err: err,
			reason: fmt.Sprintf("request timed out after %s while %s", s.cfg.Timeout, phase)}
	case hasSendErr:
		return describeSendError(sendErr, err)
	}

	return describeConnError(err, s.cfg.Host)
}

// describeSendError maps an error go-mail returned during the mail
// transaction. IsTemp decides between retryable (4xx) and permanent.
func describeSendError(sendErr *gomail.SendError, err error) *Error {
	code := sendErr.ErrorCode()
	if code == 0 {
		// No reply: the connection broke, or go-mail rejected the message
		// before sending it.
		switch sendErr.Reason {
		case gomail.ErrGetSender, gomail.ErrGetRcpts, gomail.ErrNoUnencoded:
			return &Error{Err: err, reason: sendErr.Error()}
		}
		return &Error{Retryable: true, Err: err, reason: sendErr.Error()}
	}

	e := replyError(code, replyText(sendErr.Error(), code), err)
	e.Retryable = sendErr.IsTemp()

	return e
}

func replyError(code int, text string, err error) *Error {
	return &Error{
		Code:       text,
		StatusCode: code,
		Retryable:  code >= 400 && code < 500,
		AuthFailed: code == 535,
		Err:        err,
	}
}

// replyText cuts the server's reply, such as "550 5.1.1 mailbox
// unavailable", out of a go-mail SendError message, which adds the phase
// before it and the recipients and message ID after it. Since Go 1.26
// net/textproto quotes the reply text, so a quoted text is unquoted and
// cleaned of control characters.
func replyText(message string, code int) string {
	prefix := strconv.Itoa(code) + " "
	start := strings.Index(message, prefix)
	if start < 0 {
		return strconv.Itoa(code)
	}
	text := message[start+len(prefix):]

	if quoted, err := strconv.QuotedPrefix(text); err == nil {
		if unquoted, err := strconv.Unquote(quoted); err == nil {
			return prefix + cleanHeaderValue(unquoted)
		}
	}
	for _, suffix := range []string{", affected recipient(s): ", ", affected message ID: "} {
		if i := strings.Index(text, suffix); i >= 0 {
			text = text[:i]
		}
	}

	return prefix + cleanHeaderValue(text)
}

// describeConnError maps a failure before the mail transaction that came
// with no SMTP reply.
func describeConnError(err error, host string) *Error {
	var unknownAuthority x509.UnknownAuthorityError
	var hostnameErr x509.HostnameError
	var verifyErr *tls.CertificateVerificationError
	var recordErr tls.RecordHeaderError
	var opErr *net.OpError

	switch {
	case errors.As(err, &unknownAuthority), errors.As(err, &hostnameErr), errors.As(err, &verifyErr):
		return &Error{Err: err, reason: fmt.Sprintf(
			"TLS certificate of %s not trusted: %v; set Config.TLSConfig.RootCAs", host, err)}
	case errors.As(err, &recordErr):
		return &Error{Err: err, reason: fmt.Sprintf(
			"TLS handshake with %s failed: the server did not respond with TLS; check Config.TLSPolicy and Config.Port", host)}
	case errors.As(err, &opErr):
		return &Error{Retryable: true, Err: err, reason: "connection failed: " + opErr.Error()}
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return &Error{Retryable: true, Err: err, reason: "connection closed by the server: " + err.Error()}
	}

	return &Error{Err: err, reason: err.Error()}
}

func isTimeout(err error) bool {
	var netErr net.Error
	if errors.As(err, &netErr) && netErr.Timeout() {
		return true
	}

	return errors.Is(err, context.DeadlineExceeded)
}

// redact replaces the password in s by a mask. Passwords shorter than four
// bytes are not searched for, because masking them would garble ordinary
// words while revealing little.
func (s *Sender) redact(text string) string {
	pw := string(s.cfg.Password)
	if len(pw) < 4 {
		return text
	}

	return strings.ReplaceAll(text, pw, passwordMask)
}
