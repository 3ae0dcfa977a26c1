package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/mail"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/hishamos/integrations-external/email"
)

// Environment variables the server reads.
const (
	envSecretKey    = "INTEGRATIONS_SECRET_KEY"
	envSMTPPassword = "SMTP_PASSWORD"
)

// config is the validated command line and environment.
type config struct {
	addr                 string
	dbPath               string
	keyFile              string
	keyText              string // from INTEGRATIONS_SECRET_KEY, or "" to use keyFile
	users                []user
	allowPrivateNetworks bool
	smtp                 *email.Config // nil without -smtp, which turns email off
	githubAPIURL         string
	slackAPIURL          string
	retryBase            time.Duration
	pollInterval         time.Duration
	shutdownTimeout      time.Duration
	logFormat            string
}

// usageError is an invalid flag or environment value. main exits with
// status 2 for it.
type usageError struct{ err error }

func (e *usageError) Error() string { return e.err.Error() }
func (e *usageError) Unwrap() error { return e.err }

func usageErrorf(format string, args ...any) error {
	return &usageError{err: fmt.Errorf(format, args...)}
}

// rawFlags holds the flag values before validation.
type rawFlags struct {
	addr, db, keyFile, users                 string
	userEmails                               emailFlag
	allowPrivate                             bool
	smtp, smtpFrom, smtpUsername, smtpTLS    string
	githubAPIURL, slackAPIURL, logFormat     string
	retryBase, pollInterval, shutdownTimeout time.Duration
}

// newFlagSet defines every flag of the server on a new FlagSet.
func newFlagSet(raw *rawFlags) *flag.FlagSet {
	fs := flag.NewFlagSet("server", flag.ContinueOnError)
	fs.SetOutput(io.Discard) // main prints errors, and -h prints the usage to stdout
	fs.StringVar(&raw.addr, "addr", "127.0.0.1:8080",
		"TCP `host:port` to listen on; port 0 picks a free port, and the \"listening\" log record shows it")
	fs.StringVar(&raw.db, "db", "integrations.db", "SQLite database `file`, created when missing")
	fs.StringVar(&raw.keyFile, "key-file", "integrations.key",
		"`file` with the encryption key for stored secrets, created with mode 0600 when missing; "+
			"ignored when "+envSecretKey+" is set")
	fs.StringVar(&raw.users, "users", "demo:demo-token",
		"comma-separated `id:token[:admin]` entries; requests send \"Authorization: Bearer <token>\"")
	fs.Var(&raw.userEmails, "user-email",
		"`id=address` email address of a user (repeatable); default <id>@example.com")
	fs.BoolVar(&raw.allowPrivate, "allow-private-networks", false,
		"let webhooks reach loopback and private addresses (for tests and on-premises receivers only)")
	fs.StringVar(&raw.smtp, "smtp", "", "SMTP server `host:port` for email notifications; empty disables email")
	fs.StringVar(&raw.smtpFrom, "smtp-from", "",
		"sender `address` of notification emails, optionally \"Name <address>\"; required with -smtp")
	fs.StringVar(&raw.smtpUsername, "smtp-username", "",
		"SMTP AUTH user `name`; the password comes from "+envSMTPPassword)
	fs.StringVar(&raw.smtpTLS, "smtp-tls", "",
		"SMTP encryption: none, opportunistic, starttls or tls (default starttls, or tls with port 465)")
	fs.StringVar(&raw.githubAPIURL, "github-api-url", "",
		"GitHub REST API base `URL`, such as https://HOST/api/v3/ for GitHub Enterprise (default https://api.github.com/)")
	fs.StringVar(&raw.slackAPIURL, "slack-api-url", "",
		"Slack Web API base `URL` (default https://slack.com/api/)")
	fs.DurationVar(&raw.retryBase, "retry-base", 2*time.Second,
		"delay before the first retry of a failed delivery; later retries double it")
	fs.DurationVar(&raw.pollInterval, "poll-interval", 5*time.Second,
		"how often idle workers look for deliveries that became due without a wake-up, "+
			"such as deliveries whose lease ran out or that another process queued")
	fs.DurationVar(&raw.shutdownTimeout, "shutdown-timeout", 10*time.Second,
		"maximum time a shutdown waits for requests and deliveries in flight")
	fs.StringVar(&raw.logFormat, "log-format", "text", "log format: text or json")

	return fs
}

// parseConfig parses and validates args and the environment. For -h it
// prints the usage to stdout and returns flag.ErrHelp. Every invalid value is
// a *usageError.
func parseConfig(args []string, getenv func(string) string, stdout io.Writer) (*config, error) {
	var raw rawFlags
	fs := newFlagSet(&raw)
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			printUsage(stdout, fs)
			return nil, err
		}
		return nil, &usageError{err: fmt.Errorf("%w (run with -h to list the flags)", err)}
	}
	if fs.NArg() > 0 {
		return nil, usageErrorf("unexpected argument %q: the server takes flags only (run with -h to list them)", fs.Arg(0))
	}

	return raw.validate(getenv)
}

func printUsage(w io.Writer, fs *flag.FlagSet) {
	fmt.Fprintln(w, "Usage: server [flags]")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Runs an example host application with the integrations REST API under")
	fmt.Fprintln(w, "/api/v1/integrations-external/ and simulated command and workflow routes.")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Flags:")
	fs.SetOutput(w)
	fs.PrintDefaults()
	fs.SetOutput(io.Discard)
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Environment:")
	fmt.Fprintln(w, "  "+envSecretKey+"  encryption key: base64 of 32 bytes, or a keyring \"kid:base64[,kid:base64...]\"")
	fmt.Fprintln(w, "  "+envSMTPPassword+"            password for -smtp-username")
}

// validate checks every value and builds the config.
func (raw *rawFlags) validate(getenv func(string) string) (*config, error) {
	cfg := &config{
		addr:                 raw.addr,
		dbPath:               raw.db,
		keyFile:              raw.keyFile,
		keyText:              strings.TrimSpace(getenv(envSecretKey)),
		allowPrivateNetworks: raw.allowPrivate,
		retryBase:            raw.retryBase,
		pollInterval:         raw.pollInterval,
		shutdownTimeout:      raw.shutdownTimeout,
		logFormat:            raw.logFormat,
	}
	if err := checkListenAddr(raw.addr); err != nil {
		return nil, err
	}
	if raw.db == "" {
		return nil, usageErrorf("-db is empty: give the path of the SQLite database file")
	}
	if cfg.keyText == "" && raw.keyFile == "" {
		return nil, usageErrorf("-key-file is empty and %s is not set: give one of them", envSecretKey)
	}
	users, err := parseUsers(raw.users, raw.userEmails)
	if err != nil {
		return nil, err
	}
	cfg.users = users
	if cfg.smtp, err = raw.smtpConfig(getenv(envSMTPPassword)); err != nil {
		return nil, err
	}
	if cfg.githubAPIURL, err = checkAPIURL("-github-api-url", raw.githubAPIURL); err != nil {
		return nil, err
	}
	if cfg.slackAPIURL, err = checkAPIURL("-slack-api-url", raw.slackAPIURL); err != nil {
		return nil, err
	}
	if raw.retryBase <= 0 || raw.retryBase > time.Hour {
		return nil, usageErrorf("-retry-base %v is out of range: use a duration from 1ms to 1h, such as 2s", raw.retryBase)
	}
	if raw.pollInterval < 10*time.Millisecond || raw.pollInterval > time.Hour {
		return nil, usageErrorf("-poll-interval %v is out of range: use a duration from 10ms to 1h, such as 5s", raw.pollInterval)
	}
	if raw.shutdownTimeout <= 0 {
		return nil, usageErrorf("-shutdown-timeout %v must be positive, such as 10s", raw.shutdownTimeout)
	}
	if raw.logFormat != "text" && raw.logFormat != "json" {
		return nil, usageErrorf("-log-format %q is invalid: use text or json", raw.logFormat)
	}

	return cfg, nil
}

func checkListenAddr(addr string) error {
	_, port, err := net.SplitHostPort(addr)
	if err != nil {
		return usageErrorf("-addr %q is invalid: use host:port, such as 127.0.0.1:8080 (%v)", addr, err)
	}
	if n, err := strconv.Atoi(port); err != nil || n < 0 || n > 65535 {
		return usageErrorf("-addr %q has an invalid port: use a number from 0 to 65535", addr)
	}

	return nil
}

// checkAPIURL accepts "" (the service's public API) or an absolute http or
// https URL, and returns it with a trailing slash.
func checkAPIURL(flagName, raw string) (string, error) {
	if raw == "" {
		return "", nil
	}
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return "", usageErrorf("%s %q is invalid: use an absolute http or https URL", flagName, raw)
	}
	if u.User != nil || u.RawQuery != "" || u.Fragment != "" {
		return "", usageErrorf("%s must not contain credentials, a query or a fragment", flagName)
	}
	if !strings.HasSuffix(raw, "/") {
		raw += "/"
	}

	return raw, nil
}

// smtpConfig builds the email settings, or nil when -smtp is empty. It
// validates them with email.New, so a bad value fails at startup.
func (raw *rawFlags) smtpConfig(password string) (*email.Config, error) {
	if raw.smtp == "" {
		if raw.smtpFrom != "" || raw.smtpUsername != "" || raw.smtpTLS != "" {
			return nil, usageErrorf("-smtp-from, -smtp-username and -smtp-tls need -smtp host:port")
		}
		return nil, nil
	}
	cfg := email.Config{Username: raw.smtpUsername, Password: email.Password(password)}
	host, port, err := net.SplitHostPort(raw.smtp)
	if err != nil {
		return nil, usageErrorf("-smtp %q is invalid: use host:port, such as smtp.example.com:587", raw.smtp)
	}
	cfg.Host = host
	if cfg.Port, err = strconv.Atoi(port); err != nil || cfg.Port < 1 || cfg.Port > 65535 {
		return nil, usageErrorf("-smtp %q has an invalid port: use a number from 1 to 65535", raw.smtp)
	}
	if raw.smtpFrom == "" {
		return nil, usageErrorf("-smtp-from is required with -smtp: give the sender address, such as noreply@example.com")
	}
	from, err := mail.ParseAddress(raw.smtpFrom)
	if err != nil {
		return nil, usageErrorf("-smtp-from %q is not an email address: %v", raw.smtpFrom, err)
	}
	cfg.From, cfg.FromName = from.Address, from.Name
	if raw.smtpTLS != "" {
		if cfg.TLSPolicy, err = email.ParseTLSPolicy(raw.smtpTLS); err != nil {
			return nil, usageErrorf("-smtp-tls %q is invalid: use none, opportunistic, starttls or tls", raw.smtpTLS)
		}
	}
	if password != "" && raw.smtpUsername == "" {
		return nil, usageErrorf("%s is set but -smtp-username is empty: give the user name too", envSMTPPassword)
	}
	if _, err := email.New(cfg); err != nil {
		return nil, usageErrorf("SMTP settings are invalid: %v", err)
	}

	return &cfg, nil
}
