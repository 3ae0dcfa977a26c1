package slack

import (
	"strings"
	"unicode/utf16"
)

// TruncationMarker ends any text this package had to cut to fit Slack's
// limits.
const TruncationMarker = "…(truncated)"

// Escape returns s with the three characters that Slack's mrkdwn treats as
// control characters replaced by entities: & by &amp;, < by &lt; and > by
// &gt;. Escaped text cannot mention (<!channel>, <@U123>) or form a link
// (<https://x|y>). An entity already present (&amp;, &lt;, &gt;) is kept,
// so escaping twice gives the same text as escaping once.
func Escape(s string) string {
	if !strings.ContainsAny(s, "&<>") {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 16)
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '<':
			b.WriteString("&lt;")
		case '>':
			b.WriteString("&gt;")
		case '&':
			if entityAt(s, i) == 0 {
				b.WriteString("&amp;")
			} else {
				b.WriteByte('&')
			}
		default:
			b.WriteByte(s[i])
		}
	}

	return b.String()
}

// entities are the only entities Slack decodes in mrkdwn.
var entities = []string{"&amp;", "&lt;", "&gt;"}

// entityAt returns the length of the entity starting at s[i], or 0.
func entityAt(s string, i int) int {
	for _, e := range entities {
		if strings.HasPrefix(s[i:], e) {
			return len(e)
		}
	}

	return 0
}

// escapeInline escapes a single-line value: line breaks become spaces.
func escapeInline(s string) string {
	s = strings.NewReplacer("\r\n", " ", "\r", " ", "\n", " ").Replace(s)

	return Escape(s)
}

// escapeBold escapes a value shown between asterisks. An asterisk inside
// would end the bold span early, so it becomes U+2217 (∗), which looks the
// same. Underscores stay: names such as run_tests are common, and Slack
// reads an underscore as italics only at a word boundary.
func escapeBold(s string) string {
	return strings.ReplaceAll(escapeInline(s), "*", "∗")
}

// escapeCode escapes a value shown between backticks, where a backtick
// would end the code span early, so it becomes an apostrophe.
func escapeCode(s string) string {
	return strings.ReplaceAll(escapeInline(s), "`", "'")
}

// textLength counts s in UTF-16 code units, the unit Slack's limits are
// safest read in: it is never less than the number of runes.
func textLength(s string) int {
	n := 0
	for _, r := range s {
		n += utf16.RuneLen(r)
	}

	return n
}

// Truncate returns s unchanged when it fits in limit UTF-16 code units.
// Otherwise it cuts s on a rune boundary, never inside an entity such as
// &amp;, and appends [TruncationMarker] so the result fits in limit.
func Truncate(s string, limit int) string {
	if textLength(s) <= limit {
		return s
	}
	room := limit - textLength(TruncationMarker)
	if room <= 0 {
		return cutRunes(TruncationMarker, limit)
	}

	cut := cutRunes(s, room)
	if amp := strings.LastIndexByte(cut, '&'); amp >= 0 && entityAt(s, amp) > len(cut)-amp {
		cut = cut[:amp]
	}

	return cut + TruncationMarker
}

// cutRunes returns the longest prefix of s within limit UTF-16 code units.
func cutRunes(s string, limit int) string {
	n := 0
	for i, r := range s {
		w := utf16.RuneLen(r)
		if n+w > limit {
			return s[:i]
		}
		n += w
	}

	return s
}
