package store

import (
	"encoding/json"
	"fmt"
	"log/slog"
)

// secretMask is what a Secret prints in place of its value.
const secretMask = "[redacted]"

// Secret is a token, password or signing secret. It prints as a mask with
// fmt (every verb), encoding/json, encoding.TextMarshaler and log/slog, so a
// record can be logged or dumped without leaking it. Call [Secret.Reveal]
// at the one place that needs the value. The zero Secret is unset.
type Secret struct {
	value string
}

// NewSecret wraps value. An empty value gives an unset Secret.
func NewSecret(value string) Secret { return Secret{value: value} }

// Reveal returns the secret value. Never log or return it to an API caller.
func (s Secret) Reveal() string { return s.value }

// IsSet reports whether the secret has a non-empty value.
func (s Secret) IsSet() bool { return s.value != "" }

// Equal reports whether s and other hold the same value.
func (s Secret) Equal(other Secret) bool { return s.value == other.value }

// String returns a mask, or "" when the secret is unset.
func (s Secret) String() string {
	if s.value == "" {
		return ""
	}

	return secretMask
}

// GoString returns a mask for the %#v verb.
func (s Secret) GoString() string { return `store.Secret("` + s.String() + `")` }

// Format prints the mask for every fmt verb, including %x and %q.
func (s Secret) Format(f fmt.State, verb rune) {
	if verb == 'v' && f.Flag('#') {
		_, _ = f.Write([]byte(s.GoString()))
		return
	}
	_, _ = f.Write([]byte(s.String()))
}

// MarshalJSON encodes the mask, never the value.
func (s Secret) MarshalJSON() ([]byte, error) { return json.Marshal(s.String()) }

// MarshalText encodes the mask, never the value.
func (s Secret) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// LogValue logs the mask, never the value.
func (s Secret) LogValue() slog.Value { return slog.StringValue(s.String()) }
