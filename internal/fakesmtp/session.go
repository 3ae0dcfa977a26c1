package fakesmtp

import (
	"bytes"
	"io"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

// session is one SMTP session. go-smtp starts a new one after STARTTLS.
type session struct {
	server *Server
	conn   *smtp.Conn

	authUser string
	from     string
	to       []string
}

var _ smtp.AuthSession = (*session)(nil)

// errAuthRequired is the RFC 4954 reply to MAIL before AUTH. go-smtp's own
// ErrAuthRequired uses 502 instead.
var errAuthRequired = &smtp.SMTPError{
	Code:         530,
	EnhancedCode: smtp.EnhancedCode{5, 7, 0},
	Message:      "Authentication required",
}

func (s *session) AuthMechanisms() []string {
	if s.server.opts.Auth == nil {
		return nil
	}

	return []string{sasl.Plain}
}

func (s *session) Auth(mech string) (sasl.Server, error) {
	creds := s.server.opts.Auth
	if creds == nil || mech != sasl.Plain {
		return nil, smtp.ErrAuthUnknownMechanism
	}

	return sasl.NewPlainServer(func(identity, username, password string) error {
		if identity != "" && identity != username {
			return smtp.ErrAuthFailed
		}
		if username != creds.Username || password != creds.Password {
			return smtp.ErrAuthFailed
		}
		s.authUser = username
		return nil
	}), nil
}

func (s *session) Mail(from string, _ *smtp.MailOptions) error {
	if s.server.opts.Auth != nil && s.authUser == "" {
		return errAuthRequired
	}
	if err := s.server.takeReply(StageMail); err != nil {
		return err
	}
	s.from = from

	return nil
}

func (s *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	if err := s.server.takeReply(StageRcpt); err != nil {
		return err
	}
	s.to = append(s.to, to)

	return nil
}

func (s *session) Data(r io.Reader) error {
	var buf bytes.Buffer
	if _, err := io.Copy(&buf, r); err != nil {
		return err
	}
	if s.server.opts.StallData {
		<-s.server.closing
		return errClosing
	}
	if err := s.server.takeReply(StageData); err != nil {
		return err
	}

	_, isTLS := s.conn.TLSConnectionState()
	s.server.store(Message{
		From:     s.from,
		To:       append([]string(nil), s.to...),
		Data:     buf.Bytes(),
		TLS:      isTLS,
		AuthUser: s.authUser,
	})

	return nil
}

func (s *session) Reset() {
	s.from = ""
	s.to = nil
}

func (s *session) Logout() error { return nil }

// errClosing ends a stalled DATA when the server closes.
var errClosing = &smtp.SMTPError{Code: 421, EnhancedCode: smtp.EnhancedCode{4, 3, 2}, Message: "Server closing"}

// replyError turns a Reply into the error go-smtp writes to the client.
func replyError(r Reply) error {
	msg := r.Message
	if msg == "" {
		msg = "Requested action not taken"
	}

	return &smtp.SMTPError{Code: r.Code, EnhancedCode: smtp.EnhancedCodeNotSet, Message: msg}
}
