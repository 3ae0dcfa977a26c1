package integrations

import (
	"net/mail"
	"regexp"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Limits on user input. They bound what the store keeps per record and what
// every delivery copies into its payload.
const (
	maxNameLength        = 100  // webhook endpoint and Slack workspace names
	maxChannelNameLength = 80   // Slack's own limit on channel names
	maxSecretLength      = 512  // tokens and webhook secrets
	maxEmailLength       = 254  // RFC 5321 path limit
	maxCustomEvents      = 50   // custom_events entries per endpoint
	maxEventNameLength   = 100  // one custom_events entry
	maxURLLength         = 2048 // webhook URL
	minRetryCount        = 1
	maxRetryCount        = 10
	minTimeoutSeconds    = 1
	maxTimeoutSeconds    = 120
)

var (
	// Slack conversation ids: C (public), G (private or group) or D
	// (direct message), then upper-case letters and digits.
	slackChannelIDPattern = regexp.MustCompile(`^[CGD][A-Z0-9]{2,20}$`)

	// GitHub logins: letters, digits and single hyphens, not at either end,
	// at most 39 characters.
	githubOwnerPattern = regexp.MustCompile(`^[A-Za-z0-9](?:[A-Za-z0-9]|-[A-Za-z0-9]){0,38}$`)

	// GitHub repository names: letters, digits, '.', '-' and '_', at most
	// 100 characters.
	githubRepoPattern = regexp.MustCompile(`^[A-Za-z0-9._-]{1,100}$`)

	// Event names: a letter or digit first, then letters, digits, '.', '_',
	// '-' or ':'.
	eventNamePattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._:-]*$`)
)

// checkName validates a required display name.
func checkName(f fieldErrors, field, value string, maxLen int) {
	switch {
	case strings.TrimSpace(value) == "":
		f.add(field, "is required")
	case utf8.RuneCountInString(value) > maxLen:
		f.add(field, "must be at most "+strconv.Itoa(maxLen)+" characters")
	case hasControl(value):
		f.add(field, "must not contain control characters")
	}
}

// checkSecret validates a token or secret the user sent. The value itself
// never appears in the message.
func checkSecret(f fieldErrors, field, value string, required bool) {
	switch {
	case value == "" && required:
		f.add(field, "is required")
	case len(value) > maxSecretLength:
		f.add(field, "must be at most "+strconv.Itoa(maxSecretLength)+" bytes")
	case strings.ContainsFunc(value, unicode.IsSpace) || hasControl(value):
		f.add(field, "must not contain spaces or control characters")
	}
}

func checkSlackChannelID(f fieldErrors, value string) {
	switch {
	case value == "":
		f.add("channel_id", "is required")
	case !slackChannelIDPattern.MatchString(value):
		f.add("channel_id", "must be a Slack channel id such as C0123456789 (C, G or D, then capital letters and digits)")
	}
}

func checkGitHubRepository(f fieldErrors, owner, name string) {
	switch {
	case owner == "":
		f.add("repository_owner", "is required")
	case !githubOwnerPattern.MatchString(owner):
		f.add("repository_owner", "must be a GitHub user or organization: 1 to 39 letters, digits or single hyphens, not starting or ending with a hyphen")
	}
	switch {
	case name == "":
		f.add("repository_name", "is required")
	case name == "." || name == ".." || !githubRepoPattern.MatchString(name):
		f.add("repository_name", "must be a GitHub repository name: 1 to 100 letters, digits, '.', '-' or '_'")
	}
}

// checkEmailAddress accepts a bare address such as ops@example.com; an
// empty value is allowed because email settings may exist before the
// address is known.
func checkEmailAddress(f fieldErrors, value string) {
	if value == "" {
		return
	}
	if len(value) > maxEmailLength {
		f.add("email_address", "must be at most "+strconv.Itoa(maxEmailLength)+" characters")
		return
	}
	if strings.ContainsAny(value, "\r\n") || hasControl(value) {
		f.add("email_address", "must not contain line breaks or control characters")
		return
	}
	addr, err := mail.ParseAddress(value)
	if err != nil || addr.Address != value || addr.Name != "" || !strings.Contains(addr.Address, "@") {
		f.add("email_address", "must be a bare email address such as ops@example.com")
	}
}

func checkCustomEvents(f fieldErrors, events []string) {
	if len(events) > maxCustomEvents {
		f.add("custom_events", "must have at most "+strconv.Itoa(maxCustomEvents)+" entries")
		return
	}
	for _, e := range events {
		switch {
		case e == "":
			f.add("custom_events", "must not contain empty event names")
		case len(e) > maxEventNameLength:
			f.add("custom_events", "event names must be at most "+strconv.Itoa(maxEventNameLength)+" characters")
		case !eventNamePattern.MatchString(e):
			f.add("custom_events", "event names must start with a letter or digit and use only letters, digits, '.', '_', '-' or ':'")
		}
	}
}

func checkRange(f fieldErrors, field string, value, lo, hi int) {
	if value < lo || value > hi {
		f.add(field, "must be between "+strconv.Itoa(lo)+" and "+strconv.Itoa(hi))
	}
}

func hasControl(s string) bool {
	return strings.ContainsFunc(s, unicode.IsControl) || !utf8.ValidString(s)
}
