// Quickstart runs the whole integrations-external flow on one machine in a
// few seconds, with nothing to install:
//
//	go run ./examples/quickstart
//
// It opens a SQLite store in a temporary directory, starts a webhook receiver
// and an SMTP server on 127.0.0.1, and serves the REST API on 127.0.0.1. Through
// that API it configures a webhook endpoint and email settings for a demo user.
// It then reports a successful command, a failed command and a completed
// workflow, waits for the deliveries, and prints each delivery with its
// attempts, what the receiver verified and the subjects of the emails. It
// exits with status 0 when every delivery succeeded and 1 otherwise.
//
// Slack and GitHub take part when their credentials are in the environment.
// Both talk to the real services:
//
//	SLACK_BOT_TOKEN=xoxb-... SLACK_CHANNEL_ID=C0123456 go run ./examples/quickstart
//	GITHUB_TOKEN=ghp_... GITHUB_REPOSITORY=owner/name go run ./examples/quickstart
//
// The Slack integration posts all three events to the channel. The GitHub
// integration has auto_create_issues on, so the failed command opens an issue
// in the repository.
package main

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/netip"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/hishamos/integrations-external/email"
	"github.com/hishamos/integrations-external/integrations"
	"github.com/hishamos/integrations-external/integrations/httpapi"
	"github.com/hishamos/integrations-external/store"
	"github.com/hishamos/integrations-external/store/sqlite"
)

const (
	demoUser  = "demo"
	demoEmail = "demo@example.com"

	// deliveryDeadline bounds the wait for every delivery to finish. They
	// normally finish within a second. A failed attempt is retried after
	// about 2s and then 4s with the default backoff.
	deliveryDeadline = 30 * time.Second

	// shutdownTimeout bounds each server's and the dispatcher's shutdown.
	shutdownTimeout = 5 * time.Second
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	if err := run(ctx, os.Stdout, os.Getenv); err != nil {
		fmt.Fprintln(os.Stderr, "quickstart:", err)
		stop()
		os.Exit(1)
	}
}

// run runs the whole flow and returns an error when a step or a delivery
// failed. getenv reads the optional Slack and GitHub settings.
func run(ctx context.Context, out io.Writer, getenv func(string) string) (err error) {
	opt, err := readOptionalIntegrations(getenv)
	if err != nil {
		return err
	}

	dir, err := os.MkdirTemp("", "integrations-quickstart-")
	if err != nil {
		return fmt.Errorf("create a temporary directory: %w", err)
	}
	defer closeAndJoin(&err, func() error { return os.RemoveAll(dir) })

	st, err := openStore(ctx, out, filepath.Join(dir, "integrations.db"))
	if err != nil {
		return err
	}
	defer closeAndJoin(&err, st.Close)

	mail, err := startMailServer()
	if err != nil {
		return err
	}
	defer closeAndJoin(&err, mail.Close)
	fmt.Fprintf(out, "smtp:     %s (loopback only, no AUTH, no TLS)\n", mail.Addr())

	// The endpoint and the receiver share this secret. Without "secret" in
	// the create request, the API would generate one and return it once.
	secret, err := integrations.GenerateWebhookSecret()
	if err != nil {
		return fmt.Errorf("generate a webhook secret: %w", err)
	}
	receiver := &webhookReceiver{}
	receiverServer, err := startHTTP(receiver.handler(secret))
	if err != nil {
		return err
	}
	defer closeAndJoin(&err, receiverServer.Close)
	receiverURL := receiverServer.URL + "/webhooks"
	fmt.Fprintf(out, "receiver: %s (verifies X-HishamOS-Signature)\n", receiverURL)

	finished := newFinishedSet()
	d, err := integrations.New(integrations.Config{
		Store: st,
		// A loopback SMTP server needs no TLS. For a real relay, keep the
		// default TLSPolicy "starttls" and set Username and Password.
		Email: &email.Config{Host: "127.0.0.1", Port: mail.Addr().Port,
			TLSPolicy: email.TLSNone, From: "quickstart@example.com", FromName: "Quickstart"},
		// The webhook guard blocks loopback and private addresses, so a
		// webhook cannot reach internal services. The receiver listens on
		// 127.0.0.1, so this demo allows that one address and nothing else.
		// Leave this unset in production.
		AllowedNetworks:    []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")},
		OnDeliveryFinished: finished.add,
	})
	if err != nil {
		return fmt.Errorf("create the dispatcher: %w", err)
	}
	fmt.Fprintln(out, "note:     Config.AllowedNetworks allows 127.0.0.1/32 because the receiver is on loopback;")
	fmt.Fprintln(out, "          webhooks to loopback and private addresses are blocked without it")
	// Stop ends the run; a cancelled Start context would abandon attempts.
	if err := d.Start(context.WithoutCancel(ctx)); err != nil {
		return fmt.Errorf("start the dispatcher: %w", err)
	}
	defer closeAndJoin(&err, func() error { return stopDispatcher(d) })

	token := rand.Text()
	mux := http.NewServeMux()
	mux.Handle(httpapi.DefaultPrefix, httpapi.New(d.Service(), httpapi.Options{Authenticator: bearerAuth(token)}))
	apiServer, err := startHTTP(mux)
	if err != nil {
		return err
	}
	defer closeAndJoin(&err, apiServer.Close)
	fmt.Fprintf(out, "api:      %s%s\n", apiServer.URL, httpapi.DefaultPrefix)

	api := newAPIClient(apiServer.URL+httpapi.DefaultPrefix, token)
	defer api.CloseIdleConnections()
	if err := configure(ctx, out, api, receiverURL, secret, opt); err != nil {
		return err
	}

	events, err := dispatchEvents(ctx, out, d)
	if err != nil {
		return err
	}
	if err := finished.wait(ctx, deliveryDeadline, allIDs(events)); err != nil {
		return err
	}

	return report(ctx, out, api, events, receiver, mail)
}

// openStore opens the SQLite store with a newly generated encryption key. A
// real host keeps its key outside the database, for example in
// INTEGRATIONS_SECRET_KEY, and parses it with store.ParseKeyring.
func openStore(ctx context.Context, out io.Writer, path string) (*sqlite.Store, error) {
	key, err := store.GenerateKey()
	if err != nil {
		return nil, fmt.Errorf("generate an encryption key: %w", err)
	}
	keys, err := store.ParseKeyring(key)
	if err != nil {
		return nil, fmt.Errorf("parse the encryption key: %w", err)
	}
	st, err := sqlite.Open(ctx, path, sqlite.Options{Keys: keys})
	if err != nil {
		return nil, fmt.Errorf("open the SQLite store: %w", err)
	}
	fmt.Fprintf(out, "store:    SQLite at %s, secrets encrypted with a generated key\n", path)

	return st, nil
}

// bearerAuth accepts one bearer token as the demo user. A real host checks
// its own sessions or tokens here.
func bearerAuth(token string) httpapi.Authenticator {
	return httpapi.AuthenticatorFunc(func(r *http.Request) (httpapi.Principal, error) {
		got, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		if !ok || subtle.ConstantTimeCompare([]byte(got), []byte(token)) != 1 {
			return httpapi.Principal{}, errors.New("missing or invalid bearer token")
		}

		return httpapi.Principal{UserID: demoUser, Email: demoEmail}, nil
	})
}

// stopDispatcher stops the workers, waiting for attempts in flight.
func stopDispatcher(d *integrations.Dispatcher) error {
	ctx, cancel := context.WithTimeout(context.Background(), shutdownTimeout)
	defer cancel()

	return d.Stop(ctx)
}

// closeAndJoin runs a deferred close and adds its error to *err.
func closeAndJoin(err *error, close func() error) {
	*err = errors.Join(*err, close())
}
