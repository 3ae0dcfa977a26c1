package main

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hishamos/integrations-external/email"
)

func noEnv(string) string { return "" }

func TestParseConfigDefaults(t *testing.T) {
	cfg, err := parseConfig(nil, noEnv, &bytes.Buffer{})
	require.NoError(t, err)
	assert.Equal(t, "127.0.0.1:8080", cfg.addr)
	assert.Equal(t, "integrations.db", cfg.dbPath)
	assert.Equal(t, "integrations.key", cfg.keyFile)
	assert.Equal(t, 2*time.Second, cfg.retryBase)
	assert.Equal(t, 10*time.Second, cfg.shutdownTimeout)
	assert.False(t, cfg.allowPrivateNetworks)
	assert.Nil(t, cfg.smtp, "no email without -smtp")
	require.Len(t, cfg.users, 1)
	assert.Equal(t, "demo", cfg.users[0].id)
	assert.Equal(t, "demo@example.com", cfg.users[0].email)
	assert.False(t, cfg.users[0].admin)
}

func TestParseConfigSMTP(t *testing.T) {
	env := func(name string) string {
		if name == envSMTPPassword {
			return "hunter22"
		}
		return ""
	}
	cfg, err := parseConfig([]string{"-smtp", "mail.example.com:465", "-smtp-from", "Ops <ops@example.com>",
		"-smtp-username", "ops", "-smtp-tls", "tls"}, env, &bytes.Buffer{})
	require.NoError(t, err)
	require.NotNil(t, cfg.smtp)
	assert.Equal(t, "mail.example.com", cfg.smtp.Host)
	assert.Equal(t, 465, cfg.smtp.Port)
	assert.Equal(t, "ops@example.com", cfg.smtp.From)
	assert.Equal(t, "Ops", cfg.smtp.FromName)
	assert.Equal(t, email.TLSImplicit, cfg.smtp.TLSPolicy)
	assert.Equal(t, email.Password("hunter22"), cfg.smtp.Password)
}

func TestParseConfigRejects(t *testing.T) {
	cases := []struct {
		args []string
		env  map[string]string
		want string
	}{
		{[]string{"-addr", "8080"}, nil, "-addr"},
		{[]string{"-addr", "127.0.0.1:99999"}, nil, "invalid port"},
		{[]string{"-db", ""}, nil, "-db is empty"},
		{[]string{"-users", ""}, nil, "-users is empty"},
		{[]string{"-users", "a:1,a:2"}, nil, "twice"},
		{[]string{"-users", "a:1,b:1"}, nil, "another user already has"},
		{[]string{"-users", "a:1:root"}, nil, "only :admin"},
		{[]string{"-users", "a:"}, nil, "empty token"},
		{[]string{"-users", "a:b:c:d"}, nil, "id:token"},
		{[]string{"-user-email", "ghost=g@example.com"}, nil, "does not list"},
		{[]string{"-user-email", "demo=not an address"}, nil, "bare email address"},
		{[]string{"-user-email", "demo"}, nil, "id=address"},
		{[]string{"-smtp", "mail.example.com"}, nil, "host:port"},
		{[]string{"-smtp", "mail.example.com:25"}, nil, "-smtp-from is required"},
		{[]string{"-smtp", "mail.example.com:25", "-smtp-from", "x"}, nil, "not an email address"},
		{[]string{"-smtp", "mail.example.com:25", "-smtp-from", "a@example.com", "-smtp-tls", "ssl"}, nil, "-smtp-tls"},
		{[]string{"-smtp", "mail.example.com:25", "-smtp-from", "a@example.com"},
			map[string]string{envSMTPPassword: "pw"}, "-smtp-username is empty"},
		{[]string{"-smtp-from", "a@example.com"}, nil, "need -smtp"},
		{[]string{"-github-api-url", "ftp://example.com"}, nil, "-github-api-url"},
		{[]string{"-slack-api-url", "https://u:p@example.com/api/"}, nil, "credentials"},
		{[]string{"-retry-base", "0s"}, nil, "-retry-base"},
		{[]string{"-poll-interval", "1ms"}, nil, "-poll-interval"},
		{[]string{"-shutdown-timeout", "-1s"}, nil, "-shutdown-timeout"},
		{[]string{"-log-format", "yaml"}, nil, "-log-format"},
		{[]string{"-no-such-flag"}, nil, "not defined"},
		{[]string{"extra"}, nil, "unexpected argument"},
		{[]string{"-key-file", ""}, nil, "-key-file is empty"},
	}
	for _, tc := range cases {
		getenv := func(name string) string { return tc.env[name] }
		_, err := parseConfig(tc.args, getenv, &bytes.Buffer{})
		var usage *usageError
		if !errors.As(err, &usage) {
			t.Errorf("%v: got %v, want a usage error", tc.args, err)
			continue
		}
		assert.Contains(t, err.Error(), tc.want, "%v", tc.args)
		assert.Equal(t, 2, exitCode(err), "%v: exit code", tc.args)
	}
}

func TestUsageErrorHidesToken(t *testing.T) {
	_, err := parseConfig([]string{"-users", "alice:s3cr3t-token:owner"}, noEnv, &bytes.Buffer{})
	require.Error(t, err)
	assert.NotContains(t, err.Error(), "s3cr3t-token")
}

func TestRunHelpPrintsUsage(t *testing.T) {
	var stdout, stderr bytes.Buffer
	require.NoError(t, run(context.Background(), []string{"-h"}, noEnv, &stdout, &stderr))
	for _, name := range []string{"-addr", "-users", "-allow-private-networks", "-smtp-tls", "-retry-base",
		envSecretKey, envSMTPPassword} {
		assert.Contains(t, stdout.String(), name)
	}
	assert.Empty(t, stderr.String())
}

func TestTokenAuth(t *testing.T) {
	var emails emailFlag
	require.NoError(t, emails.Set("alice=alice@example.org"))
	users, err := parseUsers("alice:tok-a,root:tok-r:admin", emails)
	require.NoError(t, err)
	auth := &tokenAuth{users: users}

	cases := []struct {
		header string
		user   string // "" means rejected
		admin  bool
		email  string
	}{
		{"Bearer tok-a", "alice", false, "alice@example.org"},
		{"bearer tok-r", "root", true, "root@example.com"},
		{"Bearer  tok-a ", "alice", false, "alice@example.org"},
		{"Bearer tok-", "", false, ""},
		{"Bearer tok-ab", "", false, ""},
		{"Basic tok-a", "", false, ""},
		{"tok-a", "", false, ""},
		{"Bearer ", "", false, ""},
		{"", "", false, ""},
	}
	for _, tc := range cases {
		r := httptest.NewRequest(http.MethodGet, "/", nil)
		if tc.header != "" {
			r.Header.Set("Authorization", tc.header)
		}
		p, err := auth.Authenticate(r)
		if tc.user == "" {
			assert.Error(t, err, "header %q", tc.header)
			continue
		}
		require.NoError(t, err, "header %q", tc.header)
		assert.Equal(t, tc.user, p.UserID)
		assert.Equal(t, tc.admin, p.Admin)
		assert.Equal(t, tc.email, p.Email)
	}

	addr, err := auth.userEmail(context.Background(), "root")
	require.NoError(t, err)
	assert.Equal(t, "root@example.com", addr)
	addr, err = auth.userEmail(context.Background(), "nobody")
	require.NoError(t, err)
	assert.Empty(t, addr)
}

func TestEmailFlagString(t *testing.T) {
	var f emailFlag
	require.NoError(t, f.Set("b=b@example.com"))
	require.NoError(t, f.Set("a=a@example.com"))
	assert.Equal(t, "a=a@example.com,b=b@example.com", f.String())
	assert.Error(t, f.Set("a=other@example.com"), "a second address for one user")
	assert.True(t, strings.Contains(f.String(), "a=a@example.com"))
}
