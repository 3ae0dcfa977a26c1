package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/hishamos/integrations-external/integrations"
	"github.com/hishamos/integrations-external/store/sqlite"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr)
	stop()
	if err != nil {
		fmt.Fprintf(os.Stderr, "server: %v\n", err)
		os.Exit(exitCode(err))
	}
}

// exitCode returns 2 for invalid flags or environment values and 1 for
// every other error.
func exitCode(err error) int {
	var usage *usageError
	if errors.As(err, &usage) {
		return 2
	}

	return 1
}

// run starts the server with the given arguments and environment, serves
// until ctx is cancelled, and then shuts down gracefully. Logs go to stderr
// and the -h usage to stdout.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	cfg, err := parseConfig(args, getenv, stdout)
	if errors.Is(err, flag.ErrHelp) {
		return nil
	}
	if err != nil {
		return err
	}
	log := newLogger(cfg.logFormat, stderr)

	a, err := open(ctx, cfg, log)
	if err != nil {
		return err
	}

	return a.serve(ctx)
}

// app is one running server: its store, dispatcher and HTTP server.
type app struct {
	cfg  *config
	log  *slog.Logger
	st   *sqlite.Store
	d    *integrations.Dispatcher
	srv  *http.Server
	ln   net.Listener
	auth *tokenAuth
}

// open loads the key, opens the store, builds the dispatcher and listens.
// On failure it closes whatever it opened.
func open(ctx context.Context, cfg *config, log *slog.Logger) (*app, error) {
	keys, err := loadKeyring(cfg, log)
	if err != nil {
		return nil, err
	}
	st, err := sqlite.Open(ctx, cfg.dbPath, sqlite.Options{Keys: keys, Logger: log})
	if err != nil {
		return nil, fmt.Errorf("open the database: %w", err)
	}
	a := &app{cfg: cfg, log: log, st: st, auth: &tokenAuth{users: cfg.users}}
	if a.d, err = integrations.New(a.dispatcherConfig()); err != nil {
		st.Close()
		return nil, err
	}
	if a.ln, err = net.Listen("tcp", cfg.addr); err != nil {
		st.Close()
		return nil, fmt.Errorf("listen on %s: %w (choose another -addr)", cfg.addr, err)
	}
	h := &host{d: a.d, st: st, auth: a.auth, log: log}
	a.srv = &http.Server{
		Handler:           newHandler(h),
		ReadHeaderTimeout: 10 * time.Second,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}

	return a, nil
}

func (a *app) dispatcherConfig() integrations.Config {
	cfg := integrations.Config{
		Store:                a.st,
		Logger:               a.log,
		RetryBase:            a.cfg.retryBase,
		PollInterval:         a.cfg.pollInterval,
		AllowPrivateNetworks: a.cfg.allowPrivateNetworks,
		SlackAPIURL:          a.cfg.slackAPIURL,
		GitHubAPIURL:         a.cfg.githubAPIURL,
		UserEmail:            a.auth.userEmail,
	}
	if a.cfg.smtp != nil {
		mail := *a.cfg.smtp
		mail.Logger = a.log
		cfg.Email = &mail
	}

	return cfg
}

// serve starts the dispatcher and the HTTP server and shuts both down when
// ctx ends or the HTTP server fails.
func (a *app) serve(ctx context.Context) error {
	a.logStart()
	// The workers must outlive ctx: a signal starts a graceful Stop instead
	// of cancelling attempts in flight.
	if err := a.d.Start(context.WithoutCancel(ctx)); err != nil {
		a.ln.Close()
		a.st.Close()
		return err
	}
	serveErr := make(chan error, 1)
	go func() { serveErr <- a.srv.Serve(a.ln) }()
	a.log.Info("listening", "addr", a.ln.Addr().String(), "url", "http://"+a.ln.Addr().String()+"/")

	var err error
	reason := "signal"
	select {
	case <-ctx.Done():
	case err = <-serveErr:
		err = fmt.Errorf("serve HTTP: %w", err)
		reason = "HTTP server failed"
	}

	return errors.Join(err, a.shutdown(reason))
}

func (a *app) logStart() {
	mail := "disabled"
	if a.cfg.smtp != nil {
		mail = net.JoinHostPort(a.cfg.smtp.Host, fmt.Sprint(a.cfg.smtp.Port))
	}
	a.log.Info("server starting", "db", a.cfg.dbPath, "users", len(a.cfg.users), "smtp", mail,
		"retry_base", a.cfg.retryBase.String(), "poll_interval", a.cfg.pollInterval.String(),
		"shutdown_timeout", a.cfg.shutdownTimeout.String())
	if a.cfg.allowPrivateNetworks {
		a.log.Warn("webhooks may reach loopback and private network addresses because " +
			"-allow-private-networks is set: use it only for tests and on-premises receivers")
	}
}

// shutdown stops accepting requests, waits for requests and deliveries in
// flight until -shutdown-timeout has passed, and closes the store.
// Deliveries abandoned at the deadline stay in the store and are attempted
// again at the next start.
func (a *app) shutdown(reason string) error {
	a.log.Info("shutting down", "reason", reason, "timeout", a.cfg.shutdownTimeout.String())
	ctx, cancel := context.WithTimeout(context.Background(), a.cfg.shutdownTimeout)
	defer cancel()

	if err := a.srv.Shutdown(ctx); err != nil {
		a.log.Warn("requests still in flight at the shutdown deadline were cut off", "error", err)
		a.srv.Close()
	}
	if err := a.d.Stop(ctx); err != nil {
		a.log.Warn("deliveries in flight at the shutdown deadline were abandoned, "+
			"and the next start attempts them again", "error", err)
	}
	stats := a.d.Stats()
	if err := a.st.Close(); err != nil {
		return fmt.Errorf("close the database: %w", err)
	}
	a.log.Info("stopped", "delivered", stats.Succeeded, "failed", stats.Failed, "retried", stats.Retried)

	return nil
}
