package email_test

import (
	"context"
	"fmt"
	"net"
	"net/mail"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hishamos/integrations-external/email"
	"github.com/hishamos/integrations-external/internal/fakesmtp"
)

func TestSendAuthPlainDelivers(t *testing.T) {
	t.Parallel()
	srv := startServer(t, fakesmtp.Options{Auth: &fakesmtp.Credentials{Username: testUser, Password: testPassword}})
	sender := newSender(t, srv, func(c *email.Config) {
		c.Username = testUser
		c.Password = testPassword
	})

	require.NoError(t, sender.Send(testContext(t), plainMessage("Workflow build - Completed")))

	got := waitOne(t, srv)
	assert.Equal(t, testUser, got.AuthUser)
	assert.Equal(t, testFrom, got.From, "MAIL FROM must be the bare address")
	assert.Equal(t, []string{testTo}, got.To)
	assert.False(t, got.TLS)

	msg := parseReceived(t, got.Data)
	assert.Equal(t, "Workflow build - Completed", decodeHeader(t, msg.header.Get("Subject")))
	from, err := msg.header.AddressList("From")
	require.NoError(t, err)
	require.Len(t, from, 1)
	assert.Equal(t, testFromName, from[0].Name)
	assert.Equal(t, testFrom, from[0].Address)
	to, err := msg.header.AddressList("To")
	require.NoError(t, err)
	require.Len(t, to, 1)
	assert.Equal(t, testTo, to[0].Address)
	assert.NotEmpty(t, msg.header.Get("Message-Id"))
	assert.NotEmpty(t, msg.header.Get("Date"))
	assert.Equal(t, "plain body", strings.TrimSpace(msg.text))
	assert.Equal(t, "<p>html body</p>", strings.TrimSpace(msg.html))
}

func TestSendStartTLSRequired(t *testing.T) {
	t.Parallel()
	srv := startServer(t, fakesmtp.Options{
		StartTLS: true,
		Auth:     &fakesmtp.Credentials{Username: testUser, Password: testPassword},
	})
	sender := newSender(t, srv, func(c *email.Config) {
		c.TLSPolicy = email.TLSStartTLS
		c.TLSConfig = srv.ClientTLSConfig()
		c.Username = testUser
		c.Password = testPassword
	})

	require.NoError(t, sender.Send(testContext(t), plainMessage("over STARTTLS")))

	got := waitOne(t, srv)
	assert.True(t, got.TLS, "message must arrive after STARTTLS")
	assert.Equal(t, testUser, got.AuthUser)
}

func TestSendStartTLSNotOffered(t *testing.T) {
	t.Parallel()
	srv := startServer(t, fakesmtp.Options{})
	sender := newSender(t, srv, func(c *email.Config) { c.TLSPolicy = email.TLSStartTLS })

	err := sender.Send(testContext(t), plainMessage("no TLS available"))

	mailErr := requireError(t, err)
	assert.False(t, mailErr.Retryable)
	assert.Contains(t, mailErr.Error(), "STARTTLS")
	assert.Empty(t, srv.Messages())
}

func TestSendStartTLSUntrustedCertificate(t *testing.T) {
	t.Parallel()
	srv := startServer(t, fakesmtp.Options{StartTLS: true})
	sender := newSender(t, srv, func(c *email.Config) { c.TLSPolicy = email.TLSStartTLS })

	err := sender.Send(testContext(t), plainMessage("untrusted"))

	mailErr := requireError(t, err)
	assert.False(t, mailErr.Retryable)
	assert.Contains(t, mailErr.Error(), "RootCAs")
	assert.Empty(t, srv.Messages())
}

func TestSendImplicitTLS(t *testing.T) {
	t.Parallel()
	srv := startServer(t, fakesmtp.Options{
		ImplicitTLS: true,
		Auth:        &fakesmtp.Credentials{Username: testUser, Password: testPassword},
	})
	sender := newSender(t, srv, func(c *email.Config) {
		c.TLSPolicy = email.TLSImplicit
		c.TLSConfig = srv.ClientTLSConfig()
		c.Username = testUser
		c.Password = testPassword
	})

	require.NoError(t, sender.Send(testContext(t), plainMessage("over implicit TLS")))

	got := waitOne(t, srv)
	assert.True(t, got.TLS)
	assert.Equal(t, testUser, got.AuthUser)
}

func TestSendImplicitTLSToPlainServer(t *testing.T) {
	t.Parallel()
	srv := startServer(t, fakesmtp.Options{})
	sender := newSender(t, srv, func(c *email.Config) { c.TLSPolicy = email.TLSImplicit })

	err := sender.Send(testContext(t), plainMessage("wrong policy"))

	mailErr := requireError(t, err)
	assert.False(t, mailErr.Retryable)
	assert.Contains(t, mailErr.Error(), "TLSPolicy")
}

func TestSendOpportunistic(t *testing.T) {
	t.Parallel()
	for _, offered := range []bool{true, false} {
		t.Run(fmt.Sprintf("starttls offered %v", offered), func(t *testing.T) {
			t.Parallel()
			srv := startServer(t, fakesmtp.Options{StartTLS: offered})
			sender := newSender(t, srv, func(c *email.Config) {
				c.TLSPolicy = email.TLSOpportunistic
				c.TLSConfig = srv.ClientTLSConfig()
			})

			require.NoError(t, sender.Send(testContext(t), plainMessage("opportunistic")))

			got := waitOne(t, srv)
			assert.Equal(t, offered, got.TLS)
		})
	}
}

func TestSendTemporaryReplyIsRetryable(t *testing.T) {
	t.Parallel()
	for _, stage := range []fakesmtp.Stage{fakesmtp.StageMail, fakesmtp.StageRcpt, fakesmtp.StageData} {
		t.Run(string(stage), func(t *testing.T) {
			t.Parallel()
			srv := startServer(t, fakesmtp.Options{
				Reply: &fakesmtp.Reply{Stage: stage, Code: 451, Message: "try again later"},
			})
			sender := newSender(t, srv, nil)

			err := sender.Send(testContext(t), plainMessage("deferred"))

			mailErr := requireError(t, err)
			assert.True(t, mailErr.Retryable)
			assert.False(t, mailErr.Timeout)
			assert.False(t, mailErr.AuthFailed)
			assert.Equal(t, 451, mailErr.StatusCode)
			assert.Equal(t, "451 4.0.0 try again later", mailErr.Code)
			assert.Equal(t, "send", mailErr.Op)
			assert.Equal(t, "SMTP API error: 451 4.0.0 try again later", mailErr.Error())
			assert.Empty(t, srv.Messages())
		})
	}
}

func TestSendPermanentReplyIsNotRetryable(t *testing.T) {
	t.Parallel()
	for _, stage := range []fakesmtp.Stage{fakesmtp.StageMail, fakesmtp.StageRcpt, fakesmtp.StageData} {
		t.Run(string(stage), func(t *testing.T) {
			t.Parallel()
			srv := startServer(t, fakesmtp.Options{
				Reply: &fakesmtp.Reply{Stage: stage, Code: 550, Message: "mailbox unavailable"},
			})
			sender := newSender(t, srv, nil)

			err := sender.Send(testContext(t), plainMessage("rejected"))

			mailErr := requireError(t, err)
			assert.False(t, mailErr.Retryable)
			assert.Equal(t, 550, mailErr.StatusCode)
			assert.Equal(t, "SMTP API error: 550 5.0.0 mailbox unavailable", mailErr.Error())
			assert.Empty(t, srv.Messages())
		})
	}
}

func TestSendReplyClearsAfterTimes(t *testing.T) {
	t.Parallel()
	srv := startServer(t, fakesmtp.Options{
		Reply: &fakesmtp.Reply{Stage: fakesmtp.StageRcpt, Code: 421, Message: "busy", Times: 1},
	})
	sender := newSender(t, srv, nil)
	ctx := testContext(t)

	first := sender.Send(ctx, plainMessage("first try"))
	second := sender.Send(ctx, plainMessage("second try"))

	assert.True(t, requireError(t, first).Retryable)
	require.NoError(t, second)
	assert.Len(t, srv.Messages(), 1)
}

func TestSendWrongPasswordSetsAuthFailed(t *testing.T) {
	t.Parallel()
	srv := startServer(t, fakesmtp.Options{Auth: &fakesmtp.Credentials{Username: testUser, Password: "other-password"}})
	sender := newSender(t, srv, func(c *email.Config) {
		c.Username = testUser
		c.Password = testPassword
	})

	err := sender.Send(testContext(t), plainMessage("bad login"))

	mailErr := requireError(t, err)
	assert.True(t, mailErr.AuthFailed)
	assert.False(t, mailErr.Retryable)
	assert.Equal(t, 535, mailErr.StatusCode)
	assert.Equal(t, "SMTP API error: 535 5.7.8 Authentication failed", mailErr.Error())
	assert.NotContains(t, mailErr.Error(), testPassword)
	assert.NotContains(t, fmt.Sprintf("%+v %#v", mailErr, mailErr), testPassword)
	assert.NotContains(t, fmt.Sprintf("%+v %#v", sender.Config(), sender.Config()), testPassword)
	assert.Empty(t, srv.Messages())
}

func TestSendNeverGreetingServerTimesOut(t *testing.T) {
	t.Parallel()
	srv := startServer(t, fakesmtp.Options{NeverGreet: true})
	sender := newSender(t, srv, func(c *email.Config) { c.Timeout = 300 * time.Millisecond })
	ctx := testContext(t)

	err := sender.Send(ctx, plainMessage("never greeted"))

	require.NoError(t, ctx.Err(), "Config.Timeout, not the test's deadline, must end the send")
	mailErr := requireError(t, err)
	assert.True(t, mailErr.Timeout)
	assert.True(t, mailErr.Retryable)
	assert.Equal(t, 0, mailErr.StatusCode)
	assert.Contains(t, mailErr.Error(), "timed out after 300ms")
}

func TestSendContextDeadlineEndsSend(t *testing.T) {
	t.Parallel()
	srv := startServer(t, fakesmtp.Options{NeverGreet: true})
	sender := newSender(t, srv, func(c *email.Config) { c.Timeout = time.Hour })
	outer := testContext(t)
	ctx, cancel := context.WithTimeout(outer, 200*time.Millisecond)
	defer cancel()

	err := sender.Send(ctx, plainMessage("deadline"))

	require.NoError(t, outer.Err(), "the send must end at the context deadline")
	mailErr := requireError(t, err)
	assert.True(t, mailErr.Timeout)
	assert.True(t, mailErr.Retryable)
}

func TestSendConnectionRefusedIsRetryable(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	port := ln.Addr().(*net.TCPAddr).Port
	require.NoError(t, ln.Close())
	sender, err := email.New(email.Config{Host: "127.0.0.1", Port: port, TLSPolicy: email.TLSNone, From: testFrom})
	require.NoError(t, err)

	err = sender.Send(testContext(t), plainMessage("nobody home"))

	mailErr := requireError(t, err)
	assert.True(t, mailErr.Retryable)
	assert.False(t, mailErr.Timeout)
	assert.Contains(t, mailErr.Error(), "connection refused")
}

func TestSendCRLFInSubjectAddsNoHeader(t *testing.T) {
	t.Parallel()
	srv := startServer(t, fakesmtp.Options{})
	sender := newSender(t, srv, nil)

	subject := "Workflow x - Failed\r\nBcc: victim@example.net\r\nX-Injected: yes"
	require.NoError(t, sender.Send(testContext(t), plainMessage(subject)))

	got := waitOne(t, srv)
	assert.Equal(t, []string{testTo}, got.To)
	msg := parseReceived(t, got.Data)
	assert.Empty(t, msg.header.Get("Bcc"))
	assert.Empty(t, msg.header.Get("X-Injected"))
	assert.Equal(t, "Workflow x - Failed  Bcc: victim@example.net  X-Injected: yes",
		decodeHeader(t, msg.header.Get("Subject")))
}

func TestSendNonASCIISubjectAndName(t *testing.T) {
	t.Parallel()
	srv := startServer(t, fakesmtp.Options{})
	const name = "Ḥishām – هشام"
	sender := newSender(t, srv, func(c *email.Config) { c.FromName = name })
	subject := "Workflow Bericht für Zürich ✅ - Completed"
	msg := plainMessage(subject)
	msg.To = []string{"Zoë Ünal <" + testTo + ">"}

	require.NoError(t, sender.Send(testContext(t), msg))

	got := waitOne(t, srv)
	headerEnd := strings.Index(string(got.Data), "\r\n\r\n")
	require.Positive(t, headerEnd)
	for i, b := range got.Data[:headerEnd] {
		require.Less(t, b, byte(0x80), "header byte %d is not ASCII", i)
	}
	parsed := parseReceived(t, got.Data)
	assert.Equal(t, subject, decodeHeader(t, parsed.header.Get("Subject")))
	from, err := parsed.header.AddressList("From")
	require.NoError(t, err)
	require.Len(t, from, 1)
	assert.Equal(t, name, from[0].Name)
	to, err := parsed.header.AddressList("To")
	require.NoError(t, err)
	require.Len(t, to, 1)
	assert.Equal(t, "Zoë Ünal", to[0].Name)
	assert.Equal(t, testFrom, got.From)
}

func TestSendRejectsInvalidRecipient(t *testing.T) {
	t.Parallel()
	srv := startServer(t, fakesmtp.Options{})
	sender := newSender(t, srv, nil)
	cases := map[string][]string{
		"crlf":        {"user@example.com\r\nBcc: victim@example.net"},
		"not address": {"not an address"},
		"none":        nil,
	}
	for name, to := range cases {
		t.Run(name, func(t *testing.T) {
			msg := plainMessage("invalid")
			msg.To = to

			err := sender.Send(testContext(t), msg)

			mailErr := requireError(t, err)
			assert.ErrorIs(t, err, email.ErrInvalidMessage)
			assert.Equal(t, "compose", mailErr.Op)
			assert.False(t, mailErr.Retryable)
		})
	}
	assert.Empty(t, srv.Messages())
}

func TestSendDisplayNameWithQuotes(t *testing.T) {
	t.Parallel()
	srv := startServer(t, fakesmtp.Options{})
	sender := newSender(t, srv, func(c *email.Config) { c.FromName = `Ops "Night" <Team>` })

	require.NoError(t, sender.Send(testContext(t), plainMessage("quoted")))

	parsed := parseReceived(t, waitOne(t, srv).Data)
	from, err := mail.ParseAddressList(parsed.header.Get("From"))
	require.NoError(t, err)
	require.Len(t, from, 1)
	assert.Equal(t, `Ops "Night" <Team>`, from[0].Name)
	assert.Equal(t, testFrom, from[0].Address)
}

func TestSendStalledDataTimesOut(t *testing.T) {
	t.Parallel()
	srv := startServer(t, fakesmtp.Options{StallData: true})
	sender := newSender(t, srv, func(c *email.Config) { c.Timeout = 300 * time.Millisecond })
	ctx := testContext(t)

	err := sender.Send(ctx, plainMessage("stalled"))

	require.NoError(t, ctx.Err(), "Config.Timeout, not the test's deadline, must end the send")
	mailErr := requireError(t, err)
	assert.True(t, mailErr.Timeout)
	assert.True(t, mailErr.Retryable)
	assert.Contains(t, mailErr.Error(), "timed out after 300ms while closing SMTP DATA writer")
}

func TestSendCanceledContext(t *testing.T) {
	t.Parallel()
	srv := startServer(t, fakesmtp.Options{})
	sender := newSender(t, srv, nil)
	ctx, cancel := context.WithCancel(testContext(t))
	cancel()

	err := sender.Send(ctx, plainMessage("canceled"))

	mailErr := requireError(t, err)
	assert.False(t, mailErr.Timeout)
	assert.True(t, mailErr.Retryable)
	assert.ErrorIs(t, err, context.Canceled)
	assert.Empty(t, srv.Messages())
}

func TestSendWithoutRequiredAuthIsPermanent(t *testing.T) {
	t.Parallel()
	srv := startServer(t, fakesmtp.Options{Auth: &fakesmtp.Credentials{Username: testUser, Password: testPassword}})
	sender := newSender(t, srv, nil)

	err := sender.Send(testContext(t), plainMessage("no login"))

	mailErr := requireError(t, err)
	assert.Equal(t, 530, mailErr.StatusCode)
	assert.False(t, mailErr.Retryable)
	assert.False(t, mailErr.AuthFailed)
}

func TestSendMessageIDFromID(t *testing.T) {
	t.Parallel()
	srv := startServer(t, fakesmtp.Options{})
	sender := newSender(t, srv, nil)
	msg := plainMessage("Command deploy - Completed")
	msg.ID = "01a2431f-632f-72d6-aad8-689e4a83763a"

	for range 2 {
		require.NoError(t, sender.Send(testContext(t), msg))
	}
	got, err := srv.WaitForMessages(testContext(t), 2)
	require.NoError(t, err)
	for _, m := range got {
		assert.Equal(t, "<01a2431f-632f-72d6-aad8-689e4a83763a@example.com>", parseReceived(t, m.Data).header.Get("Message-Id"))
	}

	for _, id := range []string{"id>\r\nBcc: victim@example.net", ".leading", "trailing.", "two..dots", strings.Repeat("a", 201)} {
		msg.ID = id
		err = sender.Send(testContext(t), msg)
		require.ErrorIs(t, err, email.ErrInvalidMessage, "ID %q", id)
		assert.Contains(t, err.Error(), "Message.ID", "ID %q", id)
	}
}
