// Receiver is a webhook consumer to copy from. It listens on 127.0.0.1, checks
// the signature of every request with the webhook package's Verifier, and
// prints the event type, delivery id and payload of each verified webhook:
//
//	WEBHOOK_SECRET=whsec_... go run ./examples/receiver
//	go run ./examples/receiver -secret whsec_... -addr 127.0.0.1:9000
//
// Prefer WEBHOOK_SECRET to -secret, because other users of the machine can
// read a command line in ps. Point a webhook endpoint's url at
// http://127.0.0.1:9000/, and give the endpoint the same secret. The host must
// allow loopback destinations (integrations.Config.AllowedNetworks or
// AllowPrivateNetworks), because the webhook guard blocks them by default.
//
// A request whose signature is missing or wrong gets 401 and is not printed.
// Delivery is at least once, so the same delivery can arrive twice. The
// receiver keeps the most recent delivery ids (-remember) and acknowledges a
// repeated one with 200 without processing it again. SIGINT or SIGTERM shuts
// the server down after the requests in progress finish.
//
// The -scheme flag selects the signature headers to check, and must match the
// endpoint's signature_scheme when set:
//
//   - hishamos: X-HishamOS-Signature, an HMAC-SHA256 of the body.
//   - standard: the Standard Webhooks headers webhook-id, webhook-timestamp
//     and webhook-signature, which also sign the id and a timestamp, so an old
//     request cannot be replayed after 5 minutes. It needs a whsec_ secret.
//   - both: a request may carry either set, and every set it carries must
//     verify. A request with only the hishamos header gets no timestamp
//     check, so use standard to require one.
//   - auto (the default): both for a whsec_ secret, hishamos otherwise.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/hishamos/integrations-external/webhook"
)

// shutdownTimeout bounds the wait for requests in progress at shutdown.
const shutdownTimeout = 5 * time.Second

// config is the parsed command line.
type config struct {
	addr     string
	verifier webhook.Verifier
	names    webhook.HeaderNames
	remember int
}

func main() {
	cfg, err := parseFlags(os.Args[1:], os.Getenv, os.Stderr)
	if errors.Is(err, flag.ErrHelp) {
		return
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "receiver:", err)
		os.Exit(2)
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	ln, err := net.Listen("tcp", cfg.addr)
	if err != nil {
		fmt.Fprintf(os.Stderr, "receiver: listen on %s: %v\n", cfg.addr, err)
		stop()
		os.Exit(1)
	}
	if err := serve(ctx, ln, cfg, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "receiver:", err)
		stop()
		os.Exit(1)
	}
}

// parseFlags reads the command line, and the secret from WEBHOOK_SECRET when
// -secret is not given. Usage and flag errors go to usage.
func parseFlags(args []string, getenv func(string) string, usage io.Writer) (config, error) {
	fs := flag.NewFlagSet("receiver", flag.ContinueOnError)
	fs.SetOutput(usage)
	addr := fs.String("addr", "127.0.0.1:9000", "`address` to listen on")
	secret := fs.String("secret", "", "signing `secret` shared with the endpoint (default $WEBHOOK_SECRET)")
	scheme := fs.String("scheme", "auto", "signature scheme to check: hishamos, standard, both or auto")
	product := fs.String("product", webhook.DefaultProduct, "product `name` in the X-<name>-* headers")
	remember := fs.Int("remember", 10000, "number of recent delivery ids kept to drop repeated deliveries")
	if err := fs.Parse(args); err != nil {
		return config{}, err
	}
	if fs.NArg() > 0 {
		return config{}, fmt.Errorf("unexpected argument %q: every setting is a flag, see -help", fs.Arg(0))
	}

	if *secret == "" {
		*secret = getenv("WEBHOOK_SECRET")
	}
	if *secret == "" {
		return config{}, errors.New("missing secret: set WEBHOOK_SECRET or pass -secret")
	}
	if *remember < 1 {
		return config{}, fmt.Errorf("invalid -remember %d: must be at least 1", *remember)
	}
	s, err := pickScheme(*scheme, *secret)
	if err != nil {
		return config{}, err
	}

	names := webhook.HeaderNamesFor(*product)
	verifier := webhook.Verifier{
		Secrets:     []webhook.Secret{webhook.Secret(*secret)},
		Scheme:      s,
		HeaderNames: names,
	}

	return config{addr: *addr, verifier: verifier, names: names, remember: *remember}, nil
}

// pickScheme resolves -scheme, where auto means both for a whsec_ secret and
// hishamos otherwise, and checks that the secret is valid for the scheme.
func pickScheme(name, secret string) (webhook.Scheme, error) {
	if name == "auto" {
		name = string(webhook.SchemeHishamOS)
		if strings.HasPrefix(secret, webhook.StandardPrefix) {
			name = string(webhook.SchemeBoth)
		}
	}
	s, err := webhook.ParseScheme(name)
	if err != nil {
		return "", fmt.Errorf("invalid -scheme %q: use hishamos, standard, both or auto", name)
	}
	if err := webhook.ValidateSecret(s, webhook.Secret(secret)); err != nil {
		return "", fmt.Errorf("invalid secret for -scheme %s: %w", s, err)
	}

	return s, nil
}

// serve handles webhooks on ln until ctx ends, then shuts down gracefully.
func serve(ctx context.Context, ln net.Listener, cfg config, out io.Writer) error {
	rc := newReceiver(cfg, out)
	srv := &http.Server{Handler: rc, ReadHeaderTimeout: 5 * time.Second}
	fmt.Fprintf(out, "listening on http://%s/ (scheme %s)\n", ln.Addr(), cfg.verifier.Scheme)

	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()

	select {
	case err := <-served:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}

	shutdownCtx, cancel := context.WithTimeout(context.Background(), shutdownTimeout)
	defer cancel()
	err := srv.Shutdown(shutdownCtx)
	<-served
	if err != nil {
		return fmt.Errorf("shut down: %w", err)
	}
	fmt.Fprintln(out, "stopped")

	return nil
}
