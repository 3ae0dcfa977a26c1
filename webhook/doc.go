// Package webhook signs, sends and verifies outbound webhooks: everything
// about one webhook request except storage and scheduling.
//
// # Signing
//
// A [Request] carries the exact body bytes, which are signed and sent
// unchanged; store those same bytes in the delivery history. The default
// scheme, [SchemeHishamOS], adds
//
//	X-HishamOS-Signature: sha256=<lowercase hex HMAC-SHA256(secret, body)>
//	X-HishamOS-Event: <event type>
//	X-HishamOS-Delivery-ID: <delivery id>
//
// [WithProduct] replaces "HishamOS" in these names. [SchemeStandard] sends
// the Standard Webhooks headers webhook-id, webhook-timestamp and
// webhook-signature ("v1,<base64>" over "id.timestamp.body", with a
// whsec_<base64> secret), and [SchemeBoth] sends both sets. During a secret
// rotation, pass every valid secret in [Request.Secrets]: the request
// carries one signature per secret. Timestamps are taken per attempt, so a
// retry sent hours later still verifies.
//
// A Request without secrets is sent unsigned. The API layer generates a
// secret for every new endpoint, so this happens only when a host chooses
// it.
//
// # Sending
//
// [Sender.Send] makes exactly one attempt and returns a [Result] with the
// status, a [Classification], a parsed Retry-After, a response excerpt of at
// most [ExcerptRunes] characters, and DisableEndpoint after 410 Gone. Only
// 2xx is Success. 408, 425, 429, 5xx, timeouts and network errors are
// Retryable. 3xx, other 4xx and blocked destinations are Permanent. Redirects
// are never followed. A timeout covers the whole exchange, including a body
// that stalls, and is reported as "Request timeout after Ns".
//
// Every connection goes through a dial-time guard that rejects loopback,
// private, link-local (cloud metadata), CGNAT, unique-local, site-local,
// multicast and unspecified addresses, also when an IPv6 address carries
// one of them (IPv4-mapped, IPv4-compatible, IPv4-translated, NAT64, 6to4
// or Teredo), on the address actually dialled. [WithAllowPrivateNetworks] and [WithAllowedPrefixes]
// opt in. Proxy settings from the environment are ignored.
//
// [ValidateURL], [ValidateHeaders], [ValidateSecret] and
// [Sender.CheckDestination] check an endpoint when it is configured.
// [RedactURL] reduces a URL to scheme and host for logs and errors.
//
// # Retrying
//
// [Policy] turns an attempt's outcome into the time of the next attempt or
// a give-up: by default 3 attempts in all, 2s then 4s apart, ±20%.
//
// # Receiving
//
// [Verifier] checks signatures in constant time and, for the standard
// scheme, that the timestamp is within 5 minutes either way.
// [Verifier.Middleware] wraps an http.Handler: it reads the body through a
// limit, verifies it, and passes the exact bytes on.
package webhook
