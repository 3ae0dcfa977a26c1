package integrations_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hishamos/integrations-external/integrations"
	"github.com/hishamos/integrations-external/store"
	"github.com/hishamos/integrations-external/store/memory"
)

// benchEndpoints is the number of webhook endpoints each event reaches.
const benchEndpoints = 4

// sink is a minimal loopback receiver for benchmarks. It reads each body,
// responds 200 and counts requests without keeping them.
type sink struct {
	url    string
	count  atomic.Int64
	target atomic.Int64
	done   chan struct{}
	once   sync.Once
	srv    *http.Server
}

func newSink(b *testing.B) *sink {
	b.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	s := &sink{url: "http://" + ln.Addr().String() + "/hook", done: make(chan struct{})}
	s.srv = &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		w.WriteHeader(http.StatusOK)
		if n := s.count.Add(1); n == s.target.Load() {
			s.once.Do(func() { close(s.done) })
		}
	})}
	go func() { _ = s.srv.Serve(ln) }()
	b.Cleanup(func() { _ = s.srv.Close() })

	return s
}

// expect arms the sink to signal after n more requests.
func (s *sink) expect(n int64) {
	s.once = sync.Once{}
	s.done = make(chan struct{})
	s.target.Store(s.count.Load() + n)
}

// benchPayload is a 1 KiB JSON object.
func benchPayload() map[string]any {
	return map[string]any{"blob": strings.Repeat("x", 1000)}
}

// rawRate posts n 1 KiB bodies to the sink with workers goroutines and a
// plain keep-alive client, and returns requests per second.
func rawRate(b *testing.B, s *sink, n, workers int) float64 {
	b.Helper()
	body := bytes.Repeat([]byte("x"), 1024)
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: workers}}
	defer client.CloseIdleConnections()
	var next atomic.Int64
	var wg sync.WaitGroup
	start := time.Now()
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for next.Add(1) <= int64(n) {
				resp, err := client.Post(s.url, "application/json", bytes.NewReader(body))
				if err != nil {
					b.Error(err)
					return
				}
				_, _ = io.Copy(io.Discard, resp.Body)
				_ = resp.Body.Close()
			}
		}()
	}
	wg.Wait()

	return float64(n) / time.Since(start).Seconds()
}

// endToEnd dispatches b.N events to benchEndpoints signed webhooks and
// reports deliveries/s, the ratio to a raw client measured in the same run,
// and the p50 and p99 latency of Dispatch.
func endToEnd(b *testing.B, st store.Store) {
	s := newSink(b)
	ctx := context.Background()
	for i := range benchEndpoints {
		ep := store.NewWebhookEndpoint("bench")
		ep.Name = "sink-" + strconv.Itoa(i)
		ep.URL = s.url
		ep.Secret = store.NewSecret("whsec_" + strings.Repeat("A", 32))
		ep.CustomEvents = []string{"bench.event"}
		if err := st.CreateWebhookEndpoint(ctx, ep); err != nil {
			b.Fatal(err)
		}
	}
	d, err := integrations.New(integrations.Config{Store: st, AllowPrivateNetworks: true})
	if err != nil {
		b.Fatal(err)
	}
	if err := d.Start(ctx); err != nil {
		b.Fatal(err)
	}
	defer func() { _ = d.Stop(context.Background()) }()

	// Warm both paths, then measure the raw client on the same receiver.
	warm := max(b.N/10, 50)
	raw := rawRate(b, s, max(b.N*benchEndpoints, 2000), 8)
	s.expect(int64(warm * benchEndpoints))
	dispatchEvents(b, d, warm, nil)
	<-s.done

	s.expect(int64(b.N * benchEndpoints))
	latencies := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	start := time.Now()
	dispatchEvents(b, d, b.N, &latencies)
	<-s.done
	elapsed := time.Since(start)
	b.StopTimer()

	rate := float64(b.N*benchEndpoints) / elapsed.Seconds()
	slices.Sort(latencies)
	b.ReportMetric(rate, "deliveries/s")
	b.ReportMetric(raw, "raw-requests/s")
	b.ReportMetric(rate/raw, "ratio")
	b.ReportMetric(float64(latencies[len(latencies)/2].Microseconds()), "dispatch-p50-µs")
	b.ReportMetric(float64(latencies[len(latencies)*99/100].Microseconds()), "dispatch-p99-µs")
}

// benchDispatchers is the number of goroutines calling Dispatch. With 8 the
// delivery rate was the same as with 1, and the latencies measured the
// dispatchers queueing for each other, so the figures use 1.
const benchDispatchers = 1

// dispatchEvents dispatches n custom events from benchDispatchers
// goroutines, recording each call's latency when latencies is not nil.
func dispatchEvents(b *testing.B, d *integrations.Dispatcher, n int, latencies *[]time.Duration) {
	data := benchPayload()
	var next atomic.Int64
	var mu sync.Mutex
	var wg sync.WaitGroup
	for range benchDispatchers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := next.Add(1)
				if i > int64(n) {
					return
				}
				ev, err := integrations.CustomEvent("bench.event", "bench", data, time.Now())
				if err != nil {
					b.Error(err)
					return
				}
				ev.IdempotencyKey = fmt.Sprintf("%p-%d", latencies, i)
				t0 := time.Now()
				if _, err := d.Dispatch(context.Background(), ev); err != nil {
					b.Error(err)
					return
				}
				if latencies != nil {
					took := time.Since(t0)
					mu.Lock()
					*latencies = append(*latencies, took)
					mu.Unlock()
				}
			}
		}()
	}
	wg.Wait()
	if b.Failed() {
		b.FailNow()
	}
}

func BenchmarkEndToEndSQLite(b *testing.B) {
	st := openSQLite(b, filepath.Join(b.TempDir(), "bench.db"))
	defer st.Close()
	endToEnd(b, st)
}

func BenchmarkEndToEndMemory(b *testing.B) {
	st := memory.New(memory.Options{})
	defer st.Close()
	endToEnd(b, st)
}

// BenchmarkBacklogRSS enqueues a backlog of pending deliveries in SQLite,
// delivers them all, and reports the process's peak resident set size. The
// backlog size comes from INTEGRATIONS_BACKLOG (default 100000); the
// documented figure uses 1000000. Run it alone with -benchtime 1x.
func BenchmarkBacklogRSS(b *testing.B) {
	total := 100_000
	if v, err := strconv.Atoi(os.Getenv("INTEGRATIONS_BACKLOG")); err == nil && v > 0 {
		total = v
	}
	st := openSQLite(b, filepath.Join(b.TempDir(), "backlog.db"))
	defer st.Close()
	s := newSink(b)
	ctx := context.Background()
	ep := store.NewWebhookEndpoint("bench")
	ep.Name, ep.URL, ep.CustomEvents = "sink", s.url, []string{"bench.event"}
	if err := st.CreateWebhookEndpoint(ctx, ep); err != nil {
		b.Fatal(err)
	}
	payload := []byte(`{"event":"bench.event","blob":"` + strings.Repeat("x", 1000) + `"}`)
	now := time.Now().UTC()
	for done := 0; done < total; {
		batch := make([]*store.Delivery, 0, 1000)
		for i := 0; i < 1000 && done < total; i++ {
			batch = append(batch, &store.Delivery{Channel: store.ChannelWebhook, TargetID: ep.ID,
				UserID: "bench", EventType: "bench.event", Payload: payload, MaxAttempts: 3,
				TriggeredAt: now, NextAttemptAt: now})
			done++
		}
		if _, err := st.EnqueueDeliveries(ctx, batch); err != nil {
			b.Fatal(err)
		}
	}
	runtime.GC()

	d, err := integrations.New(integrations.Config{Store: st, AllowPrivateNetworks: true,
		PerTargetConcurrency: 8})
	if err != nil {
		b.Fatal(err)
	}
	s.expect(int64(total))
	b.ResetTimer()
	start := time.Now()
	if err := d.Start(ctx); err != nil {
		b.Fatal(err)
	}
	<-s.done
	elapsed := time.Since(start)
	b.StopTimer()
	_ = d.Stop(context.Background())

	b.ReportMetric(float64(total)/elapsed.Seconds(), "deliveries/s")
	b.ReportMetric(peakRSSMiB(b), "peak-RSS-MiB")
}

// peakRSSMiB reads the process's peak resident set size (VmHWM) from
// /proc/self/status.
func peakRSSMiB(b *testing.B) float64 {
	raw, err := os.ReadFile("/proc/self/status")
	if err != nil {
		b.Skip("peak RSS needs /proc/self/status (Linux)")
	}
	for _, line := range strings.Split(string(raw), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, err := strconv.Atoi(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")))
			if err == nil {
				return float64(kb) / 1024
			}
		}
	}
	b.Skip("no VmHWM line in /proc/self/status")

	return 0
}
