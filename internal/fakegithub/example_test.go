package fakegithub_test

import (
	"fmt"
	"io"
	"net/http"

	"github.com/hishamos/integrations-external/internal/fakegithub"
)

// Example starts the fake, adds a token and a repository, and reads the
// first page of pull requests with a plain HTTP client.
func Example() {
	srv := fakegithub.New()
	defer srv.Close()
	srv.AddToken("ghp_example", "octocat")
	srv.AddRepo(fakegithub.Repo{Owner: "octocat", Name: "hello", PullRequests: 3})

	req, _ := http.NewRequest(http.MethodGet,
		srv.URL+"repos/octocat/hello/pulls?state=all&per_page=2", nil)
	req.Header.Set("Authorization", "Bearer ghp_example")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, resp.Body)

	fmt.Println(resp.StatusCode, srv.Requests(fakegithub.RoutePulls))
	fmt.Println(resp.Header.Get("Link") != "")
	// Output:
	// 200 1
	// true
}
