package webhook_test

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/hishamos/integrations-external/webhook"
)

// BenchmarkSendVsBareClient sends signed 1 KiB payloads through Send and
// unsigned ones through a bare net/http client to the same loopback
// receiver, alternating one of each per iteration so both see the same
// machine load. It reports requests per second for each and their ratio.
func BenchmarkSendVsBareClient(b *testing.B) {
	receiver := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		_, _ = w.Write([]byte("ok"))
	}))
	defer receiver.Close()

	body := []byte(`{"event":"command.executed","data":"` + strings.Repeat("x", 1024-38) + `"}`)
	sender := webhook.NewSender(webhook.WithAllowPrivateNetworks(true))
	defer sender.Close()
	bare := &http.Client{Transport: &http.Transport{}}
	defer bare.CloseIdleConnections()

	req := webhook.Request{
		URL: receiver.URL, Body: body, EventType: "command.executed", DeliveryID: "bench",
		Secrets: []webhook.Secret{"test-secret"}, Timeout: 10 * time.Second,
	}
	sendBare := func() {
		r, _ := http.NewRequest(http.MethodPost, receiver.URL, bytes.NewReader(body))
		r.Header.Set("Content-Type", "application/json")
		resp, err := bare.Do(r)
		if err != nil {
			b.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
	}

	sendSigned := func() {
		if res := sender.Send(context.Background(), req); res.Err != nil {
			b.Fatal(res.Err)
		}
	}
	timed := func(send func()) time.Duration {
		start := time.Now()
		send()
		return time.Since(start)
	}

	// Alternate which client goes first, so neither always pays for
	// waking the receiver.
	var signed, unsigned time.Duration
	first := true
	for b.Loop() {
		if first {
			signed += timed(sendSigned)
			unsigned += timed(sendBare)
		} else {
			unsigned += timed(sendBare)
			signed += timed(sendSigned)
		}
		first = !first
	}

	n := float64(b.N)
	b.ReportMetric(n/signed.Seconds(), "signed_req/s")
	b.ReportMetric(n/unsigned.Seconds(), "bare_req/s")
	b.ReportMetric(unsigned.Seconds()/signed.Seconds(), "ratio")
}
