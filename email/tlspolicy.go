package email

import "fmt"

// TLSPolicy selects how the connection to the SMTP server is encrypted. The
// four names are the values accepted in configuration, flags and the API.
type TLSPolicy string

// TLS policies.
const (
	// TLSNone sends in plain text and never issues STARTTLS.
	TLSNone TLSPolicy = "none"

	// TLSOpportunistic upgrades with STARTTLS when the server offers it and
	// sends in plain text otherwise. A failed STARTTLS handshake fails the
	// send: it never falls back to plain text.
	TLSOpportunistic TLSPolicy = "opportunistic"

	// TLSStartTLS requires STARTTLS and fails when the server does not
	// offer it (usually port 587).
	TLSStartTLS TLSPolicy = "starttls"

	// TLSImplicit speaks TLS from the first byte (usually port 465).
	TLSImplicit TLSPolicy = "tls"
)

// ParseTLSPolicy returns the policy named s, one of "none",
// "opportunistic", "starttls" or "tls".
func ParseTLSPolicy(s string) (TLSPolicy, error) {
	p := TLSPolicy(s)
	if err := p.Validate(); err != nil {
		return "", err
	}

	return p, nil
}

// Validate returns an error unless p is one of the four policy names.
func (p TLSPolicy) Validate() error {
	switch p {
	case TLSNone, TLSOpportunistic, TLSStartTLS, TLSImplicit:
		return nil
	}

	return fmt.Errorf("email: invalid TLS policy %q: use none, opportunistic, starttls or tls", string(p))
}

// String returns the policy name.
func (p TLSPolicy) String() string { return string(p) }

// Set parses s into p, so a *TLSPolicy is a [flag.Value].
func (p *TLSPolicy) Set(s string) error {
	parsed, err := ParseTLSPolicy(s)
	if err != nil {
		return err
	}
	*p = parsed

	return nil
}

// UnmarshalText parses the policy name, for encoding/json and other
// text decoders.
func (p *TLSPolicy) UnmarshalText(text []byte) error { return p.Set(string(text)) }

// MarshalText returns the policy name.
func (p TLSPolicy) MarshalText() ([]byte, error) { return []byte(p), nil }
