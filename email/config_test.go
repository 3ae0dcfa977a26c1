package email_test

import (
	"encoding/json"
	"flag"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hishamos/integrations-external/email"
)

func TestParseTLSPolicy(t *testing.T) {
	t.Parallel()
	for _, name := range []string{"none", "opportunistic", "starttls", "tls"} {
		p, err := email.ParseTLSPolicy(name)
		require.NoError(t, err)
		assert.Equal(t, name, p.String())
	}

	_, err := email.ParseTLSPolicy("ssl")
	require.Error(t, err)
	assert.Equal(t, `email: invalid TLS policy "ssl": use none, opportunistic, starttls or tls`, err.Error())
}

func TestTLSPolicyAsFlagAndJSON(t *testing.T) {
	t.Parallel()
	var p email.TLSPolicy
	fs := flag.NewFlagSet("test", flag.ContinueOnError)
	fs.Var(&p, "smtp-tls", "TLS policy")
	require.NoError(t, fs.Parse([]string{"-smtp-tls", "opportunistic"}))
	assert.Equal(t, email.TLSOpportunistic, p)

	var cfg struct{ TLS email.TLSPolicy }
	require.NoError(t, json.Unmarshal([]byte(`{"TLS":"tls"}`), &cfg))
	assert.Equal(t, email.TLSImplicit, cfg.TLS)
	assert.Error(t, json.Unmarshal([]byte(`{"TLS":"SSL"}`), &cfg))
}

func TestNewAppliesDefaults(t *testing.T) {
	t.Parallel()
	cases := []struct {
		cfg        email.Config
		wantPort   int
		wantPolicy email.TLSPolicy
	}{
		{email.Config{Host: "smtp.example.com", From: testFrom}, 587, email.TLSStartTLS},
		{email.Config{Host: "smtp.example.com", Port: 465, From: testFrom}, 465, email.TLSImplicit},
		{email.Config{Host: "smtp.example.com", TLSPolicy: email.TLSImplicit, From: testFrom}, 465, email.TLSImplicit},
		{email.Config{Host: "smtp.example.com", Port: 25, TLSPolicy: email.TLSNone, From: testFrom}, 25, email.TLSNone},
	}
	for _, tc := range cases {
		sender, err := email.New(tc.cfg)
		require.NoError(t, err)
		got := sender.Config()
		assert.Equal(t, tc.wantPort, got.Port)
		assert.Equal(t, tc.wantPolicy, got.TLSPolicy)
		assert.Equal(t, 30*time.Second, got.Timeout)
		assert.Equal(t, "smtp.example.com", got.TLSConfig.ServerName)
		assert.NotNil(t, got.Logger)
	}
}

func TestNewRejectsInvalidConfig(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		cfg  email.Config
		want string
	}{
		{"missing host", email.Config{From: testFrom}, "missing Config.Host"},
		{"host with port", email.Config{Host: "smtp.example.com:587", From: testFrom}, "invalid Config.Host"},
		{"port", email.Config{Host: "h", Port: 70000, From: testFrom}, "invalid Config.Port 70000: use 1 to 65535"},
		{"policy", email.Config{Host: "h", TLSPolicy: "ssl", From: testFrom},
			`invalid Config.TLSPolicy "ssl": use none, opportunistic, starttls or tls`},
		{"missing from", email.Config{Host: "h"}, "invalid Config.From"},
		{"from with name", email.Config{Host: "h", From: "Ops <ops@example.com>"}, "not a bare address"},
		{"from with crlf", email.Config{Host: "h", From: "ops@example.com\r\nBcc: x@y.z"}, "CR or LF"},
		{"name with crlf", email.Config{Host: "h", From: testFrom, FromName: "a\r\nBcc: x@y.z"}, "invalid Config.FromName"},
		{"timeout", email.Config{Host: "h", From: testFrom, Timeout: -time.Second}, "invalid Config.Timeout"},
		{"password without user", email.Config{Host: "h", From: testFrom, Password: testPassword}, "missing Config.Username"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := email.New(tc.cfg)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.want)
			assert.NotContains(t, err.Error(), testPassword)
		})
	}
}

func TestNewAcceptsIPv6Host(t *testing.T) {
	t.Parallel()
	_, err := email.New(email.Config{Host: "::1", From: testFrom})
	assert.NoError(t, err)
}

func TestPasswordIsMasked(t *testing.T) {
	t.Parallel()
	cfg := email.Config{Host: "h", Username: "u", Password: testPassword, From: testFrom}
	var logged strings.Builder
	logger := slog.New(slog.NewJSONHandler(&logged, nil))
	logger.Info("config", "password", cfg.Password)
	encoded, err := json.Marshal(cfg)
	require.NoError(t, err)

	for _, out := range []string{
		fmt.Sprint(cfg.Password), fmt.Sprintf("%v %+v %#v %s %q %x", cfg, cfg, cfg, cfg.Password, cfg.Password, cfg.Password),
		logged.String(), string(encoded),
	} {
		assert.NotContains(t, out, testPassword)
	}
	assert.Equal(t, "[redacted]", cfg.Password.String())
	assert.Equal(t, "", email.Password("").String())
}
