package webhook

import (
	"fmt"
	"log/slog"
	"strings"
)

// Scheme selects which signature headers a request carries.
type Scheme string

// Signature schemes. The zero Scheme means SchemeHishamOS.
const (
	// SchemeHishamOS sends X-HishamOS-Signature: sha256=<hex>, the HMAC-SHA256
	// of the body keyed with the secret's UTF-8 bytes. The default.
	SchemeHishamOS Scheme = "hishamos"
	// SchemeStandard sends the Standard Webhooks headers webhook-id,
	// webhook-timestamp and webhook-signature.
	SchemeStandard Scheme = "standard"
	// SchemeBoth sends both sets of headers, so receivers can migrate.
	SchemeBoth Scheme = "both"
)

// ParseScheme returns the Scheme named s; "" gives SchemeHishamOS.
func ParseScheme(s string) (Scheme, error) {
	switch Scheme(s) {
	case "", SchemeHishamOS:
		return SchemeHishamOS, nil
	case SchemeStandard, SchemeBoth:
		return Scheme(s), nil
	}

	return "", fmt.Errorf("webhook: unknown signature scheme %q: use hishamos, standard or both", s)
}

func (s Scheme) legacy() bool   { return s == "" || s == SchemeHishamOS || s == SchemeBoth }
func (s Scheme) standard() bool { return s == SchemeStandard || s == SchemeBoth }

// Standard Webhooks header names.
const (
	HeaderWebhookID        = "Webhook-Id"
	HeaderWebhookTimestamp = "Webhook-Timestamp"
	HeaderWebhookSignature = "Webhook-Signature"
)

// HeaderNames are the product-specific header names of the hishamos
// scheme.
type HeaderNames struct {
	Signature  string // default X-HishamOS-Signature
	Event      string // default X-HishamOS-Event
	DeliveryID string // default X-HishamOS-Delivery-ID
}

// DefaultProduct is the product name in the default header names.
const DefaultProduct = "HishamOS"

// HeaderNamesFor returns X-<product>-Signature, X-<product>-Event and
// X-<product>-Delivery-ID. An empty product gives the defaults.
func HeaderNamesFor(product string) HeaderNames {
	if product == "" {
		product = DefaultProduct
	}
	prefix := "X-" + product + "-"

	return HeaderNames{
		Signature:  prefix + "Signature",
		Event:      prefix + "Event",
		DeliveryID: prefix + "Delivery-ID",
	}
}

func (h HeaderNames) orDefault() HeaderNames {
	def := HeaderNamesFor("")
	if h.Signature == "" {
		h.Signature = def.Signature
	}
	if h.Event == "" {
		h.Event = def.Event
	}
	if h.DeliveryID == "" {
		h.DeliveryID = def.DeliveryID
	}

	return h
}

// Secret is a signing secret. It prints as a mask with fmt and log/slog,
// so a Request can be logged without leaking it.
type Secret string

const secretMask = "[redacted]"

// String returns a mask, or "" for an empty secret.
func (s Secret) String() string {
	if s == "" {
		return ""
	}

	return secretMask
}

// GoString returns a mask for the %#v verb.
func (s Secret) GoString() string { return "webhook.Secret(" + `"` + s.String() + `")` }

// LogValue logs the mask.
func (s Secret) LogValue() slog.Value { return slog.StringValue(s.String()) }

// StandardPrefix starts a Standard Webhooks secret: whsec_<base64 key>.
const StandardPrefix = "whsec_"

// ValidateSecret checks secret for use with scheme at configuration time.
// The standard and both schemes need a whsec_<base64> secret; the hishamos
// scheme takes any non-empty string. The error never contains the secret.
func ValidateSecret(scheme Scheme, secret Secret) error {
	if secret == "" {
		return nil
	}
	if !scheme.standard() {
		return nil
	}
	if !strings.HasPrefix(string(secret), StandardPrefix) {
		return fmt.Errorf("webhook: the %s signature scheme needs a secret of the form whsec_<base64>", scheme)
	}
	if _, err := standardKey(secret); err != nil {
		return err
	}

	return nil
}
