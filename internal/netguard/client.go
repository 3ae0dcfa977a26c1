package netguard

import (
	"net/http"
	"time"
)

// Transport returns an *http.Transport that dials through g, ignores
// proxy settings from the environment and keeps idle connections for
// reuse. Share one Transport per client so connections are reused.
func (g *Guard) Transport() *http.Transport {
	return &http.Transport{
		Proxy:                 nil,
		DialContext:           g.DialContext,
		ForceAttemptHTTP2:     true,
		MaxIdleConns:          100,
		MaxIdleConnsPerHost:   16,
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   10 * time.Second,
		ExpectContinueTimeout: time.Second,
	}
}

// Client returns an *http.Client that uses g.Transport(), never follows
// redirects (a 3xx response is returned to the caller as is) and gives up
// on a whole exchange after timeout. A zero timeout means no client
// timeout; bound each request with its context instead.
func (g *Guard) Client(timeout time.Duration) *http.Client {
	return &http.Client{
		Transport:     g.Transport(),
		Timeout:       timeout,
		CheckRedirect: NoRedirects,
	}
}

// NoRedirects is an http.Client CheckRedirect function that returns the
// redirect response itself instead of following it.
func NoRedirects(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
