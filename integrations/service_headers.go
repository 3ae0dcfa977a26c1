package integrations

import (
	"net/http"
	"strings"
)

// MaskedHeaderValue replaces the value of a credential-like custom header
// in API responses. Sending it back unchanged in an update keeps the stored
// value, so a client can PUT what it read.
const MaskedHeaderValue = "[redacted]"

// credentialHeaderWords mark header names whose values are credentials.
var credentialHeaderWords = []string{"authorization", "token", "secret", "key", "cookie", "password", "passwd", "pwd",
	"auth", "signature", "credential", "session"}

// IsCredentialHeader reports whether a custom header's value should be
// masked in responses, such as Authorization or X-Api-Key.
func IsCredentialHeader(name string) bool {
	lower := strings.ToLower(name)
	for _, w := range credentialHeaderWords {
		if strings.Contains(lower, w) {
			return true
		}
	}

	return false
}

// credentialValues returns the values of the credential headers among
// headers, which a receiver's response must not carry back.
func credentialValues(headers map[string]string) []string {
	var values []string
	for name, value := range headers {
		if !IsCredentialHeader(name) {
			continue
		}
		values = append(values, value, strings.TrimSpace(value))
		if strings.Contains(strings.ToLower(name), "cookie") {
			// "a=1; b=2": each cookie, and each value, may come back alone.
			for part := range strings.SplitSeq(value, ";") {
				part = strings.TrimSpace(part)
				_, v, _ := strings.Cut(part, "=")
				values = append(values, part, v)
			}
			continue
		}
		// "Bearer <token>": a receiver may echo the token alone. The
		// scheme word is no secret, so it is not replaced on its own.
		if fields := strings.Fields(value); len(fields) > 1 {
			values = append(values, strings.Join(fields[1:], " "))
			values = append(values, fields[1:]...)
		}
	}

	return values
}

// mergeHeaders returns the new header map: each value equal to
// MaskedHeaderValue keeps the stored value of the same header.
func mergeHeaders(stored, given map[string]string) map[string]string {
	out := make(map[string]string, len(given))
	for name, value := range given {
		if value == MaskedHeaderValue {
			if old, ok := lookupHeader(stored, name); ok {
				value = old
			}
		}
		out[name] = value
	}

	return out
}

func lookupHeader(headers map[string]string, name string) (string, bool) {
	canonical := http.CanonicalHeaderKey(name)
	for k, v := range headers {
		if http.CanonicalHeaderKey(k) == canonical {
			return v, true
		}
	}

	return "", false
}
