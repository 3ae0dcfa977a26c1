package email

import (
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/mail"
	"strings"
	"time"
)

// Defaults applied by [New] to zero Config fields.
const (
	DefaultTimeout         = 30 * time.Second
	DefaultPort            = 587 // for none, opportunistic and starttls
	DefaultImplicitTLSPort = 465 // port for the "tls" policy
)

// Config configures a [Sender]. Host and From are required.
type Config struct {
	// Host is the SMTP server's host name or IP address. Required.
	Host string

	// Port is the SMTP server's TCP port. Default: 465 with TLSPolicy "tls",
	// 587 otherwise.
	Port int

	// Username enables SMTP AUTH (PLAIN, or LOGIN when the server offers no
	// PLAIN) when set. Default: "", no authentication.
	Username string

	// Password is sent with Username. It never appears in errors or logs.
	Password Password

	// TLSPolicy selects the encryption: "none", "opportunistic", "starttls"
	// or "tls". Default: "starttls", or "tls" when Port is 465.
	TLSPolicy TLSPolicy

	// From is the sender's bare address, used in the From header and as the
	// envelope MAIL FROM. Required.
	From string

	// FromName is the display name in the From header. Default: "", the
	// bare address only.
	FromName string

	// Timeout bounds each phase of a send: connecting (dial, server
	// greeting, TLS handshake or STARTTLS, and AUTH) and then the mail
	// transaction (MAIL, RCPT and DATA). A send may therefore take up to
	// twice Timeout; pass a context deadline to cap the total.
	// Default: 30s.
	Timeout time.Duration

	// TLSConfig verifies the server for "starttls", "tls" and an
	// opportunistic upgrade. It is cloned; an empty ServerName is set to
	// Host. Default: system roots, TLS 1.2 or later, ServerName Host.
	TLSConfig *tls.Config

	// Logger receives debug records for each send. Default: discard.
	Logger *slog.Logger
}

// withDefaults returns a copy of c with defaults filled in.
func (c Config) withDefaults() Config {
	if c.TLSPolicy == "" {
		c.TLSPolicy = TLSStartTLS
		if c.Port == DefaultImplicitTLSPort {
			c.TLSPolicy = TLSImplicit
		}
	}
	if c.Port == 0 {
		c.Port = DefaultPort
		if c.TLSPolicy == TLSImplicit {
			c.Port = DefaultImplicitTLSPort
		}
	}
	if c.Timeout == 0 {
		c.Timeout = DefaultTimeout
	}
	if c.TLSConfig == nil {
		c.TLSConfig = &tls.Config{MinVersion: tls.VersionTLS12}
	} else {
		c.TLSConfig = c.TLSConfig.Clone()
	}
	if c.TLSConfig.ServerName == "" {
		c.TLSConfig.ServerName = c.Host
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}

	return c
}

// validate returns every invalid field of a Config that has its defaults.
func (c Config) validate() error {
	var errs []error
	if strings.TrimSpace(c.Host) == "" {
		errs = append(errs, errors.New("email: missing Config.Host: set the SMTP server's host name"))
	} else if net.ParseIP(c.Host) == nil && strings.ContainsAny(c.Host, " \t\r\n/:@[]") {
		errs = append(errs, fmt.Errorf("email: invalid Config.Host %q: use a host name or IP address without port or scheme", c.Host))
	}
	if c.Port < 1 || c.Port > 65535 {
		errs = append(errs, fmt.Errorf("email: invalid Config.Port %d: use 1 to 65535", c.Port))
	}
	if err := c.TLSPolicy.Validate(); err != nil {
		errs = append(errs, fmt.Errorf("email: invalid Config.TLSPolicy %q: use none, opportunistic, starttls or tls", string(c.TLSPolicy)))
	}
	if err := validateBareAddress(c.From); err != nil {
		errs = append(errs, fmt.Errorf("email: invalid Config.From: %w", err))
	}
	if strings.ContainsAny(c.FromName, "\r\n") {
		errs = append(errs, errors.New("email: invalid Config.FromName: remove CR and LF characters"))
	}
	if c.Timeout < 0 {
		errs = append(errs, fmt.Errorf("email: invalid Config.Timeout %s: use a positive duration, or 0 for 30s", c.Timeout))
	}
	if c.Password != "" && c.Username == "" {
		errs = append(errs, errors.New("email: missing Config.Username: a Password was set without a user name"))
	}

	return errors.Join(errs...)
}

// validateBareAddress accepts only "local@domain" with no display name,
// angle brackets, spaces or control characters.
func validateBareAddress(addr string) error {
	if addr == "" {
		return errors.New("address is empty: use a bare address such as noreply@example.com")
	}
	if strings.ContainsAny(addr, "\r\n") {
		return fmt.Errorf("address %q contains CR or LF", addr)
	}
	parsed, err := mail.ParseAddress(addr)
	if err != nil {
		return fmt.Errorf("address %q is not valid: use a bare address such as noreply@example.com", addr)
	}
	if parsed.Name != "" || parsed.Address != addr {
		return fmt.Errorf("address %q is not a bare address: give only local@domain, and the name separately", addr)
	}

	return nil
}
