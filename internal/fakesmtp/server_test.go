package fakesmtp_test

import (
	"context"
	"crypto/tls"
	"errors"
	"net"
	"net/smtp"
	"net/textproto"
	"os"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hishamos/integrations-external/internal/fakesmtp"
)

const body = "Subject: test\r\n\r\nbody\r\n"

func start(t *testing.T, opts fakesmtp.Options) *fakesmtp.Server {
	t.Helper()
	srv, err := fakesmtp.Start(opts)
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, srv.Close()) })

	return srv
}

func testContext(t *testing.T) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	t.Cleanup(cancel)

	return ctx
}

// dial opens an SMTP client session and sends EHLO.
func dial(t *testing.T, srv *fakesmtp.Server) *smtp.Client {
	t.Helper()
	client, err := smtp.Dial(srv.Addr())
	require.NoError(t, err)
	t.Cleanup(func() { _ = client.Close() })
	require.NoError(t, client.Hello("client.test"))

	return client
}

func send(client *smtp.Client, from, to string) error {
	if err := client.Mail(from); err != nil {
		return err
	}
	if err := client.Rcpt(to); err != nil {
		return err
	}
	w, err := client.Data()
	if err != nil {
		return err
	}
	if _, err := w.Write([]byte(body)); err != nil {
		return err
	}

	return w.Close()
}

func replyCode(t *testing.T, err error) int {
	t.Helper()
	var protoErr *textproto.Error
	require.ErrorAs(t, err, &protoErr)

	return protoErr.Code
}

func TestServerStoresEnvelopeAndData(t *testing.T) {
	t.Parallel()
	srv := start(t, fakesmtp.Options{})
	client := dial(t, srv)

	require.NoError(t, client.Mail("a@example.com"))
	require.NoError(t, client.Rcpt("b@example.com"))
	require.NoError(t, client.Rcpt("c@example.com"))
	w, err := client.Data()
	require.NoError(t, err)
	_, err = w.Write([]byte("Subject: dots\r\n\r\n.leading dot\r\n"))
	require.NoError(t, err)
	require.NoError(t, w.Close())

	got, err := srv.WaitForMessages(testContext(t), 1)
	require.NoError(t, err)
	assert.Equal(t, "a@example.com", got[0].From)
	assert.Equal(t, []string{"b@example.com", "c@example.com"}, got[0].To)
	assert.Equal(t, "Subject: dots\r\n\r\n.leading dot\r\n", string(got[0].Data))
	assert.False(t, got[0].TLS)
	assert.Empty(t, got[0].AuthUser)
}

func TestServerRequiresAuth(t *testing.T) {
	t.Parallel()
	srv := start(t, fakesmtp.Options{Auth: &fakesmtp.Credentials{Username: "u", Password: "p"}})

	unauthenticated := dial(t, srv)
	assert.Equal(t, 530, replyCode(t, unauthenticated.Mail("a@example.com")))

	wrong := dial(t, srv)
	assert.Equal(t, 535, replyCode(t, wrong.Auth(smtp.PlainAuth("", "u", "wrong", "127.0.0.1"))))

	right := dial(t, srv)
	require.NoError(t, right.Auth(smtp.PlainAuth("", "u", "p", "127.0.0.1")))
	require.NoError(t, send(right, "a@example.com", "b@example.com"))

	got, err := srv.WaitForMessages(testContext(t), 1)
	require.NoError(t, err)
	assert.Equal(t, "u", got[0].AuthUser)
}

func TestServerStartTLS(t *testing.T) {
	t.Parallel()
	srv := start(t, fakesmtp.Options{StartTLS: true})
	require.NotNil(t, srv.CertPool())
	client := dial(t, srv)

	ok, _ := client.Extension("STARTTLS")
	require.True(t, ok, "STARTTLS must be advertised")
	require.NoError(t, client.StartTLS(srv.ClientTLSConfig()))
	require.NoError(t, send(client, "a@example.com", "b@example.com"))

	got, err := srv.WaitForMessages(testContext(t), 1)
	require.NoError(t, err)
	assert.True(t, got[0].TLS)
}

func TestServerImplicitTLS(t *testing.T) {
	t.Parallel()
	srv := start(t, fakesmtp.Options{ImplicitTLS: true})
	conn, err := tls.Dial("tcp", srv.Addr(), srv.ClientTLSConfig())
	require.NoError(t, err)
	client, err := smtp.NewClient(conn, srv.Host())
	require.NoError(t, err)
	t.Cleanup(func() { _ = client.Close() })

	require.NoError(t, send(client, "a@example.com", "b@example.com"))

	got, err := srv.WaitForMessages(testContext(t), 1)
	require.NoError(t, err)
	assert.True(t, got[0].TLS)
}

func TestServerInjectedReplies(t *testing.T) {
	t.Parallel()
	for _, stage := range []fakesmtp.Stage{fakesmtp.StageMail, fakesmtp.StageRcpt, fakesmtp.StageData} {
		for _, code := range []int{451, 554} {
			t.Run(string(stage), func(t *testing.T) {
				t.Parallel()
				srv := start(t, fakesmtp.Options{Reply: &fakesmtp.Reply{Stage: stage, Code: code, Message: "no"}})

				err := send(dial(t, srv), "a@example.com", "b@example.com")

				assert.Equal(t, code, replyCode(t, err))
				assert.Empty(t, srv.Messages())
			})
		}
	}
}

func TestServerSetReplyAndTimes(t *testing.T) {
	t.Parallel()
	srv := start(t, fakesmtp.Options{})
	require.NoError(t, srv.SetReply(&fakesmtp.Reply{Stage: fakesmtp.StageRcpt, Code: 450, Times: 1}))
	client := dial(t, srv)

	first := send(client, "a@example.com", "b@example.com")
	require.NoError(t, client.Reset())
	second := send(client, "a@example.com", "b@example.com")

	assert.Equal(t, 450, replyCode(t, first))
	assert.NoError(t, second)
	assert.Len(t, srv.Messages(), 1)
}

func TestServerRejectsInvalidReply(t *testing.T) {
	t.Parallel()
	_, err := fakesmtp.Start(fakesmtp.Options{Reply: &fakesmtp.Reply{Stage: "QUIT", Code: 500}})
	assert.ErrorContains(t, err, `invalid Reply.Stage "QUIT"`)

	srv := start(t, fakesmtp.Options{})
	assert.ErrorContains(t, srv.SetReply(&fakesmtp.Reply{Stage: fakesmtp.StageMail, Code: 250}),
		"invalid Reply.Code 250")
}

func TestServerNeverGreets(t *testing.T) {
	t.Parallel()
	srv := start(t, fakesmtp.Options{NeverGreet: true})
	conn, err := net.Dial("tcp", srv.Addr())
	require.NoError(t, err)
	defer conn.Close()

	require.NoError(t, conn.SetReadDeadline(time.Now().Add(200*time.Millisecond)))
	n, err := conn.Read(make([]byte, 16))

	assert.Zero(t, n)
	assert.True(t, errors.Is(err, os.ErrDeadlineExceeded), "got %v, want a read timeout", err)
}

func TestServerCloseEndsOpenSessions(t *testing.T) {
	t.Parallel()
	for _, opts := range []fakesmtp.Options{{}, {NeverGreet: true}, {ImplicitTLS: true}} {
		srv, err := fakesmtp.Start(opts)
		require.NoError(t, err)
		conn, err := net.Dial("tcp", srv.Addr())
		require.NoError(t, err)

		require.NoError(t, srv.Close())
		require.NoError(t, srv.Close(), "a second Close returns the first result")

		require.NoError(t, conn.SetReadDeadline(time.Now().Add(5*time.Second)))
		buf := make([]byte, 512)
		var readErr error
		for readErr == nil {
			_, readErr = conn.Read(buf)
		}
		assert.False(t, errors.Is(readErr, os.ErrDeadlineExceeded), "connection must be closed, got %v", readErr)
		_ = conn.Close()
	}
}

func TestWaitForMessagesHonoursContext(t *testing.T) {
	t.Parallel()
	srv := start(t, fakesmtp.Options{})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()

	got, err := srv.WaitForMessages(ctx, 1)

	assert.ErrorIs(t, err, context.Canceled)
	assert.Empty(t, got)
}
