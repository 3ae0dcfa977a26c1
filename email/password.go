package email

import (
	"fmt"
	"log/slog"
)

// passwordMask is the text a Password prints in place of its value.
const passwordMask = "[redacted]"

// Password is an SMTP password. It prints as a mask with fmt (every verb),
// encoding/json, encoding.TextMarshaler and log/slog, so a Config can be
// logged without leaking it.
type Password string

// String returns a mask, or "" when the password is empty.
func (p Password) String() string {
	if p == "" {
		return ""
	}

	return passwordMask
}

// GoString returns a mask for the %#v verb.
func (p Password) GoString() string { return `email.Password("` + p.String() + `")` }

// Format prints the mask for every fmt verb, including %x and %q.
func (p Password) Format(f fmt.State, verb rune) {
	if verb == 'v' && f.Flag('#') {
		_, _ = f.Write([]byte(p.GoString()))
		return
	}
	_, _ = f.Write([]byte(p.String()))
}

// MarshalText encodes the mask, never the value.
func (p Password) MarshalText() ([]byte, error) { return []byte(p.String()), nil }

// LogValue logs the mask, never the value.
func (p Password) LogValue() slog.Value { return slog.StringValue(p.String()) }
