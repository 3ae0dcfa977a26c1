package webhook_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/hishamos/integrations-external/webhook"
)

func TestValidateURL(t *testing.T) {
	t.Parallel()
	tests := []struct {
		url     string
		problem string // "" when valid
	}{
		{"https://hooks.example.com/in", ""},
		{"http://hooks.example.com:8080/in?x=1", ""},
		{"http://192.0.2.1/", ""},
		{"http://[2001:db8::1]:8443/", ""},
		{"", "must not be empty"},
		{"   ", "must not be empty"},
		{"hooks.example.com/in", "must be absolute, starting with http:// or https://"},
		{"/relative/path", "must be absolute, starting with http:// or https://"},
		{"mailto:ops@example.com", "must be absolute, starting with http:// or https://"},
		{"ftp://example.com/", "must use http or https"},
		{"file:///etc/passwd", "must use http or https"},
		{"gopher://example.com/", "must use http or https"},
		{"https://", "must include a host"},
		{"https:///path", "must include a host"},
		{"https://user:pass@example.com/", "must not contain a user name or password"},
		{"https://user@example.com/", "must not contain a user name or password"},
		{"http://2130706433/", "must write an IPv4 address as four decimal numbers, such as 192.0.2.1"},
		{"http://0x7f.1/", "must write an IPv4 address as four decimal numbers, such as 192.0.2.1"},
		{"http://127.1/", "must write an IPv4 address as four decimal numbers, such as 192.0.2.1"},
		{"http://example.com:99999/", "has an invalid port: use 1 to 65535"},
		{"http://example.com:0/", "has an invalid port: use 1 to 65535"},
		{"http://example.com:abc/", "is not a valid URL"},
		{"http://exa mple.com/", "must not contain spaces or control characters"},
		{"http://example.com/\r\nX: y", "must not contain spaces or control characters"},
		{"http://%zz/", "is not a valid URL"},
	}
	for _, tt := range tests {
		err := webhook.ValidateURL(tt.url)
		if tt.problem == "" {
			if err != nil {
				t.Errorf("ValidateURL(%q) = %v, want nil", tt.url, err)
			}
			continue
		}
		var ue *webhook.URLError
		if !errors.As(err, &ue) {
			t.Errorf("ValidateURL(%q) = %v, want *URLError", tt.url, err)
			continue
		}
		if ue.Problem != tt.problem {
			t.Errorf("ValidateURL(%q) problem = %q, want %q", tt.url, ue.Problem, tt.problem)
		}
	}
}

func TestValidateURLAllowUserinfo(t *testing.T) {
	t.Parallel()
	rules := webhook.URLRules{AllowUserinfo: true}
	if err := rules.Validate("https://user:pass@example.com/"); err != nil {
		t.Errorf("Validate with AllowUserinfo = %v, want nil", err)
	}
}

func TestURLErrorHidesURL(t *testing.T) {
	t.Parallel()
	err := webhook.ValidateURL("https://user:hunter2@example.com/")
	if strings.Contains(err.Error(), "hunter2") {
		t.Errorf("error %q contains the password", err)
	}
}

func TestRedactURL(t *testing.T) {
	t.Parallel()
	tests := map[string]string{
		"https://hooks.slack.com/services/T0/B0/secret": "https://hooks.slack.com",
		"https://user:pw@example.com:8443/p?token=abc":  "https://example.com:8443",
		"http://[::1]:80/x":                             "http://[::1]:80",
		"not a url at all":                              "[invalid URL]",
		"http://%zz/":                                   "[invalid URL]",
	}
	for in, want := range tests {
		if got := webhook.RedactURL(in); got != want {
			t.Errorf("RedactURL(%q) = %q, want %q", in, got, want)
		}
	}
}
