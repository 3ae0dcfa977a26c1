package integrations

import (
	"errors"
	"maps"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/hishamos/integrations-external/webhook"
)

const (
	maxHeaders          = 20
	maxHeaderNameLength = 100
	maxHeaderValueBytes = 1000
)

// checkHeaders validates custom webhook request headers: the count and
// sizes here, then names, values and the reserved names (the signature,
// event and delivery headers, framing headers) with webhook.ValidateHeaders.
// setByRequest reports whether the request set the headers. Only then are
// a leftover mask and a name repeated in another case errors, so an
// endpoint stored before those rules can still be changed in other fields.
func checkHeaders(f fieldErrors, headers map[string]string, names webhook.HeaderNames, setByRequest bool) {
	if len(headers) > maxHeaders {
		f.add("headers", "must have at most "+strconv.Itoa(maxHeaders)+" entries")
		return
	}
	for name, value := range headers {
		canonical := http.CanonicalHeaderKey(name)
		switch {
		case name == "" || len(name) > maxHeaderNameLength || !isToken(name):
			f.add("headers", "header names must be 1 to 100 letters, digits or !#$%&'*+-.^_`|~")
		case len(value) > maxHeaderValueBytes:
			f.add("headers", "header "+canonical+" value must be at most "+strconv.Itoa(maxHeaderValueBytes)+" bytes")
		case setByRequest && value == MaskedHeaderValue:
			// mergeHeaders replaced every mask that has a stored value.
			f.add("headers", "header "+canonical+" is "+MaskedHeaderValue+", which keeps a stored value, "+
				"but the endpoint has no stored "+canonical+" header: send the real value")
		case strings.ContainsAny(value, "\r\n\x00") || hasControlExceptTab(value):
			f.add("headers", "header "+canonical+" value must not contain line breaks or control characters")
		}
	}
	if len(f) > 0 {
		return
	}
	if setByRequest {
		spelled := map[string]string{}
		for _, name := range slices.Sorted(maps.Keys(headers)) {
			canonical := http.CanonicalHeaderKey(name)
			if first, ok := spelled[canonical]; ok {
				f.add("headers", "header "+canonical+" is given twice, as "+first+" and "+name+
					": header names ignore case, so keep one")
				return
			}
			spelled[canonical] = name
		}
	}
	var herr *webhook.HeaderError
	if err := webhook.ValidateHeaders(headers, names); errors.As(err, &herr) {
		f.add("headers", "header "+herr.Name+": "+herr.Problem)
	} else if err != nil {
		f.add("headers", "are invalid: "+err.Error())
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
