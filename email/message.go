package email

import (
	"errors"
	"fmt"
	"net/mail"
	"strings"
	"unicode/utf8"

	gomail "github.com/wneessen/go-mail"
)

// ErrInvalidMessage is wrapped by the [Error] Send returns for a message it
// cannot send as given: no recipient, an invalid recipient address, an
// empty body or an invalid ID. Such errors are permanent.
var ErrInvalidMessage = errors.New("invalid message")

// Message is one email to send. Build one with a [Composer] or fill it in
// directly.
type Message struct {
	// To lists the recipients' addresses. Each is a bare address or
	// "Name <address>"; at least one is required.
	To []string

	// Subject is the subject line. CR, LF and other control characters are
	// replaced by spaces before sending, so it cannot add a header.
	Subject string

	// Text is the plain-text body. Required.
	Text string

	// HTML is an optional HTML alternative to Text.
	HTML string

	// ID, when set, makes the Message-ID header <ID@domain>, with the
	// domain of Config.From ("localhost" when that is not ASCII), so every
	// send of one notification carries the same Message-ID and mail clients
	// can recognise a repeat. It may hold letters, digits, '-' and '_', and
	// dots between them, up to 200 bytes. Default: a random Message-ID.
	ID string
}

// cleanHeaderValue replaces CR, LF and other control characters by spaces
// and trims the result, so a user value cannot end a header line.
func cleanHeaderValue(s string) string {
	cleaned := strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f || r == '\u2028' || r == '\u2029' || r == '\u0085' {
			return ' '
		}
		return r
	}, s)

	return strings.TrimSpace(cleaned)
}

// parseRecipient parses one recipient; a display name is kept, cleaned of
// control characters.
func parseRecipient(value string) (*mail.Address, error) {
	if strings.ContainsAny(value, "\r\n") {
		return nil, fmt.Errorf("%w: recipient %q contains CR or LF", ErrInvalidMessage, value)
	}
	addr, err := mail.ParseAddress(value)
	if err != nil {
		return nil, fmt.Errorf("%w: recipient %q is not a valid address: %v", ErrInvalidMessage, value, err)
	}
	addr.Name = cleanHeaderValue(addr.Name)

	return addr, nil
}

// buildMsg turns m into a go-mail message from the configured sender.
func (s *Sender) buildMsg(m Message) (*gomail.Msg, error) {
	if len(m.To) == 0 {
		return nil, fmt.Errorf("%w: no recipient: set Message.To", ErrInvalidMessage)
	}
	if strings.TrimSpace(m.Text) == "" {
		return nil, fmt.Errorf("%w: empty body: set Message.Text", ErrInvalidMessage)
	}
	if len(m.ID) > maxMessageIDLen {
		return nil, fmt.Errorf("%w: Message.ID is %d bytes long: use at most %d", ErrInvalidMessage, len(m.ID), maxMessageIDLen)
	}
	if !validMessageID(m.ID) {
		return nil, fmt.Errorf("%w: Message.ID %q: use letters, digits, '-' and '_', and dots only between them", ErrInvalidMessage, m.ID)
	}

	to := make([]*mail.Address, 0, len(m.To))
	for _, value := range m.To {
		addr, err := parseRecipient(value)
		if err != nil {
			return nil, err
		}
		to = append(to, addr)
	}

	msg := gomail.NewMsg(gomail.WithNoDefaultUserAgent())
	msg.FromMailAddress(&mail.Address{Name: s.cfg.FromName, Address: s.cfg.From})
	msg.ToMailAddress(to...)
	msg.Subject(cleanHeaderValue(m.Subject))
	msg.SetDate()
	if m.ID == "" {
		msg.SetMessageID()
	} else {
		msg.SetMessageIDWithValue(m.ID + "@" + s.fromDomain())
	}
	msg.SetBodyString(gomail.TypeTextPlain, m.Text)
	if m.HTML != "" {
		msg.AddAlternativeString(gomail.TypeTextHTML, m.HTML)
	}

	return msg, nil
}

// maxMessageIDLen bounds Message.ID, so the header stays well within the
// 998-character line limit of RFC 5322.
const maxMessageIDLen = 200

// validMessageID reports whether id may be the left part of a Message-ID:
// empty, or a dot-atom of letters, digits, '-' and '_' (RFC 5322: no dot
// at either end, no two dots in a row).
func validMessageID(id string) bool {
	if id == "" {
		return true
	}
	for part := range strings.SplitSeq(id, ".") {
		if part == "" {
			return false
		}
		for _, r := range part {
			switch {
			case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '-', r == '_':
			default:
				return false
			}
		}
	}

	return true
}

// fromDomain returns the domain of Config.From, the right part of a
// Message-ID this sender sets.
func (s *Sender) fromDomain() string {
	at := strings.LastIndex(s.cfg.From, "@")
	if at < 0 || at == len(s.cfg.From)-1 {
		return "localhost"
	}
	domain := s.cfg.From[at+1:]
	for i := range len(domain) {
		if domain[i] >= utf8.RuneSelf {
			// A header of a message without SMTPUTF8 must be ASCII.
			return "localhost"
		}
	}

	return domain
}
