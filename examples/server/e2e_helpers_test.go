package main

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/mail"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/hishamos/integrations-external/internal/fakegithub"
	"github.com/hishamos/integrations-external/internal/fakeslack"
	"github.com/hishamos/integrations-external/internal/fakesmtp"
)

// Credentials the fakes accept. The tests check that none of them reaches
// the server's log.
const (
	slackToken   = "xoxb-e2e-bot-token"
	githubToken  = "ghp_e2eGoodToken0123456789"
	githubLogin  = "octo"
	smtpUser     = "mailer"
	smtpPassword = "smtp-e2e-password"
	mailFrom     = "noreply@example.com"
)

// fakes are the external services of one test: Slack, GitHub and SMTP on
// 127.0.0.1 in the test process.
type fakes struct {
	slack  *fakeslack.Server
	github *fakegithub.Server
	smtp   *fakesmtp.Server
}

func startFakes(t *testing.T) *fakes {
	t.Helper()
	f := &fakes{slack: fakeslack.New(t), github: fakegithub.New()}
	t.Cleanup(f.github.Close)
	f.slack.AddToken(slackToken)
	f.github.AddToken(githubToken, githubLogin)
	smtpSrv, err := fakesmtp.Start(fakesmtp.Options{Auth: &fakesmtp.Credentials{Username: smtpUser, Password: smtpPassword}})
	if err != nil {
		t.Fatalf("start the SMTP server: %v", err)
	}
	t.Cleanup(func() { smtpSrv.Close() })
	f.smtp = smtpSrv

	return f
}

// flags returns the server flags that aim it at the fakes.
func (f *fakes) flags() []string {
	return []string{
		"-slack-api-url", f.slack.URL(),
		"-github-api-url", f.github.URL,
		"-smtp", f.smtp.Addr(),
		"-smtp-from", "HishamOS Notifications <" + mailFrom + ">",
		"-smtp-username", smtpUser,
		"-smtp-tls", "none",
	}
}

// waitEmail waits for the first email to address whose subject has the
// given prefix, and returns it parsed.
func (f *fakes) waitEmail(t *testing.T, to, subjectPrefix string) parsedEmail {
	t.Helper()
	var found *parsedEmail
	poll(t, "email to "+to+" with subject "+subjectPrefix, deliveryTimeout, func() error {
		for _, m := range f.smtp.Messages() {
			if !slices.Contains(m.To, to) {
				continue
			}
			e := parseEmail(t, m)
			if strings.HasPrefix(e.subject, subjectPrefix) {
				found = &e
				return nil
			}
		}
		return fmt.Errorf("%d messages so far, none matches", len(f.smtp.Messages()))
	})

	return *found
}

// parsedEmail is one received message, decoded.
type parsedEmail struct {
	envelope fakesmtp.Message
	header   mail.Header
	subject  string
	text     string // the text/plain part
}

func parseEmail(t *testing.T, m fakesmtp.Message) parsedEmail {
	t.Helper()
	msg, err := mail.ReadMessage(strings.NewReader(string(m.Data)))
	if err != nil {
		t.Fatalf("parse email: %v\n%s", err, m.Data)
	}
	subject, err := new(mime.WordDecoder).DecodeHeader(msg.Header.Get("Subject"))
	if err != nil {
		t.Fatalf("decode subject %q: %v", msg.Header.Get("Subject"), err)
	}
	text, err := plainText(msg.Header.Get("Content-Type"), msg.Header.Get("Content-Transfer-Encoding"), msg.Body)
	if err != nil {
		t.Fatalf("read the text part: %v\n%s", err, m.Data)
	}

	return parsedEmail{envelope: m, header: msg.Header, subject: subject, text: text}
}

// plainText returns the first text/plain part of a body, decoded.
func plainText(contentType, encoding string, body io.Reader) (string, error) {
	mediaType, params, err := mime.ParseMediaType(contentType)
	if err != nil {
		return "", fmt.Errorf("content type %q: %w", contentType, err)
	}
	if strings.HasPrefix(mediaType, "multipart/") {
		mr := multipart.NewReader(body, params["boundary"])
		for {
			part, err := mr.NextPart()
			if err != nil {
				return "", fmt.Errorf("no text/plain part: %w", err)
			}
			text, err := plainText(part.Header.Get("Content-Type"), part.Header.Get("Content-Transfer-Encoding"), part)
			if err == nil {
				return text, nil
			}
		}
	}
	if mediaType != "text/plain" {
		return "", fmt.Errorf("part is %s", mediaType)
	}
	if strings.EqualFold(encoding, "base64") {
		body = base64.NewDecoder(base64.StdEncoding, body)
	}
	b, err := io.ReadAll(body)

	return strings.ReplaceAll(string(b), "\r\n", "\n"), err
}

// waitFinal polls a delivery until it is success or failed and returns it.
func (c *client) waitFinal(id string) map[string]any {
	c.t.Helper()
	var d map[string]any
	poll(c.t, "delivery "+id+" ends", deliveryTimeout, func() error {
		r := c.api("GET", "webhook-deliveries/"+id+"/", nil)
		if r.status != 200 {
			return fmt.Errorf("status %d: %s", r.status, r.body)
		}
		if err := json.Unmarshal(r.body, &d); err != nil {
			return err
		}
		if s := d["status"]; s != "success" && s != "failed" {
			return fmt.Errorf("status %v after %v attempts", s, d["attempt_number"])
		}
		return nil
	})

	return d
}

// waitAllFinal waits for every delivery and returns them by channel.
func (c *client) waitAllFinal(ids []string) map[string][]map[string]any {
	c.t.Helper()
	out := map[string][]map[string]any{}
	for _, id := range ids {
		d := c.waitFinal(id)
		ch, _ := d["channel"].(string)
		out[ch] = append(out[ch], d)
	}

	return out
}

// stringList converts a decoded JSON array of strings.
func stringList(t *testing.T, v any) []string {
	t.Helper()
	arr, ok := v.([]any)
	if !ok {
		t.Fatalf("%v is not a JSON array", v)
	}
	out := make([]string, len(arr))
	for i, x := range arr {
		out[i], _ = x.(string)
	}

	return out
}

// keysOf returns the sorted keys of a JSON object.
func keysOf(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)

	return keys
}

// attemptsOf returns the attempts of a delivery.
func attemptsOf(t *testing.T, d map[string]any) []map[string]any {
	t.Helper()
	arr, ok := d["attempts"].([]any)
	if !ok {
		t.Fatalf("delivery has no attempts list: %v", d)
	}
	out := make([]map[string]any, len(arr))
	for i, a := range arr {
		out[i], _ = a.(map[string]any)
	}

	return out
}

// waitCtx returns a context that ends after the delivery timeout.
func waitCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), deliveryTimeout)
	t.Cleanup(cancel)

	return ctx
}

// isRFC3339UTC reports whether v is an RFC 3339 time in UTC with a Z.
func isRFC3339UTC(v any) bool {
	s, ok := v.(string)
	if !ok || !strings.HasSuffix(s, "Z") {
		return false
	}
	_, err := time.Parse(time.RFC3339, s)

	return err == nil
}
