package webhook

import (
	"fmt"
	"net/http"
	"sort"
	"strings"
)

// HeaderError reports an invalid custom header. Problem is a short phrase
// an API can show next to the field.
type HeaderError struct {
	Name    string // the header name as configured
	Problem string
}

// Error describes the header and the problem.
func (e *HeaderError) Error() string {
	return fmt.Sprintf("webhook: custom header %q %s", e.Name, e.Problem)
}

// hopByHop are headers that describe one connection, not the request, so
// a custom value would break the exchange.
var hopByHop = []string{"Connection", "Keep-Alive", "Proxy-Connection", "TE", "Trailer", "Upgrade"}

// ReservedHeaders returns the header names a custom header may not set
// when the hishamos scheme uses names: Host, Content-Length,
// Transfer-Encoding, the hop-by-hop headers, the signature, event and
// delivery-id headers and the Standard Webhooks headers. Names are in
// canonical form.
func ReservedHeaders(names HeaderNames) []string {
	names = names.orDefault()
	reserved := []string{
		"Host", "Content-Length", "Transfer-Encoding",
		names.Signature, names.Event, names.DeliveryID,
		HeaderWebhookID, HeaderWebhookTimestamp, HeaderWebhookSignature,
	}
	reserved = append(reserved, hopByHop...)
	for i, n := range reserved {
		reserved[i] = http.CanonicalHeaderKey(n)
	}

	return reserved
}

// ValidateHeaders checks custom request headers at configuration time: a
// name must be an HTTP token, a value must not contain CR, LF or NUL, and
// no reserved name (see ReservedHeaders) may be set. The zero HeaderNames
// means the default X-HishamOS-* names. It returns the first problem, as a
// *HeaderError, checking names in sorted order.
func ValidateHeaders(headers map[string]string, names HeaderNames) error {
	reserved := ReservedHeaders(names)
	keys := make([]string, 0, len(headers))
	for k := range headers {
		keys = append(keys, k)
	}
	sort.Strings(keys)

	for _, name := range keys {
		switch {
		case name == "":
			return &HeaderError{Name: name, Problem: "has an empty name"}
		case !isToken(name):
			return &HeaderError{Name: name, Problem: "is not a valid header name: use letters, digits and -"}
		case containsFold(reserved, name):
			return &HeaderError{Name: name, Problem: "is reserved and set by the library"}
		case strings.ContainsAny(headers[name], "\r\n\x00"):
			return &HeaderError{Name: name, Problem: "has a value containing CR, LF or NUL"}
		}
	}

	return nil
}

func containsFold(list []string, s string) bool {
	for _, v := range list {
		if strings.EqualFold(v, s) {
			return true
		}
	}

	return false
}

// isToken reports whether s is an RFC 9110 token.
func isToken(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		case strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0:
		default:
			return false
		}
	}

	return s != ""
}
