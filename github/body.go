package github

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

const (
	// MaxIssueBody is GitHub's limit on an issue body, in characters.
	MaxIssueBody = 65536

	// TruncationMarker ends a body that was cut to fit MaxIssueBody.
	TruncationMarker = "\n\n… (truncated)"

	maxDedupeKey = 200
)

// dedupeMarker is the hidden HTML comment that carries a dedupe key in an
// issue body. GitHub does not render it, and the body keeps it verbatim.
func dedupeMarker(key string) string {
	return fmt.Sprintf("<!-- integrations-external dedupe-key: %s -->", key)
}

// validateDedupeKey accepts keys that cannot end the HTML comment early or
// span lines: printable ASCII without "<", ">" or "--".
func validateDedupeKey(key string) error {
	if len(key) > maxDedupeKey {
		return fmt.Errorf("%w: dedupe key is %d bytes, max %d",
			ErrInvalidRequest, len(key), maxDedupeKey)
	}
	for _, r := range key {
		if r < '!' || r > '~' || r == '<' || r == '>' {
			return fmt.Errorf("%w: dedupe key %q contains %q; use printable ASCII "+
				"without spaces, < or >", ErrInvalidRequest, key, r)
		}
	}
	if strings.Contains(key, "--") {
		return fmt.Errorf("%w: dedupe key %q contains \"--\", which would end the "+
			"hidden HTML comment", ErrInvalidRequest, key)
	}

	return nil
}

// buildIssueBody appends the dedupe marker, when a key is given, and cuts the
// text on a rune boundary so that the whole body, marker included, is at most
// MaxIssueBody characters. A cut text ends with TruncationMarker.
func buildIssueBody(text, key string) string {
	suffix := ""
	if key != "" {
		suffix = "\n\n" + dedupeMarker(key)
	}

	budget := MaxIssueBody - utf8.RuneCountInString(suffix)
	if utf8.RuneCountInString(text) > budget {
		// A cut inside a code block would leave it open, and the marker
		// after it would show as text, so the block is closed first.
		const fenceEnd = "\n```"
		keep := budget - utf8.RuneCountInString(TruncationMarker)
		cut := cutRunes(text, keep)
		if strings.Count(cut, "```")%2 == 1 {
			cut = cutRunes(text, keep-len(fenceEnd))
			if strings.Count(cut, "```")%2 == 1 {
				cut += fenceEnd
			}
		}
		text = cut + TruncationMarker
	}

	return text + suffix
}

// cutRunes returns the first n runes of s.
func cutRunes(s string, n int) string {
	count := 0
	for i := range s {
		if count == n {
			return s[:i]
		}
		count++
	}

	return s
}
