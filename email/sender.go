package email

import (
	"context"
	"errors"
	"log/slog"
	"time"

	gomail "github.com/wneessen/go-mail"
)

// Sender sends email through one SMTP server. Each Send opens its own
// connection, so a Sender is safe for concurrent use.
type Sender struct {
	cfg Config
}

// New validates cfg, fills in its defaults and returns a Sender. It does
// not connect.
func New(cfg Config) (*Sender, error) {
	cfg = cfg.withDefaults()
	if err := cfg.validate(); err != nil {
		return nil, err
	}

	return &Sender{cfg: cfg}, nil
}

// Send delivers m: it connects, greets, encrypts per the TLS policy,
// authenticates when a Username is set, and sends m from Config.From. Every
// failure is an [*Error]. Cancelling ctx closes the connection and returns
// at once.
func (s *Sender) Send(ctx context.Context, m Message) error {
	msg, err := s.buildMsg(m)
	if err != nil {
		return &Error{Op: "compose", Err: err, reason: err.Error()}
	}

	client, watch, err := s.newClient()
	if err != nil {
		return &Error{Op: "send", Err: err, reason: s.redact(err.Error())}
	}

	stopWatching := context.AfterFunc(ctx, watch.stop)
	defer stopWatching()

	started := time.Now()
	err = client.DialAndSendWithContext(ctx, msg)
	watch.stop()
	if err != nil {
		return s.classify(ctx, err, watch.timedOut.Load())
	}

	s.cfg.Logger.DebugContext(ctx, "email: message sent",
		slog.Int("recipients", len(m.To)),
		slog.String("message_id", msg.GetMessageID()),
		slog.Duration("duration", time.Since(started)))

	return nil
}

// newClient creates the go-mail client for one send.
func (s *Sender) newClient() (*gomail.Client, *connWatch, error) {
	watch := &connWatch{}
	opts := []gomail.Option{
		gomail.WithPort(s.cfg.Port),
		gomail.WithTimeout(s.cfg.Timeout),
		gomail.WithTLSConfig(s.cfg.TLSConfig),
		gomail.WithTLSPolicy(s.goMailTLSPolicy()),
		gomail.WithDialContextFunc(s.dialFunc(watch)),
	}
	if s.cfg.Username != "" {
		opts = append(opts,
			gomail.WithOpportunisticSMTPAuth(gomail.SMTPAuthPlain, gomail.SMTPAuthLogin),
			gomail.WithUsername(s.cfg.Username),
			gomail.WithPassword(string(s.cfg.Password)),
		)
	}

	client, err := gomail.NewClient(s.cfg.Host, opts...)
	if err != nil {
		return nil, nil, errors.New("create SMTP client: " + err.Error())
	}

	return client, watch, nil
}

// goMailTLSPolicy maps the policy onto go-mail's. Implicit TLS is done by
// dialFunc, so go-mail must not try STARTTLS on top of it.
func (s *Sender) goMailTLSPolicy() gomail.TLSPolicy {
	switch s.cfg.TLSPolicy {
	case TLSOpportunistic:
		return gomail.TLSOpportunistic
	case TLSStartTLS:
		return gomail.TLSMandatory
	default:
		return gomail.NoTLS
	}
}

// Config returns the configuration in use, with defaults filled in. The
// TLSConfig is shared: do not modify it.
func (s *Sender) Config() Config { return s.cfg }
