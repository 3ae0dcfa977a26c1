package httpapi_test

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestEncodedSlashIsNotARoute sends "webhooks/<id>%2Frotate-secret"
// without a trailing slash. The encoded slash is part of one path segment,
// so no route matches it, and the request must get 404 and leave the
// secret alone. The same path with a trailing slash is not served either.
func TestEncodedSlashIsNotARoute(t *testing.T) {
	t.Parallel()
	e := setup(t)
	r := e.do("POST", "webhooks/", "alice", `{"name":"h","url":"http://127.0.0.1:9/in"}`)
	e.expect(r, http.StatusCreated)
	id := r.json(t)["id"].(string)

	withSlash := e.do("POST", "webhooks/"+id+"%2Frotate-secret/", "alice", nil)
	require.NotEqual(t, http.StatusOK, withSlash.status, "body %s", withSlash.body)

	r = e.do("POST", "webhooks/"+id+"%2Frotate-secret", "alice", nil)
	require.Equal(t, http.StatusNotFound, r.status, "body %s", r.body)

	after := e.do("GET", "webhooks/"+id+"/", "alice", nil)
	e.expect(after, http.StatusOK)
	require.Nil(t, after.json(t)["previous_secret_expires_at"], "the encoded path rotated the secret")
}

// TestWholeNumberFieldMessages sends a retry_count of 2.5 and a
// timeout_seconds of 1e1. Both are JSON numbers, so the field error must
// not say "must be a number".
func TestWholeNumberFieldMessages(t *testing.T) {
	t.Parallel()
	e := setup(t)
	r := e.do("POST", "webhooks/", "alice", `{"name":"h","url":"http://127.0.0.1:9/in","retry_count":2.5}`)
	e.expect(r, http.StatusBadRequest)
	fields := r.json(t)["fields"].(map[string]any)
	require.NotEqual(t, "must be a number", fields["retry_count"], "2.5 is a number: say it must be a whole number")

	r = e.do("POST", "webhooks/", "alice", `{"name":"h","url":"http://127.0.0.1:9/in","timeout_seconds":1e1}`)
	e.expect(r, http.StatusBadRequest)
	fields = r.json(t)["fields"].(map[string]any)
	require.NotEqual(t, "must be a number", fields["timeout_seconds"], "1e1 is a number: say it must be a whole number")
}

// TestHeaderNamesDifferingInCase configures two custom headers whose
// names differ only in case. Header names ignore case, so only one could
// be sent: the configuration is rejected with a field error.
func TestHeaderNamesDifferingInCase(t *testing.T) {
	t.Parallel()
	e := setup(t)
	r := e.do("POST", "webhooks/", "alice", map[string]any{
		"name": "h", "url": "http://127.0.0.1:9/in",
		"headers": map[string]string{"X-Team": "blue", "x-team": "red"},
	})
	e.expect(r, http.StatusBadRequest)
	require.Equal(t, "header X-Team is given twice, as X-Team and x-team: header names ignore case, so keep one",
		r.json(t)["fields"].(map[string]any)["headers"])
}

// TestNullBodyIsNotAnObject sends the JSON literal null where an object is
// required.
func TestNullBodyIsNotAnObject(t *testing.T) {
	t.Parallel()
	e := setup(t)
	r := e.do("POST", "webhooks/", "alice", "null")
	e.expect(r, http.StatusBadRequest)
	require.Equal(t, "must be a JSON object, not null", r.json(t)["fields"].(map[string]any)["body"])
}

// TestCrossOriginWritesRejected sends state-changing requests marked as a
// browser's cross-site requests, and a read.
func TestCrossOriginWritesRejected(t *testing.T) {
	t.Parallel()
	e := setup(t)
	r := e.do("POST", "webhooks/", "alice", `{"name":"h","url":"http://127.0.0.1:9/in"}`)
	e.expect(r, http.StatusCreated)
	id := r.json(t)["id"].(string)

	cases := map[string]http.Header{
		"Sec-Fetch-Site": {"Sec-Fetch-Site": {"cross-site"}},
		"Origin":         {"Origin": {"https://attacker.example"}},
	}
	for name, header := range cases {
		r := e.doWith("POST", "webhooks/"+id+"/rotate-secret/", "alice", nil, header)
		require.Equal(t, http.StatusForbidden, r.status, "%s: body %s", name, r.body)
		read := e.doWith("GET", "webhooks/"+id+"/", "alice", nil, header)
		require.Equal(t, http.StatusOK, read.status, "%s: a read is safe", name)
	}
	after := e.do("GET", "webhooks/"+id+"/", "alice", nil)
	require.Nil(t, after.json(t)["previous_secret_expires_at"], "a rejected request rotated the secret")
}
