package email_test

import (
	"context"
	"testing"
	"time"

	"github.com/hishamos/integrations-external/email"
	"github.com/hishamos/integrations-external/internal/fakesmtp"
)

func BenchmarkComposeCommand(b *testing.B) {
	cmd := email.Command{Name: "deploy", Status: "failed", Error: "permission denied",
		ExecutionTime: 2500 * time.Millisecond, Cost: 0.001}
	for b.Loop() {
		if _, err := (email.Composer{}).Command(cmd); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkSendLoopback sends one message per iteration over a new
// connection to fakesmtp on 127.0.0.1, without TLS.
func BenchmarkSendLoopback(b *testing.B) {
	srv, err := fakesmtp.Start(fakesmtp.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer srv.Close()
	sender, err := email.New(email.Config{Host: srv.Host(), Port: srv.Port(), TLSPolicy: email.TLSNone,
		From: testFrom, Timeout: 5 * time.Second})
	if err != nil {
		b.Fatal(err)
	}
	msg := plainMessage("benchmark")
	ctx := context.Background()

	for b.Loop() {
		if err := sender.Send(ctx, msg); err != nil {
			b.Fatal(err)
		}
	}
}
