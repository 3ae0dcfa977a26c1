package httpapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hishamos/integrations-external/email"
	"github.com/hishamos/integrations-external/internal/fakegithub"
	"github.com/hishamos/integrations-external/internal/fakeslack"
	"github.com/hishamos/integrations-external/internal/fakesmtp"

	"github.com/hishamos/integrations-external/integrations"
	"github.com/hishamos/integrations-external/integrations/httpapi"
	"github.com/hishamos/integrations-external/store"
	"github.com/hishamos/integrations-external/store/sqlite"
)

const prefix = "/api/v1/integrations-external/"

// lockedBuffer collects log output from concurrent handlers.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// bearerAuth accepts "Bearer <user>" and "Bearer admin:<user>".
var bearerAuth = httpapi.AuthenticatorFunc(func(r *http.Request) (httpapi.Principal, error) {
	token, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if !ok || token == "" {
		return httpapi.Principal{}, errors.New("no token")
	}
	if user, admin := strings.CutPrefix(token, "admin:"); admin {
		return httpapi.Principal{UserID: user, Admin: true}, nil
	}
	return httpapi.Principal{UserID: token, Email: token + "@example.com"}, nil
})

type env struct {
	t      *testing.T
	srv    *httptest.Server
	store  store.Store
	disp   *integrations.Dispatcher
	logs   *lockedBuffer
	github *fakegithub.Server
	slack  *fakeslack.Server
	smtp   *fakesmtp.Server
}

func openSQLite(t testing.TB) store.Store {
	t.Helper()
	key, err := store.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	keys, err := store.ParseKeyring(key)
	if err != nil {
		t.Fatal(err)
	}
	st, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "api.db"), sqlite.Options{Keys: keys})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close() })

	return st
}

// setup serves the API over real HTTP on a SQLite store.
func setup(t *testing.T) *env {
	t.Helper()
	st := openSQLite(t)
	logs := &lockedBuffer{}
	logger := slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	gh := fakegithub.New()
	t.Cleanup(gh.Close)
	sl := fakeslack.New(t)
	mail, err := fakesmtp.Start(fakesmtp.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = mail.Close() })
	d, err := integrations.New(integrations.Config{
		Store: st, Logger: logger, AllowPrivateNetworks: true,
		SlackAPIURL: sl.URL(), GitHubAPIURL: gh.URL,
		Email: &email.Config{
			Host: mail.Host(), Port: mail.Port(), TLSPolicy: email.TLSNone,
			From: "noreply@example.com", Timeout: 5 * time.Second,
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	h := httpapi.New(d.Service(), httpapi.Options{Authenticator: bearerAuth, Logger: logger})
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)

	return &env{t: t, srv: srv, store: st, disp: d, logs: logs, github: gh, slack: sl, smtp: mail}
}

type response struct {
	status int
	header http.Header
	body   []byte
}

func (r response) json(t *testing.T) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(r.body, &m); err != nil {
		t.Fatalf("body %q is not a JSON object: %v", r.body, err)
	}
	return m
}

func (r response) list(t *testing.T) []map[string]any {
	t.Helper()
	var l []map[string]any
	if err := json.Unmarshal(r.body, &l); err != nil {
		t.Fatalf("body %q is not a JSON array: %v", r.body, err)
	}
	return l
}

// do sends a request as user ("" sends none) with body (nil, a string or a
// value to encode).
func (e *env) do(method, path, user string, body any) response {
	e.t.Helper()

	return e.doWith(method, path, user, body, nil)
}

// doWith is do with extra request headers.
func (e *env) doWith(method, path, user string, body any, header http.Header) response {
	e.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	default:
		raw, err := json.Marshal(b)
		if err != nil {
			e.t.Fatal(err)
		}
		rd = bytes.NewReader(raw)
	}
	url := e.srv.URL + path
	if !strings.HasPrefix(path, "/") {
		url = e.srv.URL + prefix + path
	}
	req, err := http.NewRequest(method, url, rd)
	if err != nil {
		e.t.Fatal(err)
	}
	if user != "" {
		req.Header.Set("Authorization", "Bearer "+user)
	}
	for name, values := range header {
		req.Header[name] = values
	}
	resp, err := e.srv.Client().Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		e.t.Fatal(err)
	}

	return response{status: resp.StatusCode, header: resp.Header, body: raw}
}

func (e *env) expect(r response, status int) {
	e.t.Helper()
	if r.status != status {
		e.t.Fatalf("status = %d, want %d; body %s", r.status, status, r.body)
	}
}

// newPanickingHandler returns a handler whose authenticator panics, and
// which logs to e's log buffer.
func newPanickingHandler(e *env) http.Handler {
	auth := httpapi.AuthenticatorFunc(func(*http.Request) (httpapi.Principal, error) {
		panic("authenticator bug")
	})
	logger := slog.New(slog.NewTextHandler(e.logs, nil))

	return httpapi.New(e.disp.Service(), httpapi.Options{Authenticator: auth, Logger: logger})
}

func newServer(t *testing.T, h http.Handler) string {
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv.URL
}
