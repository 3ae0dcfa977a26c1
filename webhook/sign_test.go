package webhook_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/hishamos/integrations-external/webhook"
)

type signatureVectors struct {
	Standard []struct {
		Secret    string `json:"secret"`
		ID        string `json:"webhook_id"`
		Timestamp int64  `json:"webhook_timestamp"`
		Body      string `json:"body"`
		Signature string `json:"webhook_signature"`
	} `json:"standard"`
	Legacy []struct {
		Secret    string `json:"secret"`
		Body      string `json:"body"`
		Signature string `json:"x_hishamos_signature"`
	} `json:"legacy"`
}

func loadVectors(t *testing.T) signatureVectors {
	t.Helper()
	data, err := os.ReadFile("testdata/signature-vectors.json")
	if err != nil {
		t.Fatal(err)
	}
	var v signatureVectors
	if err := json.Unmarshal(data, &v); err != nil {
		t.Fatalf("decode testdata/signature-vectors.json: %v", err)
	}
	if len(v.Standard) == 0 || len(v.Legacy) == 0 {
		t.Fatal("testdata/signature-vectors.json has no vectors")
	}

	return v
}

func TestSignHishamOSVectors(t *testing.T) {
	t.Parallel()
	for _, vec := range loadVectors(t).Legacy {
		got := webhook.SignHishamOS(webhook.Secret(vec.Secret), []byte(vec.Body))
		if got != vec.Signature {
			t.Errorf("SignHishamOS(%q) = %s, want %s", vec.Body, got, vec.Signature)
		}
		h := http.Header{"X-Hishamos-Signature": {vec.Signature}}
		if err := webhook.Verify(webhook.Secret(vec.Secret), h, []byte(vec.Body)); err != nil {
			t.Errorf("Verify(%q) = %v, want nil", vec.Body, err)
		}
	}
}

func TestSignStandardVectors(t *testing.T) {
	t.Parallel()
	for _, vec := range loadVectors(t).Standard {
		ts := time.Unix(vec.Timestamp, 0)
		got, err := webhook.SignStandard(webhook.Secret(vec.Secret), vec.ID, ts, []byte(vec.Body))
		if err != nil {
			t.Fatalf("SignStandard: %v", err)
		}
		if got != vec.Signature {
			t.Errorf("SignStandard(%s) = %s, want %s", vec.ID, got, vec.Signature)
		}

		v := webhook.Verifier{
			Secrets: []webhook.Secret{webhook.Secret(vec.Secret)},
			Scheme:  webhook.SchemeStandard,
			Now:     func() time.Time { return ts.Add(time.Minute) },
		}
		h := http.Header{}
		h.Set("webhook-id", vec.ID)
		h.Set("webhook-timestamp", strconv.FormatInt(vec.Timestamp, 10))
		h.Set("webhook-signature", vec.Signature)
		if err := v.Verify(h, []byte(vec.Body)); err != nil {
			t.Errorf("Verify(%s) = %v, want nil", vec.ID, err)
		}
	}
}

func TestValidateSecret(t *testing.T) {
	t.Parallel()
	tests := []struct {
		scheme webhook.Scheme
		secret string
		ok     bool
	}{
		{webhook.SchemeHishamOS, "test-secret", true},
		{webhook.SchemeHishamOS, "", true},
		{webhook.SchemeStandard, "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", true},
		{webhook.SchemeBoth, "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", true},
		{webhook.SchemeStandard, "test-secret", false},
		{webhook.SchemeBoth, "whsec_!!!not-base64", false},
		{webhook.SchemeStandard, "whsec_", false},
	}
	for _, tt := range tests {
		err := webhook.ValidateSecret(tt.scheme, webhook.Secret(tt.secret))
		if (err == nil) != tt.ok {
			t.Errorf("ValidateSecret(%s, len %d) = %v, want ok=%v", tt.scheme, len(tt.secret), err, tt.ok)
		}
		if err != nil && len(tt.secret) > len(webhook.StandardPrefix) && strings.Contains(err.Error(), tt.secret) {
			t.Errorf("error %q contains the secret", err)
		}
	}
}

func TestParseScheme(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]webhook.Scheme{
		"": webhook.SchemeHishamOS, "hishamos": webhook.SchemeHishamOS,
		"standard": webhook.SchemeStandard, "both": webhook.SchemeBoth,
	} {
		got, err := webhook.ParseScheme(in)
		if err != nil || got != want {
			t.Errorf("ParseScheme(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	if _, err := webhook.ParseScheme("HMAC"); err == nil {
		t.Error(`ParseScheme("HMAC") = nil error, want an error`)
	}
}

func TestSecretPrintsMask(t *testing.T) {
	t.Parallel()
	s := webhook.Secret("super-secret")
	req := webhook.Request{Secrets: []webhook.Secret{s}}
	for _, out := range []string{
		fmt.Sprintf("%v", s), fmt.Sprintf("%s", s), fmt.Sprintf("%q", s), fmt.Sprintf("%#v", s), fmt.Sprintf("%+v", req),
	} {
		if strings.Contains(out, "super-secret") {
			t.Errorf("formatted output %q contains the secret", out)
		}
	}
}

func TestHeaderNamesFor(t *testing.T) {
	t.Parallel()
	got := webhook.HeaderNamesFor("Acme")
	want := webhook.HeaderNames{Signature: "X-Acme-Signature", Event: "X-Acme-Event", DeliveryID: "X-Acme-Delivery-ID"}
	if got != want {
		t.Errorf("HeaderNamesFor(Acme) = %+v, want %+v", got, want)
	}
	if def := webhook.HeaderNamesFor(""); def.Signature != "X-HishamOS-Signature" {
		t.Errorf("default signature header = %q, want X-HishamOS-Signature", def.Signature)
	}
}
