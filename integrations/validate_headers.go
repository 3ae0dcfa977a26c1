package integrations

import (
	"net/http"
	"strconv"
	"strings"
)

const (
	maxHeaders          = 20
	maxHeaderNameLength = 100
	maxHeaderValueBytes = 1000
)

// reservedHeaders are set by the library or by net/http on every webhook
// request; a custom header may not replace them, so a user cannot forge a
// signature or break the framing.
var reservedHeaders = map[string]bool{
	"Host":                true,
	"Content-Length":      true,
	"Content-Type":        true,
	"Transfer-Encoding":   true,
	"Connection":          true,
	"Upgrade":             true,
	"Te":                  true,
	"Trailer":             true,
	"Keep-Alive":          true,
	"Proxy-Connection":    true,
	"Proxy-Authorization": true,
	"User-Agent":          true,
	"Webhook-Id":          true,
	"Webhook-Timestamp":   true,
	"Webhook-Signature":   true,
}

// checkHeaders validates custom webhook request headers.
func checkHeaders(f fieldErrors, headers map[string]string) {
	if len(headers) > maxHeaders {
		f.add("headers", "must have at most "+strconv.Itoa(maxHeaders)+" entries")
		return
	}
	for name, value := range headers {
		canonical := http.CanonicalHeaderKey(name)
		switch {
		case name == "" || len(name) > maxHeaderNameLength || !isToken(name):
			f.add("headers", "header names must be 1 to 100 letters, digits or !#$%&'*+-.^_`|~")
		case reservedHeaders[canonical] || strings.HasPrefix(canonical, "X-Hishamos-"):
			f.add("headers", "header "+canonical+" is set by the library and cannot be overridden")
		case len(value) > maxHeaderValueBytes:
			f.add("headers", "header "+canonical+" value must be at most "+strconv.Itoa(maxHeaderValueBytes)+" bytes")
		case strings.ContainsAny(value, "\r\n\x00") || hasControlExceptTab(value):
			f.add("headers", "header "+canonical+" value must not contain line breaks or control characters")
		}
	}
}

// isToken reports whether s is an HTTP token (RFC 9110, section 5.6.2).
func isToken(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		isAlnum := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
		if !isAlnum && !strings.ContainsRune("!#$%&'*+-.^_`|~", rune(c)) {
			return false
		}
	}

	return true
}

func hasControlExceptTab(s string) bool {
	return strings.ContainsFunc(s, func(r rune) bool { return r != '\t' && (r < 0x20 || r == 0x7f) })
}
