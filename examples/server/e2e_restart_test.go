package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hishamos/integrations-external/internal/fakereceiver"
	"github.com/hishamos/integrations-external/store"
	"github.com/hishamos/integrations-external/webhook"
)

// A delivery that is still retrying when the server stops is delivered
// after the next start with the same database and key.
func TestServerRestartDeliversPending(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	key, err := store.GenerateKey()
	require.NoError(t, err)
	opts := childOptions{
		// A retry scheduled before the stop is found by the next start's
		// poll, so a short -poll-interval keeps the test fast.
		args: []string{"-allow-private-networks", "-retry-base", "100ms", "-poll-interval", "100ms",
			"-log-format", "json", "-db", filepath.Join(dir, "restart.db"), "-users", "alice:tok-alice"},
		env: []string{envSecretKey + "=primary:" + key}, // the keyring text form
	}
	recv := fakereceiver.New(t, fakereceiver.Hang())

	first := startChild(t, opts)
	c := first.as(t, "tok-alice")
	newWebhook(t, c, map[string]any{"name": "later", "url": recv.URL, "secret": "restart-secret",
		"timeout_seconds": 1, "retry_count": 10, "trigger_on_command_execution": true})
	res := c.do("POST", "/api/v1/commands/templates/tpl-restart/execute/", map[string]any{"name": "Backup"}).must(t, http.StatusOK)
	ids := stringList(t, res["delivery_ids"])
	require.Len(t, ids, 1)
	id := ids[0]
	poll(t, "a timed-out attempt is recorded", deliveryTimeout, func() error {
		var d struct {
			Status        string `json:"status"`
			AttemptNumber int    `json:"attempt_number"`
		}
		r := c.api("GET", "webhook-deliveries/"+id+"/", nil)
		if err := json.Unmarshal(r.body, &d); err != nil {
			return err
		}
		if d.Status != "retrying" || d.AttemptNumber < 1 {
			return fmt.Errorf("status %s after %d attempts", d.Status, d.AttemptNumber)
		}
		return nil
	})
	require.Equal(t, 0, first.stop(syscall.SIGTERM), "exit code after SIGTERM")
	assert.Contains(t, first.logs.text(), `"key_ids":["primary"]`)

	recv.Release() // from now on the receiver responds 200 at once
	second := startChild(t, opts)
	d := second.as(t, "tok-alice").waitFinal(id)
	assert.Equal(t, "success", d["status"])
	attempts := attemptsOf(t, d)
	require.GreaterOrEqual(t, len(attempts), 2)
	assert.Equal(t, "Request timeout after 1s", attempts[0]["error_message"], "the attempt before the restart")
	assert.Equal(t, "success", attempts[len(attempts)-1]["status"])
	assert.Equal(t, 200.0, attempts[len(attempts)-1]["response_status"])

	reqs := recv.Requests()
	for _, r := range reqs {
		assert.Equal(t, id, r.Header.Get("X-HishamOS-Delivery-ID"), "request %d", r.Number)
	}
	last := reqs[len(reqs)-1]
	assert.NoError(t, webhook.Verify(webhook.Secret("restart-secret"), last.Header, last.Body),
		"the secret stored before the restart still signs")
	require.Equal(t, 0, second.stop(syscall.SIGTERM))
}

// SIGTERM lets attempts in flight finish until -shutdown-timeout, abandons
// the rest, and loses nothing: after a restart every delivery arrives at
// least once, and repeated requests carry the same delivery id.
func TestServerSIGTERMLosesNothing(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	opts := childOptions{args: []string{"-allow-private-networks", "-retry-base", "100ms", "-log-format", "json",
		"-shutdown-timeout", "2s", "-db", filepath.Join(dir, "term.db"), "-key-file", filepath.Join(dir, "term.key"),
		"-users", "u1:tok-u1,u2:tok-u2"}}
	released := fakereceiver.New(t, fakereceiver.Hang()) // released during the shutdown
	stalled := fakereceiver.New(t, fakereceiver.Hang())  // stalls past the shutdown deadline

	first := startChild(t, opts)
	c1, c2 := first.as(t, "tok-u1"), first.as(t, "tok-u2")
	for _, c := range []*client{c1, c2} {
		url := released.URL
		if c == c2 {
			url = stalled.URL
		}
		newWebhook(t, c, map[string]any{"name": "hook", "url": url, "secret": "term-secret",
			"trigger_on_command_execution": true})
	}
	releasedID := runCommands(t, c1, 1)[0]
	stalledIDs := runCommands(t, c2, 4)
	_, err := released.WaitForRequests(waitCtx(t), 1)
	require.NoError(t, err)
	_, err = stalled.WaitForRequests(waitCtx(t), 2) // two per endpoint are in flight at once
	require.NoError(t, err)

	require.NoError(t, first.cmd.Process.Signal(syscall.SIGTERM))
	_, err = first.logs.wait(exitTimeout, func(l string) bool { return strings.Contains(l, `"msg":"shutting down"`) })
	require.NoError(t, err)
	released.Release()
	require.Equal(t, 0, first.waitExit(), "exit code after SIGTERM")
	assert.Contains(t, first.logs.text(), "deliveries in flight at the shutdown deadline were abandoned")

	stalled.Release()
	second := startChild(t, opts)
	d := second.as(t, "tok-u1").waitFinal(releasedID)
	assert.Equal(t, "success", d["status"], "the attempt that finished during the shutdown was recorded")
	assert.Equal(t, 1.0, d["attempt_number"])
	assert.Len(t, released.Requests(), 1, "a delivery finished before the exit is not sent again")

	c2 = second.as(t, "tok-u2")
	abandoned := 0
	for _, id := range stalledIDs {
		d := c2.waitFinal(id)
		assert.Equal(t, "success", d["status"], "delivery %s", id)
		attempts, _ := d["attempts"].([]any)
		for _, a := range attempts {
			if msg, _ := a.(map[string]any)["error_message"].(string); strings.Contains(msg, "abandoned") {
				abandoned++
			}
		}
	}
	assert.Equal(t, 2, abandoned, "attempts recorded as abandoned at the shutdown deadline")
	seen := map[string]int{}
	for _, r := range stalled.Requests() {
		seen[r.Header.Get("X-HishamOS-Delivery-ID")]++
		assert.NoError(t, webhook.Verify(webhook.Secret("term-secret"), r.Header, r.Body), "request %d", r.Number)
	}
	assert.ElementsMatch(t, stalledIDs, keysOfCounts(seen), "every delivery arrived, and no request had another id")
	t.Logf("requests per delivery at the stalled receiver: %v", seen)
	require.Equal(t, 0, second.stop(syscall.SIGTERM))
}

// runCommands runs n simulated commands and returns their delivery ids.
func runCommands(t *testing.T, c *client, n int) []string {
	t.Helper()
	var ids []string
	for i := range n {
		res := c.do("POST", fmt.Sprintf("/api/v1/commands/templates/tpl-%d/execute/", i),
			map[string]any{"name": "Job"}).must(t, http.StatusOK)
		ids = append(ids, stringList(t, res["delivery_ids"])...)
	}
	require.Len(t, ids, n)

	return ids
}

func keysOfCounts(m map[string]int) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}

	return out
}

// With the default settings, webhooks to loopback addresses are rejected
// when they are configured, and the key file is created beside the
// database and reused at the next start.
func TestServerDefaultsRejectLoopbackWebhooks(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	recv := fakereceiver.New(t, fakereceiver.OK())
	_, port, err := net.SplitHostPort(strings.TrimPrefix(recv.URL, "http://"))
	require.NoError(t, err)

	srv := startChild(t, childOptions{dir: dir})
	logs := srv.logs.text()
	assert.Contains(t, logs, "generated a new encryption key")
	assert.NotContains(t, logs, "level=WARN", "no warning with the default settings")
	info, err := os.Stat(filepath.Join(dir, "integrations.key"))
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o600), info.Mode().Perm(), "key file mode")
	_, err = os.Stat(filepath.Join(dir, "integrations.db"))
	assert.NoError(t, err, "database in the working directory")

	c := srv.as(t, "demo-token")
	for _, url := range []string{recv.URL + "/hook", "http://localhost:" + port + "/hook", "http://[::1]:" + port + "/"} {
		r := c.api("POST", "webhooks/", map[string]any{"name": "local", "url": url, "trigger_on_command_execution": true})
		assert.Equal(t, http.StatusBadRequest, r.status, "create with %s", url)
		assert.Equal(t, `{"error":"invalid request","fields":{"url":"must not point to a loopback, private, link-local or reserved address unless the server allows it (Config.AllowedNetworks or AllowPrivateNetworks)"}}`,
			r.compact(), "create with %s", url)
	}
	assert.Empty(t, c.api("GET", "webhooks/", nil).list(t), "no endpoint was stored")
	res := c.do("POST", "/api/v1/commands/templates/tpl/execute/", map[string]any{"name": "x"}).must(t, http.StatusOK)
	assert.Empty(t, res["delivery_ids"], "nothing to deliver to")
	assert.Zero(t, recv.Connections(), "the receiver was never contacted")
	require.Equal(t, 0, srv.stop(syscall.SIGINT), "exit code after SIGINT")
	assert.Contains(t, srv.logs.text(), "msg=stopped")

	again := startChild(t, childOptions{dir: dir})
	assert.NotContains(t, again.logs.text(), "generated a new encryption key", "the key file is reused")
	require.Equal(t, 0, again.stop(syscall.SIGTERM))
}

// Invalid flags and environment values exit with status 2 before anything
// is opened.
func TestServerBadFlagsExitTwo(t *testing.T) {
	t.Parallel()
	cases := []struct {
		args []string
		env  []string
		want string
	}{
		{args: []string{"-retry-base", "soon"}, want: "-retry-base"},
		{args: []string{"-users", "nobody"}, want: "-users"},
		{args: []string{"-smtp", "mail.example.com:25"}, want: "-smtp-from is required"},
		{args: []string{"-log-format", "xml"}, want: "-log-format"},
		{args: []string{"serve"}, want: "unexpected argument"},
		{env: []string{envSecretKey + "=not-a-key"}, want: envSecretKey + " is invalid"},
	}
	for _, tc := range cases {
		dir := t.TempDir()
		cmd := exec.Command(serverBinary(t), append([]string{"-addr", "127.0.0.1:0"}, tc.args...)...)
		cmd.Env = append([]string{}, tc.env...)
		cmd.Dir = dir
		out, err := cmd.CombinedOutput()
		var exitErr *exec.ExitError
		if !errors.As(err, &exitErr) {
			t.Errorf("%v: got %v, want exit status 2; output %s", tc.args, err, out)
			continue
		}
		assert.Equal(t, 2, exitErr.ExitCode(), "%v %v: exit code", tc.args, tc.env)
		assert.Contains(t, string(out), tc.want, "%v %v: message", tc.args, tc.env)
		entries, _ := os.ReadDir(dir)
		assert.Empty(t, entries, "%v %v: files were created", tc.args, tc.env)
	}
}

func TestServerMissingKeyWithDatabaseExitsTwo(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "integrations.db"), nil, 0o600))
	cmd := exec.Command(serverBinary(t), "-addr", "127.0.0.1:0")
	cmd.Env = []string{}
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()

	var exitErr *exec.ExitError
	require.ErrorAs(t, err, &exitErr, "output %s", out)
	assert.Equal(t, 2, exitErr.ExitCode())
	assert.Contains(t, string(out), "key file integrations.key not found, but the database integrations.db exists")
	assert.NoFileExists(t, filepath.Join(dir, "integrations.key"), "no new key may replace the lost one")
}
