package webhook

import (
	"crypto/hmac"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Verification failures, matched with errors.Is on the error Verify
// returns (a *VerifyError).
var (
	ErrMissingSignature   = errors.New("signature header missing")
	ErrMalformedSignature = errors.New("signature header malformed")
	ErrSignatureMismatch  = errors.New("signature does not match")
	ErrTimestampTooOld    = errors.New("timestamp too old")
	ErrTimestampTooNew    = errors.New("timestamp too far in the future")
	ErrNoSecrets          = errors.New("verifier has no secrets")
)

// VerifyError reports why a request failed verification. It never
// contains a secret or an expected signature.
type VerifyError struct {
	Header string // the header that failed, such as X-HishamOS-Signature
	Err    error  // one of the Err... sentinels above
}

// Error returns the header and the reason.
func (e *VerifyError) Error() string {
	if e.Header == "" {
		return "webhook: verify: " + e.Err.Error()
	}

	return fmt.Sprintf("webhook: verify %s: %v", e.Header, e.Err)
}

// Unwrap returns the sentinel.
func (e *VerifyError) Unwrap() error { return e.Err }

// DefaultTolerance is how far a Standard Webhooks timestamp may be from
// the receiver's clock, in either direction.
const DefaultTolerance = 5 * time.Minute

// DefaultMaxBodyBytes is the body limit of Verifier.Middleware.
const DefaultMaxBodyBytes = 1 << 20

// Verifier checks signatures on the receiving side. Fill the fields and
// use it by value or pointer; it is safe for concurrent use once built.
type Verifier struct {
	// Secrets are the accepted secrets; a request verifies when its
	// signature matches any of them. Required.
	Secrets []Secret

	// Scheme is the scheme the sender uses. With SchemeBoth each set of
	// signature headers present must verify, and at least one must be
	// present. Default: SchemeHishamOS.
	Scheme Scheme

	// HeaderNames are the sender's product header names. Default: the
	// X-HishamOS-* names.
	HeaderNames HeaderNames

	// Tolerance bounds the age of a Standard Webhooks timestamp in both
	// directions. Default: DefaultTolerance (5 minutes).
	Tolerance time.Duration

	// MaxBodyBytes limits the body Middleware reads. Default:
	// DefaultMaxBodyBytes (1 MiB).
	MaxBodyBytes int64

	// Now returns the current time. Default: time.Now.
	Now func() time.Time
}

// Verify checks the signature of a hishamos-scheme request with one
// secret. It is a shorthand for Verifier{Secrets: ...}.Verify.
func Verify(secret Secret, header http.Header, body []byte) error {
	return Verifier{Secrets: []Secret{secret}}.Verify(header, body)
}

// Verify checks the signature headers in header against body, the exact
// bytes received. Comparisons take constant time. It returns nil or a
// *VerifyError.
func (v Verifier) Verify(header http.Header, body []byte) error {
	if len(v.Secrets) == 0 {
		return &VerifyError{Err: ErrNoSecrets}
	}
	names := v.HeaderNames.orDefault()

	switch v.Scheme {
	case SchemeStandard:
		return v.verifyStandard(header, body)
	case SchemeBoth:
		hasLegacy := header.Get(names.Signature) != ""
		hasStandard := header.Get(HeaderWebhookSignature) != ""
		if !hasLegacy && !hasStandard {
			return &VerifyError{Header: names.Signature, Err: ErrMissingSignature}
		}
		if hasLegacy {
			if err := v.verifyLegacy(header, body, names.Signature); err != nil {
				return err
			}
		}
		if hasStandard {
			return v.verifyStandard(header, body)
		}
		return nil
	}

	return v.verifyLegacy(header, body, names.Signature)
}

func (v Verifier) verifyLegacy(header http.Header, body []byte, name string) error {
	values := header.Values(name)
	if len(values) == 0 {
		return &VerifyError{Header: name, Err: ErrMissingSignature}
	}

	var sigs [][]byte
	for _, value := range values {
		for _, part := range strings.Split(value, ",") {
			hexSig, ok := strings.CutPrefix(strings.TrimSpace(part), "sha256=")
			if !ok {
				return &VerifyError{Header: name, Err: ErrMalformedSignature}
			}
			sig, err := hex.DecodeString(hexSig)
			if err != nil || len(sig) != 32 {
				return &VerifyError{Header: name, Err: ErrMalformedSignature}
			}
			sigs = append(sigs, sig)
		}
	}

	for _, secret := range v.Secrets {
		want, _ := hex.DecodeString(strings.TrimPrefix(SignHishamOS(secret, body), "sha256="))
		for _, sig := range sigs {
			if hmac.Equal(sig, want) {
				return nil
			}
		}
	}

	return &VerifyError{Header: name, Err: ErrSignatureMismatch}
}

func (v Verifier) verifyStandard(header http.Header, body []byte) error {
	id := header.Get(HeaderWebhookID)
	tsText := header.Get(HeaderWebhookTimestamp)
	sigText := header.Get(HeaderWebhookSignature)
	for _, h := range [...]struct{ name, value string }{
		{HeaderWebhookID, id}, {HeaderWebhookTimestamp, tsText}, {HeaderWebhookSignature, sigText},
	} {
		if h.value == "" {
			return &VerifyError{Header: h.name, Err: ErrMissingSignature}
		}
	}

	unix, err := strconv.ParseInt(tsText, 10, 64)
	if err != nil {
		return &VerifyError{Header: HeaderWebhookTimestamp, Err: ErrMalformedSignature}
	}
	if err := v.checkTimestamp(unix); err != nil {
		return err
	}

	var sigs [][]byte
	for _, part := range strings.Fields(sigText) {
		version, encoded, ok := strings.Cut(part, ",")
		if !ok {
			return &VerifyError{Header: HeaderWebhookSignature, Err: ErrMalformedSignature}
		}
		if version != "v1" {
			continue // other versions (v1a: asymmetric) are not ours to check
		}
		sig, err := base64.StdEncoding.DecodeString(encoded)
		if err != nil {
			return &VerifyError{Header: HeaderWebhookSignature, Err: ErrMalformedSignature}
		}
		sigs = append(sigs, sig)
	}

	for _, secret := range v.Secrets {
		key, err := standardKey(secret)
		if err != nil {
			continue
		}
		want := standardMAC(key, id, unix, body)
		for _, sig := range sigs {
			if hmac.Equal(sig, want) {
				return nil
			}
		}
	}

	return &VerifyError{Header: HeaderWebhookSignature, Err: ErrSignatureMismatch}
}

func (v Verifier) checkTimestamp(unix int64) error {
	tolerance := v.Tolerance
	if tolerance <= 0 {
		tolerance = DefaultTolerance
	}
	now := time.Now
	if v.Now != nil {
		now = v.Now
	}
	ts := time.Unix(unix, 0)
	switch t := now(); {
	case ts.Before(t.Add(-tolerance)):
		return &VerifyError{Header: HeaderWebhookTimestamp, Err: ErrTimestampTooOld}
	case ts.After(t.Add(tolerance)):
		return &VerifyError{Header: HeaderWebhookTimestamp, Err: ErrTimestampTooNew}
	}

	return nil
}
