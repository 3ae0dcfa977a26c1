package integrations_test

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hishamos/integrations-external/integrations"
	"github.com/hishamos/integrations-external/internal/fakereceiver"
	"github.com/hishamos/integrations-external/store"
)

// deliveryCounter counts the requests a receiver got per delivery id.
func deliveryCounter(reqs []fakereceiver.Request) map[string]int {
	seen := make(map[string]int)
	for _, r := range reqs {
		seen[r.Header.Get("X-HishamOS-Delivery-ID")]++
	}

	return seen
}

// dispatchMany dispatches n command events for testUser and returns the
// delivery ids.
func dispatchMany(t testing.TB, d *integrations.Dispatcher, n int) []string {
	t.Helper()
	var ids []string
	for i := range n {
		got, err := d.CommandExecuted(context.Background(), integrations.CommandResult{
			CommandName: "deploy", ExecutionID: "run-" + strconv.Itoa(i), UserID: testUser,
			Status: integrations.StatusSuccess,
		})
		require.NoError(t, err)
		ids = append(ids, got...)
	}

	return ids
}

// laterClock returns a clock running ahead of the real one by skew, so the
// leases of a dispatcher that stopped abruptly have already ended.
func laterClock(skew time.Duration) func() time.Time {
	return func() time.Time { return time.Now().Add(skew) }
}

// finishOn starts a dispatcher on path and waits until every id has a
// delivered request at recv.
func finishOn(t *testing.T, path string, recv *fakereceiver.Server, ids []string) {
	t.Helper()
	st := openSQLite(t, path)
	defer st.Close()
	d, err := integrations.New(integrations.Config{
		Store: st, AllowPrivateNetworks: true, RetryBase: 20 * time.Millisecond,
		PollInterval: 20 * time.Millisecond, Now: laterClock(5 * time.Minute),
	})
	require.NoError(t, err)
	require.NoError(t, d.Start(context.Background()))
	defer stopDispatcher(t, d)

	want := make(map[string]bool, len(ids))
	for _, id := range ids {
		want[id] = true
	}
	require.Eventually(t, func() bool {
		seen := deliveryCounter(recv.Requests())
		for id := range want {
			if seen[id] == 0 {
				return false
			}
		}
		return true
	}, 60*time.Second, 10*time.Millisecond, "some deliveries never arrived after the restart")

	require.Eventually(t, func() bool {
		list, err := st.ListDeliveries(context.Background(),
			store.DeliveryQuery{Access: store.AsAdmin(), Status: store.StatusSuccess})
		return err == nil && len(list) == len(ids)
	}, 30*time.Second, 10*time.Millisecond, "every delivery must end in success")
	for id := range deliveryCounter(recv.Requests()) {
		assert.True(t, want[id], "request with unknown delivery id %q", id)
	}
}

func TestAbruptStopLosesNothing(t *testing.T) {
	path := filepath.Join(t.TempDir(), "crash.db")
	recv := fakereceiver.New(t, fakereceiver.OK())

	st := openSQLite(t, path)
	ep := store.NewWebhookEndpoint(testUser)
	ep.Name, ep.URL, ep.TriggerOnCommandExecution = "r", recv.URL, true
	require.NoError(t, st.CreateWebhookEndpoint(context.Background(), ep))

	d, err := integrations.New(integrations.Config{Store: st, AllowPrivateNetworks: true})
	require.NoError(t, err)
	ids := dispatchMany(t, d, 1000)
	require.Len(t, ids, 1000)

	ctx, cancel := context.WithCancel(context.Background())
	require.NoError(t, d.Start(ctx))
	_, err = recv.WaitForRequests(waitCtx(t), 100)
	require.NoError(t, err)
	cancel() // abrupt: no waiting for attempts in flight
	require.NoError(t, st.Close())
	<-d.Stopped()

	finishOn(t, path, recv, ids)
}

// The child half of TestKilledProcessLosesNothing: it dispatches and
// delivers until the parent kills it.
func TestCrashChildProcess(t *testing.T) {
	path := os.Getenv("INTEGRATIONS_CRASH_CHILD_DB")
	if path == "" {
		t.Skip("runs only as the child process of TestKilledProcessLosesNothing")
	}
	st := openSQLite(t, path)
	d, err := integrations.New(integrations.Config{Store: st, AllowPrivateNetworks: true})
	require.NoError(t, err)
	ids := dispatchMany(t, d, 500)
	for _, id := range ids {
		fmt.Println("delivery", id)
	}
	fmt.Println("ready")
	require.NoError(t, d.Start(context.Background()))
	select {} // until killed
}

func TestKilledProcessLosesNothing(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a child process")
	}
	path := filepath.Join(t.TempDir(), "killed.db")
	recv := fakereceiver.New(t, fakereceiver.OK())
	st := openSQLite(t, path)
	ep := store.NewWebhookEndpoint(testUser)
	ep.Name, ep.URL, ep.TriggerOnCommandExecution = "r", recv.URL, true
	require.NoError(t, st.CreateWebhookEndpoint(context.Background(), ep))
	require.NoError(t, st.Close())

	cmd := exec.Command(os.Args[0], "-test.run", "^TestCrashChildProcess$", "-test.count=1")
	cmd.Env = append(os.Environ(), "INTEGRATIONS_CRASH_CHILD_DB="+path)
	out, err := cmd.StdoutPipe()
	require.NoError(t, err)
	require.NoError(t, cmd.Start())

	var ids []string
	var once sync.Once
	ready := make(chan struct{})
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			var id string
			if _, err := fmt.Sscanf(sc.Text(), "delivery %s", &id); err == nil {
				ids = append(ids, id)
			}
			if sc.Text() == "ready" {
				once.Do(func() { close(ready) })
			}
		}
		once.Do(func() { close(ready) })
	}()
	<-ready
	_, err = recv.WaitForRequests(waitCtx(t), 50)
	require.NoError(t, err)
	require.NoError(t, cmd.Process.Signal(syscall.SIGKILL))
	_ = cmd.Wait()
	require.Len(t, ids, 500, "the child must report every delivery id before it is killed")

	finishOn(t, path, recv, ids)
}
