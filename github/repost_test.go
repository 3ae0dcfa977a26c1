package github

import (
	"bytes"
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hishamos/integrations-external/internal/fakegithub"
)

// issuesWithKey counts the stored issues whose body carries key's marker.
func issuesWithKey(srv *fakegithub.Server, key string) int {
	n := 0
	for _, is := range srv.Issues(testOwner, testRepo) {
		if strings.Contains(is.Body, dedupeMarker(key)) {
			n++
		}
	}

	return n
}

// slowCommitProxy sits in front of the fake GitHub. It holds the first
// issue POST without a response until the client gives up and has listed
// the issues once more, and only then passes the POST on, as GitHub does
// when it finishes a request whose client timed out.
type slowCommitProxy struct {
	target *url.URL
	fwd    http.RoundTripper

	mu          sync.Mutex
	heldPOST    bool
	listsServed int
	listed      chan struct{} // closed after the first list that follows the held POST
	committed   chan struct{} // closed once the held POST reached the fake
}

func (p *slowCommitProxy) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	isPOST := r.Method == http.MethodPost && strings.HasSuffix(r.URL.Path, "/issues")
	p.mu.Lock()
	hold := isPOST && !p.heldPOST
	if hold {
		p.heldPOST = true
	}
	p.mu.Unlock()

	if hold {
		// The client times out, but the server goes on with the request.
		<-r.Context().Done()
		<-p.listed
		p.forward(context.Background(), r, body)
		close(p.committed)
		return
	}

	resp := p.forward(r.Context(), r, body)
	if resp == nil {
		http.Error(w, "proxy failed", http.StatusBadGateway)
		return
	}
	for k, v := range resp.header {
		w.Header()[k] = v
	}
	w.WriteHeader(resp.status)
	_, _ = w.Write(resp.body)

	if r.Method == http.MethodGet && strings.HasSuffix(r.URL.Path, "/issues") {
		p.mu.Lock()
		p.listsServed++
		if p.heldPOST && p.listsServed == 2 { // the scan before the POST, then the check after it
			close(p.listed)
		}
		p.mu.Unlock()
	}
}

type proxied struct {
	status int
	header http.Header
	body   []byte
}

func (p *slowCommitProxy) forward(ctx context.Context, r *http.Request, body []byte) *proxied {
	u := *p.target
	u.Path = strings.TrimSuffix(p.target.Path, "/") + r.URL.Path
	u.RawQuery = r.URL.RawQuery
	req, err := http.NewRequestWithContext(ctx, r.Method, u.String(), bytes.NewReader(body))
	if err != nil {
		return nil
	}
	req.Header = r.Header.Clone()
	resp, err := p.fwd.RoundTrip(req)
	if err != nil {
		return nil
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)

	// The Link header names the fake's address, so point it at the proxy.
	h := resp.Header.Clone()
	if link := h.Get("Link"); link != "" {
		h.Set("Link", strings.ReplaceAll(link, p.target.Scheme+"://"+p.target.Host, "http://"+r.Host))
	}

	return &proxied{status: resp.StatusCode, header: h, body: b}
}

// TestCreateIssueNoRepostAfterTimeout lets the first POST time out on the
// client while GitHub still creates the issue a moment later. The call
// returns the timeout instead of posting again, and the next call, as the
// dispatcher's retry makes, finds the issue: one issue for the key.
func TestCreateIssueNoRepostAfterTimeout(t *testing.T) {
	f := setup(t)
	target, err := url.Parse(f.srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	transport := &http.Transport{}
	t.Cleanup(transport.CloseIdleConnections)
	proxy := &slowCommitProxy{target: target, fwd: transport,
		listed: make(chan struct{}), committed: make(chan struct{})}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ps := httptest.NewUnstartedServer(proxy)
	ps.Listener = ln
	ps.Start()
	t.Cleanup(ps.Close)

	c := newTestClient(t, ps.URL+"/", testToken, WithTimeout(300*time.Millisecond))
	req := IssueRequest{Title: "Workflow nightly failed", Body: "exit 1", DedupeKey: "delivery-slow"}
	if _, err := c.CreateIssue(context.Background(), testOwner, testRepo, req); err == nil {
		t.Fatal("CreateIssue succeeded although its POST timed out")
	}
	select {
	case <-proxy.committed:
	case <-time.After(10 * time.Second):
		t.Fatal("the held POST never reached the fake")
	}
	got, err := c.CreateIssue(context.Background(), testOwner, testRepo, req)
	if err != nil {
		t.Fatal(err)
	}
	if !got.Existing {
		t.Errorf("the second call opened issue #%d instead of finding the first", got.Number)
	}
	if n := issuesWithKey(f.srv, "delivery-slow"); n != 1 {
		t.Errorf("%d issues carry dedupe key delivery-slow, want 1", n)
	}
}

// TestCreateIssueFindsKeyBehindBurst creates the issue of key "late-1",
// whose response never arrives, and then 200 other issues, as a burst of
// failures does. A later call with NotBefore reads back past the newest 200
// issues and finds the first one.
func TestCreateIssueFindsKeyBehindBurst(t *testing.T) {
	f := setup(t)
	notBefore := time.Now().Add(-time.Minute)
	req := IssueRequest{Title: "Command deploy failed", Body: "exit 1", DedupeKey: "late-1", NotBefore: notBefore}
	f.srv.InjectFault(fakegithub.RouteCreateIssue, fakegithub.Fault{Stall: true})
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	_, err := f.client.CreateIssue(ctx, testOwner, testRepo, req)
	cancel()
	if err == nil {
		t.Fatal("the first call succeeded, want the deadline error")
	}
	if n := issuesWithKey(f.srv, "late-1"); n != 1 {
		t.Fatalf("after the first call %d issues carry the key, want 1", n)
	}
	f.srv.AddIssues(testOwner, testRepo, testLogin, 200)

	got, err := f.client.CreateIssue(context.Background(), testOwner, testRepo, req)
	if err != nil {
		t.Fatal(err)
	}
	if !got.Existing {
		t.Errorf("the later call opened issue #%d instead of finding the first", got.Number)
	}
	if n := issuesWithKey(f.srv, "late-1"); n != 1 {
		t.Errorf("%d issues carry dedupe key late-1, want 1", n)
	}
}
