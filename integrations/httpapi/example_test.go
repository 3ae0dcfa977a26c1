package httpapi_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"

	"github.com/hishamos/integrations-external/integrations"
	"github.com/hishamos/integrations-external/integrations/httpapi"
	"github.com/hishamos/integrations-external/store"
	"github.com/hishamos/integrations-external/store/sqlite"
)

// A host mounts the handler on its own mux and identifies callers with its
// own authentication; here a header carries the user id.
func Example() {
	dir, _ := os.MkdirTemp("", "httpapi-example")
	defer os.RemoveAll(dir)
	key, _ := store.GenerateKey()
	keys, _ := store.ParseKeyring(key)
	st, err := sqlite.Open(context.Background(), filepath.Join(dir, "integrations.db"), sqlite.Options{Keys: keys})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer st.Close()
	d, err := integrations.New(integrations.Config{Store: st})
	if err != nil {
		fmt.Println(err)
		return
	}

	auth := httpapi.AuthenticatorFunc(func(r *http.Request) (httpapi.Principal, error) {
		user := r.Header.Get("X-User") // a real host checks a session or token
		if user == "" {
			return httpapi.Principal{}, errors.New("no session")
		}
		return httpapi.Principal{UserID: user, Email: user + "@example.com"}, nil
	})
	mux := http.NewServeMux()
	mux.Handle(httpapi.DefaultPrefix, httpapi.New(d.Service(), httpapi.Options{Authenticator: auth}))
	srv := httptest.NewServer(mux)
	defer srv.Close()

	req, _ := http.NewRequest("PUT", srv.URL+httpapi.DefaultPrefix+"email/",
		strings.NewReader(`{"notify_workflow_completion": true, "notify_command_execution": true}`))
	req.Header.Set("X-User", "alice")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	fmt.Println(resp.StatusCode, strings.Contains(string(body), `"email_address":"alice@example.com"`))
	// Output: 200 true
}
