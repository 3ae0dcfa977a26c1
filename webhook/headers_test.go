package webhook_test

import (
	"errors"
	"testing"

	"github.com/hishamos/integrations-external/webhook"
)

func TestValidateHeaders(t *testing.T) {
	t.Parallel()
	tests := []struct {
		headers map[string]string
		problem string // "" when valid
	}{
		{nil, ""},
		{map[string]string{"Authorization": "Bearer x", "X-Team": "ops", "Content-Type": "application/cloudevents+json"}, ""},
		{map[string]string{"": "v"}, "has an empty name"},
		{map[string]string{"Bad Name": "v"}, "is not a valid header name: use letters, digits and -"},
		{map[string]string{"X-Ünicode": "v"}, "is not a valid header name: use letters, digits and -"},
		{map[string]string{"X-A:": "v"}, "is not a valid header name: use letters, digits and -"},
		{map[string]string{"X-A": "a\rb"}, "has a value containing CR, LF or NUL"},
		{map[string]string{"X-A": "a\nb"}, "has a value containing CR, LF or NUL"},
		{map[string]string{"X-A": "a\x00b"}, "has a value containing CR, LF or NUL"},
	}
	for _, name := range []string{
		"Host", "content-length", "Transfer-Encoding", "X-HishamOS-Signature", "x-hishamos-event",
		"X-HISHAMOS-DELIVERY-ID", "webhook-id", "Webhook-Timestamp", "webhook-signature", "Connection",
	} {
		tests = append(tests, struct {
			headers map[string]string
			problem string
		}{map[string]string{name: "v"}, "is reserved and set by the library"})
	}

	for _, tt := range tests {
		err := webhook.ValidateHeaders(tt.headers, webhook.HeaderNames{})
		if tt.problem == "" {
			if err != nil {
				t.Errorf("ValidateHeaders(%q) = %v, want nil", tt.headers, err)
			}
			continue
		}
		var he *webhook.HeaderError
		if !errors.As(err, &he) {
			t.Errorf("ValidateHeaders(%q) = %v, want *HeaderError", tt.headers, err)
			continue
		}
		if he.Problem != tt.problem {
			t.Errorf("ValidateHeaders(%q) problem = %q, want %q", tt.headers, he.Problem, tt.problem)
		}
	}
}

func TestValidateHeadersCustomProduct(t *testing.T) {
	t.Parallel()
	names := webhook.HeaderNamesFor("Acme")
	if err := webhook.ValidateHeaders(map[string]string{"X-Acme-Signature": "x"}, names); err == nil {
		t.Error("X-Acme-Signature accepted, want reserved for product Acme")
	}
	if err := webhook.ValidateHeaders(map[string]string{"X-HishamOS-Signature": "x"}, names); err != nil {
		t.Errorf("X-HishamOS-Signature with product Acme = %v, want nil", err)
	}
}
