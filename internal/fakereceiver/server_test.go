package fakereceiver_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/hishamos/integrations-external/internal/fakereceiver"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func post(t *testing.T, s *fakereceiver.Server, body string) *http.Response {
	t.Helper()
	resp, err := s.Client().Post(s.URL+"/hook?x=1", "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatalf("POST: %v", err)
	}
	t.Cleanup(func() { resp.Body.Close() })

	return resp
}

func TestServerRecordsRequests(t *testing.T) {
	t.Parallel()
	s := fakereceiver.New(t, fakereceiver.OK())
	resp := post(t, s, `{"a":1}`)
	if resp.StatusCode != http.StatusOK {
		t.Errorf("status = %d, want 200", resp.StatusCode)
	}

	reqs := s.AwaitRequests(1)
	got := reqs[0]
	if got.Method != http.MethodPost || got.Path != "/hook" || got.RawQuery != "x=1" {
		t.Errorf("request = %s %s?%s, want POST /hook?x=1", got.Method, got.Path, got.RawQuery)
	}
	if !bytes.Equal(got.Body, []byte(`{"a":1}`)) {
		t.Errorf("body = %q, want %q", got.Body, `{"a":1}`)
	}
	if got.Header.Get("Content-Type") != "application/json" {
		t.Errorf("Content-Type = %q, want application/json", got.Header.Get("Content-Type"))
	}
	if got.Number != 1 {
		t.Errorf("Number = %d, want 1", got.Number)
	}
	if s.Connections() != 1 {
		t.Errorf("Connections() = %d, want 1", s.Connections())
	}
}

func TestFailThenOK(t *testing.T) {
	t.Parallel()
	s := fakereceiver.New(t, fakereceiver.FailThenOK(2, http.StatusInternalServerError))
	want := []int{500, 500, 200, 200}
	for i, w := range want {
		if got := post(t, s, "{}").StatusCode; got != w {
			t.Errorf("request %d: status = %d, want %d", i+1, got, w)
		}
	}
}

func TestTooManyRequestsAndGone(t *testing.T) {
	t.Parallel()
	s := fakereceiver.New(t, fakereceiver.TooManyRequests("7"))
	resp := post(t, s, "{}")
	if resp.StatusCode != http.StatusTooManyRequests || resp.Header.Get("Retry-After") != "7" {
		t.Errorf("got %d Retry-After %q, want 429 and 7", resp.StatusCode, resp.Header.Get("Retry-After"))
	}

	g := fakereceiver.New(t, fakereceiver.Gone())
	if got := post(t, g, "{}").StatusCode; got != http.StatusGone {
		t.Errorf("status = %d, want 410", got)
	}
}

func TestRedirect(t *testing.T) {
	t.Parallel()
	s := fakereceiver.New(t, fakereceiver.Redirect(http.StatusFound, "http://127.0.0.1:1/elsewhere"))
	client := s.Client()
	client.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	resp, err := client.Get(s.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusFound {
		t.Errorf("status = %d, want 302", resp.StatusCode)
	}
	if got := resp.Header.Get("Location"); got != "http://127.0.0.1:1/elsewhere" {
		t.Errorf("Location = %q", got)
	}
}

func TestHangUntilRelease(t *testing.T) {
	t.Parallel()
	s := fakereceiver.New(t, fakereceiver.Hang())
	done := make(chan int, 1)
	go func() {
		resp, err := s.Client().Post(s.URL, "application/json", strings.NewReader("{}"))
		if err != nil {
			done <- -1
			return
		}
		resp.Body.Close()
		done <- resp.StatusCode
	}()

	s.AwaitRequests(1)
	select {
	case code := <-done:
		t.Fatalf("answered %d before Release", code)
	default:
	}
	s.Release()
	if code := <-done; code != http.StatusOK {
		t.Errorf("status after Release = %d, want 200", code)
	}
}

func TestStallBodyBlocksReader(t *testing.T) {
	t.Parallel()
	s := fakereceiver.New(t, fakereceiver.StallBody())
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, s.URL, strings.NewReader("{}"))
	resp, err := s.Client().Do(req)
	if err != nil {
		t.Fatalf("headers should arrive before the stall: %v", err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("read error = %v, want deadline exceeded", err)
	}
	if string(body) != `{"status":` {
		t.Errorf("partial body = %q", body)
	}
}

func TestEndlessBody(t *testing.T) {
	t.Parallel()
	s := fakereceiver.New(t, fakereceiver.EndlessBody())
	resp := post(t, s, "{}")
	n, err := io.CopyN(io.Discard, resp.Body, 1<<20)
	if err != nil || n != 1<<20 {
		t.Errorf("read %d bytes, err %v; want 1 MiB and more to come", n, err)
	}
}

func TestWaitForRequestsHonoursContext(t *testing.T) {
	t.Parallel()
	s := fakereceiver.New(t, fakereceiver.OK())
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := s.WaitForRequests(ctx, 1); !errors.Is(err, context.Canceled) {
		t.Errorf("err = %v, want context.Canceled", err)
	}
}
