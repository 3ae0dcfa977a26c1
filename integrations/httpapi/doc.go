// Package httpapi serves the REST API of integrations-external as an
// http.Handler on top of an [integrations.Service].
//
// # Mounting
//
// [New] returns a handler for the routes under Options.Prefix (default
// "/api/v1/integrations-external/"). It uses only the standard library's
// ServeMux patterns and r.PathValue, so it mounts on http.ServeMux, chi or
// any router that passes the full path:
//
//	mux.Handle(httpapi.DefaultPrefix, httpapi.New(d.Service(), httpapi.Options{
//		Authenticator: myAuth,
//	}))
//
// GET openapi.json serves an OpenAPI 3.1 document of every route without
// authentication.
//
// # Identity and ownership
//
// The host implements [Authenticator]. A request without a principal gets
// 401 before its body is read. Users see and change only their own records.
// Another user's record, a malformed id and an unknown path are all 404, so
// ids do not leak. Admins see every record and filter lists with
// ?user_id=. A "user" field in a body is ignored.
//
// # Requests and responses
//
// Bodies are JSON objects read through Options.MaxBodyBytes (413 above it).
// Unknown fields are rejected with 400 naming them, and read-only fields
// (id, created_at, has_secret, ...) are ignored. PUT replaces every writable
// field: omitted booleans become false, omitted lists and header maps
// empty, and omitted numbers, methods and signature schemes their defaults,
// while other omitted strings and secrets keep their stored values. PATCH
// changes only the fields given, and a field given as null counts as not
// given. Errors are {"error": "..."}, and validation errors add "fields".
// Lists are JSON arrays, newest first, with limit (default 50; values above
// 200 are lowered to 200), offset and a Link rel="next" header.
//
// Secrets are write-only: responses carry has_* booleans, and credential
// headers of a webhook are masked. A webhook secret the library generated
// or rotated is returned once, as "secret". Failures of Slack, GitHub or
// SMTP are 400 when the remote rejected our credentials or configuration,
// 429 with Retry-After when it rate-limited us, 504 on a timeout and 502
// otherwise. The webhook test always responds with 200 and the attempt's
// status.
package httpapi
