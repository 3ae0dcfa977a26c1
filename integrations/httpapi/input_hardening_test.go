package httpapi_test

import (
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hishamos/integrations-external/integrations"
	"github.com/hishamos/integrations-external/internal/fakereceiver"
)

// headerEchoReceiver responds to every request with 500 and a body that lists
// the request's headers in name order, as debugging receivers and some
// gateways do.
func headerEchoReceiver(t *testing.T) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		w.WriteHeader(http.StatusInternalServerError)
		for _, name := range slices.Sorted(maps.Keys(r.Header)) {
			_, _ = io.WriteString(w, name+": "+strings.Join(r.Header[name], ",")+"\n")
		}
	}))
	t.Cleanup(srv.Close)

	return srv
}

// TestEchoedCredentialHeaderRedacted configures a credential header,
// which every read of the endpoint masks, and tests the endpoint against a
// receiver that echoes request headers. The header's value must not come
// back through the test result, the delivery record or the log.
func TestEchoedCredentialHeaderRedacted(t *testing.T) {
	t.Parallel()
	e := setup(t)
	rcv := headerEchoReceiver(t)
	const token = "Bearer CREDENTIALhdr0123456789"
	r := e.do("POST", "webhooks/", "alice", map[string]any{
		"name": "h", "url": rcv.URL + "/in", "headers": map[string]string{"Authorization": token},
	})
	e.expect(r, http.StatusCreated)
	id := r.json(t)["id"].(string)
	require.Equal(t, integrations.MaskedHeaderValue, r.json(t)["headers"].(map[string]any)["Authorization"])

	test := e.do("POST", "webhooks/"+id+"/test/", "alice", nil)
	e.expect(test, http.StatusOK)
	deliveryID := test.json(t)["delivery_id"].(string)
	delivery := e.do("GET", "webhook-deliveries/"+deliveryID+"/", "alice", nil)
	e.expect(delivery, http.StatusOK)

	assert.NotContains(t, string(test.body), "CREDENTIALhdr", "the test result returns the credential header")
	assert.NotContains(t, string(delivery.body), "CREDENTIALhdr", "the delivery record returns the credential header")
	assert.NotContains(t, e.logs.String(), "CREDENTIALhdr", "the log contains the credential header")
	assert.Contains(t, string(delivery.body), "Authorization: [redacted]", "the rest of the echo is kept")
}

// TestTestPayloadKeepsNumbers sends webhook tests whose payload objects
// hold numbers that a float64 cannot hold, or not as written. The payload
// is the user's JSON object, so each number reaches the receiver unchanged.
func TestTestPayloadKeepsNumbers(t *testing.T) {
	t.Parallel()
	e := setup(t)
	rcv := fakereceiver.New(t, fakereceiver.OK())
	r := e.do("POST", "webhooks/", "alice", map[string]any{"name": "h", "url": rcv.URL + "/in"})
	e.expect(r, http.StatusCreated)
	id := r.json(t)["id"].(string)

	for i, value := range []string{`12345678901234567891`, `1e400`, `1.0`} {
		test := e.do("POST", "webhooks/"+id+"/test/", "alice", `{"payload":{"n":`+value+`}}`)
		e.expect(test, http.StatusOK)
		require.Equal(t, "success", test.json(t)["status"], "body %s", test.body)
		sent := rcv.AwaitRequests(i + 1)
		assert.Contains(t, string(sent[i].Body), `"n":`+value, "the receiver got a changed number")
	}
}

// TestInvalidUTF8Rejected sends a name with a byte that is not
// UTF-8. JSON text must be UTF-8, so the request is bad input and must get
// 400 rather than be stored with the byte replaced.
func TestInvalidUTF8Rejected(t *testing.T) {
	t.Parallel()
	e := setup(t)
	r := e.do("POST", "webhooks/", "alice", "{\"name\":\"ops\xff\",\"url\":\"http://127.0.0.1:9/in\"}")
	require.Equal(t, http.StatusBadRequest, r.status, "body %s", r.body)
}

// TestUncleanPathGetsJSON sends requests whose paths hold "//" or
// "/./". The API responds to every path it does not serve with a JSON 404,
// never with the ServeMux's text or a redirect.
func TestUncleanPathGetsJSON(t *testing.T) {
	t.Parallel()
	e := setup(t)
	noRedirect := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	for _, path := range []string{prefix + "webhooks//", prefix + "/webhooks/", prefix + "webhooks/./"} {
		req, err := http.NewRequest("GET", e.srv.URL+path, nil)
		require.NoError(t, err)
		req.Header.Set("Authorization", "Bearer alice")
		resp, err := noRedirect.Do(req)
		require.NoError(t, err)
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		require.Equal(t, "application/json", resp.Header.Get("Content-Type"), "%s: status %d, body %q", path, resp.StatusCode, body)
		require.Equal(t, http.StatusNotFound, resp.StatusCode, "%s: body %q", path, body)
	}
}

// TestLongEchoedHeadersRedacted configures six credential headers of
// 900 bytes each, within the API's limits of 20 headers and 1,000 bytes a
// value, and tests the endpoint against a receiver that echoes request
// headers. No part of any value may come back in the stored response body.
func TestLongEchoedHeadersRedacted(t *testing.T) {
	t.Parallel()
	e := setup(t)
	rcv := headerEchoReceiver(t)
	headers := map[string]string{}
	var starts []string
	for i := range 6 {
		value := fmt.Sprintf("LONGcred%d-", i) + strings.Repeat(string(rune('a'+i)), 890)
		headers[fmt.Sprintf("X-Api-Key-%d", i)] = value
		starts = append(starts, value[:16])
	}
	_, delivery := e.testWithHeaders(t, rcv.URL+"/in", headers)

	for i, start := range starts {
		assert.NotContains(t, string(delivery.body), start, "the delivery record returns the start of header %d", i)
	}
}

// TestEscapedSurrogates sends names with \u escapes of UTF-16
// surrogates. json.Unmarshal turns a lone one into U+FFFD, the same silent
// change that the UTF-8 check rejects for raw bytes, so it gets 400, while
// a whole pair and an escaped backslash before "ud800" are accepted.
func TestEscapedSurrogates(t *testing.T) {
	t.Parallel()
	e := setup(t)
	for name, status := range map[string]int{
		`ops\ud800hook`:       http.StatusBadRequest,
		`ops\udc00hook`:       http.StatusBadRequest,
		`ops\ud800\u0041hook`: http.StatusBadRequest,
		`ops\ud83d\ude00hook`: http.StatusCreated,
		`ops\\ud800hook`:      http.StatusCreated,
	} {
		r := e.do("POST", "webhooks/", "alice", `{"name":"`+name+`","url":"http://127.0.0.1:9/in"}`)
		assert.Equal(t, status, r.status, "name %s: body %s", name, r.body)
	}
}

// TestPaddedBearerTokenRedacted configures an Authorization value
// with a leading space, which the client trims when it sends the header,
// and tests the endpoint against a receiver that echoes the token alone.
// The token must not come back in the stored response body.
func TestPaddedBearerTokenRedacted(t *testing.T) {
	t.Parallel()
	e := setup(t)
	const token = "PADDEDtoken-0123456789"
	rcv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		scheme, got, _ := strings.Cut(r.Header.Get("Authorization"), " ")
		w.WriteHeader(http.StatusUnauthorized)
		_, _ = io.WriteString(w, "scheme "+scheme+": token "+got+" is not valid")
	}))
	t.Cleanup(rcv.Close)
	_, delivery := e.testWithHeaders(t, rcv.URL+"/in", map[string]string{"Authorization": " Bearer " + token})

	assert.Contains(t, string(delivery.body), "is not valid", "the receiver's response is stored")
	assert.NotContains(t, string(delivery.body), token, "the delivery record returns the token")
}

// testWithHeaders creates an endpoint of alice at url with headers, sends
// it a webhook test and returns the test's response and the stored
// delivery's.
func (e *env) testWithHeaders(t *testing.T, url string, headers map[string]string) (test, delivery response) {
	t.Helper()
	r := e.do("POST", "webhooks/", "alice", map[string]any{"name": "h", "url": url, "headers": headers})
	e.expect(r, http.StatusCreated)
	id := r.json(t)["id"].(string)
	test = e.do("POST", "webhooks/"+id+"/test/", "alice", nil)
	e.expect(test, http.StatusOK)
	delivery = e.do("GET", "webhook-deliveries/"+test.json(t)["delivery_id"].(string)+"/", "alice", nil)
	e.expect(delivery, http.StatusOK)

	return test, delivery
}
