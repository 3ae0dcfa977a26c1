package email_test

import (
	"context"
	"errors"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net/mail"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/hishamos/integrations-external/email"
	"github.com/hishamos/integrations-external/internal/fakesmtp"
)

const (
	testFrom     = "noreply@example.com"
	testFromName = "HishamOS Notifications"
	testTo       = "user@example.com"
	testUser     = "mailer"
	testPassword = "s3cret-Pa55word"
)

// startServer starts a fake SMTP server that is closed when the test ends.
func startServer(t *testing.T, opts fakesmtp.Options) *fakesmtp.Server {
	t.Helper()
	srv, err := fakesmtp.Start(opts)
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, srv.Close()) })

	return srv
}

// newSender returns a Sender aimed at srv with policy none, changed by
// adjust when it is not nil.
func newSender(t *testing.T, srv *fakesmtp.Server, adjust func(*email.Config)) *email.Sender {
	t.Helper()
	cfg := email.Config{
		Host:      srv.Host(),
		Port:      srv.Port(),
		TLSPolicy: email.TLSNone,
		From:      testFrom,
		FromName:  testFromName,
		Timeout:   5 * time.Second,
	}
	if adjust != nil {
		adjust(&cfg)
	}
	sender, err := email.New(cfg)
	require.NoError(t, err)

	return sender
}

// testContext bounds a test so that a hanging send fails it instead of
// blocking the run.
func testContext(t *testing.T) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	t.Cleanup(cancel)

	return ctx
}

func plainMessage(subject string) email.Message {
	return email.Message{
		To:      []string{testTo},
		Subject: subject,
		Text:    "plain body",
		HTML:    "<p>html body</p>",
	}
}

// waitOne waits for the first message srv receives.
func waitOne(t *testing.T, srv *fakesmtp.Server) fakesmtp.Message {
	t.Helper()
	got, err := srv.WaitForMessages(testContext(t), 1)
	require.NoError(t, err)

	return got[0]
}

// received is a parsed message.
type received struct {
	header mail.Header
	text   string
	html   string
}

// decodeHeader decodes RFC 2047 encoded words in a header value.
func decodeHeader(t *testing.T, value string) string {
	t.Helper()
	decoded, err := new(mime.WordDecoder).DecodeHeader(value)
	require.NoError(t, err)

	return decoded
}

// parseReceived parses raw with net/mail and reads the text and HTML parts
// of a multipart/alternative body.
func parseReceived(t *testing.T, raw []byte) received {
	t.Helper()
	msg, err := mail.ReadMessage(strings.NewReader(string(raw)))
	require.NoError(t, err)

	out := received{header: msg.Header}
	mediaType, params, err := mime.ParseMediaType(msg.Header.Get("Content-Type"))
	require.NoError(t, err)
	if !strings.HasPrefix(mediaType, "multipart/") {
		out.text = readPart(t, msg.Header.Get("Content-Transfer-Encoding"), msg.Body)
		return out
	}

	reader := multipart.NewReader(msg.Body, params["boundary"])
	for {
		part, err := reader.NextRawPart()
		if errors.Is(err, io.EOF) {
			break
		}
		require.NoError(t, err)
		partType, _, err := mime.ParseMediaType(part.Header.Get("Content-Type"))
		require.NoError(t, err)
		body := readPart(t, part.Header.Get("Content-Transfer-Encoding"), part)
		switch partType {
		case "text/plain":
			out.text = body
		case "text/html":
			out.html = body
		}
	}

	return out
}

func readPart(t *testing.T, encoding string, r io.Reader) string {
	t.Helper()
	if strings.EqualFold(encoding, "quoted-printable") {
		r = quotedprintable.NewReader(r)
	}
	body, err := io.ReadAll(r)
	require.NoError(t, err)

	return string(body)
}

// requireError asserts err is an *email.Error and returns it.
func requireError(t *testing.T, err error) *email.Error {
	t.Helper()
	require.Error(t, err)
	var mailErr *email.Error
	require.ErrorAs(t, err, &mailErr)

	return mailErr
}
