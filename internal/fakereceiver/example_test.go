package fakereceiver_test

import (
	"fmt"
	"net/http"
	"strings"

	"github.com/hishamos/integrations-external/internal/fakereceiver"
)

// A receiver that fails once and then accepts, as a retry test uses it.
func Example() {
	// In a test, fakereceiver.New(t, ...) also closes the server when the
	// test ends.
	s := fakereceiver.Start(fakereceiver.FailThenOK(1, http.StatusInternalServerError))
	defer s.Close()

	for range 2 {
		resp, err := s.Client().Post(s.URL, "application/json", strings.NewReader(`{"n":1}`))
		if err != nil {
			fmt.Println(err)
			return
		}
		resp.Body.Close()
		fmt.Println(resp.StatusCode)
	}
	fmt.Println(len(s.Requests()), "requests,", string(s.Requests()[1].Body))
	// Output:
	// 500
	// 200
	// 2 requests, {"n":1}
}
