package httpapi_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
)

// TestConcurrentClients runs 50 clients making 2,000 create, list and
// delete calls in all against one SQLite store.
func TestConcurrentClients(t *testing.T) {
	e := setup(t)
	const clients, rounds = 50, 10 // 50 × 10 × (create, list, create, delete) = 2,000 calls
	var (
		mu      sync.Mutex
		kept    = map[string]bool{}
		wg      sync.WaitGroup
		errs    = make(chan error, clients)
		client  = e.srv.Client()
		baseURL = e.srv.URL + prefix
	)
	call := func(method, path, user, body string) (int, []byte, error) {
		req, err := http.NewRequest(method, baseURL+path, strings.NewReader(body))
		if err != nil {
			return 0, nil, err
		}
		req.Header.Set("Authorization", "Bearer "+user)
		resp, err := client.Do(req)
		if err != nil {
			return 0, nil, err
		}
		defer resp.Body.Close()
		raw, err := io.ReadAll(resp.Body)
		return resp.StatusCode, raw, err
	}
	for c := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			user := fmt.Sprintf("user%d", c%10)
			for i := range rounds {
				var ids []string
				for k := range 2 {
					body := fmt.Sprintf(`{"name":"h-%d-%d-%d","url":"https://93.184.215.14/in","secret":"s"}`, c, i, k)
					status, raw, err := call("POST", "webhooks/", user, body)
					if err != nil || status != http.StatusCreated {
						errs <- fmt.Errorf("create: %d %s %v", status, raw, err)
						return
					}
					var rec struct{ ID string }
					_ = json.Unmarshal(raw, &rec)
					ids = append(ids, rec.ID)
				}
				if status, raw, err := call("GET", "webhooks/?limit=5", user, ""); err != nil || status != http.StatusOK {
					errs <- fmt.Errorf("list: %d %s %v", status, raw, err)
					return
				}
				if status, raw, err := call("DELETE", "webhooks/"+ids[0]+"/", user, ""); err != nil || status != http.StatusNoContent {
					errs <- fmt.Errorf("delete: %d %s %v", status, raw, err)
					return
				}
				mu.Lock()
				kept[user+"/"+ids[1]] = true
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}

	listed := map[string]bool{}
	for u := range 10 {
		user := fmt.Sprintf("user%d", u)
		r := e.do("GET", "webhooks/?limit=200", user, nil)
		e.expect(r, http.StatusOK)
		for _, rec := range r.list(t) {
			key := user + "/" + rec["id"].(string)
			if listed[key] {
				t.Errorf("record %s listed twice", key)
			}
			listed[key] = true
		}
	}
	if len(listed) != len(kept) || len(kept) != clients*rounds {
		t.Errorf("listed %d records, kept %d, want %d", len(listed), len(kept), clients*rounds)
	}
	for key := range kept {
		if !listed[key] {
			t.Errorf("record %s was lost", key)
		}
	}
}
