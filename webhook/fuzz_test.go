package webhook_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/hishamos/integrations-external/webhook"
)

// FuzzVerify feeds arbitrary headers and bodies to the verifier: it must
// never panic, and must accept only a body signed with the secret.
func FuzzVerify(f *testing.F) {
	body := `{"event": "command.executed", "status": "success"}`
	f.Add(body, "sha256=aaa9862647d93d81628baa99bd03319e12d6fe5aaa539cc042b28f012ac38989", "msg_1", "1764806400", "v1,abc=")
	f.Add("", "sha256=", "", "", "")
	f.Add("{}", "sha256=zz, sha256=", "id", "-1", "v1, v2,")
	f.Add("x", ",,,", "msg", "99999999999999999999", "v1,1ABy+YJbWhspDo7K0eP5C1iQqVuQy+TcgwfVwjHqHxM=")
	f.Add("{\"test\": 2432232314}", "sha256=00", "msg_p5jXN8AQM9LWM0D4loKWxJek", "1614265330",
		"v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=")

	f.Fuzz(func(t *testing.T, body, legacy, id, ts, standard string) {
		h := http.Header{}
		h.Set("X-HishamOS-Signature", legacy)
		h.Set("webhook-id", id)
		h.Set("webhook-timestamp", ts)
		h.Set("webhook-signature", standard)
		for _, scheme := range []webhook.Scheme{webhook.SchemeHishamOS, webhook.SchemeStandard, webhook.SchemeBoth} {
			v := webhook.Verifier{
				Secrets: []webhook.Secret{"test-secret", "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"},
				Scheme:  scheme,
				Now:     func() time.Time { return time.Unix(1614265330, 0) },
			}
			err := v.Verify(h, []byte(body))
			if err == nil && scheme != webhook.SchemeStandard {
				want := webhook.SignHishamOS("test-secret", []byte(body))
				want2 := webhook.SignHishamOS("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", []byte(body))
				if legacy != "" && !strings.Contains(strings.ToLower(legacy), want[7:]) &&
					!strings.Contains(strings.ToLower(legacy), want2[7:]) {
					t.Fatalf("%s: accepted signature %q for body %q", scheme, legacy, body)
				}
			}
		}
	})
}

// FuzzValidateURL checks that ValidateURL never panics, and that every
// URL it accepts is an http or https URL with a host and no userinfo.
func FuzzValidateURL(f *testing.F) {
	for _, seed := range []string{
		"https://hooks.example.com/in", "http://127.0.0.1:8080/", "http://[::1]/", "ftp://x/",
		"http://user:pw@host/", "http://0x7f.1/", "http://2130706433/", "//host/path", "http://%zz/",
		"HTTP://EXAMPLE.COM", "http://[fe80::1%25eth0]/", "https://a:65536/", "",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		if err := webhook.ValidateURL(raw); err != nil {
			return
		}
		redacted := webhook.RedactURL(raw)
		if !strings.HasPrefix(redacted, "http://") && !strings.HasPrefix(redacted, "https://") {
			t.Fatalf("accepted %q, redacted to %q", raw, redacted)
		}
		if strings.Contains(redacted, "@") {
			t.Fatalf("accepted %q with userinfo", raw)
		}
	})
}
