package fakereceiver_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/hishamos/integrations-external/internal/fakereceiver"
)

// A receiver that fails once and then accepts, as a retry test uses it.
func Example() {
	t := &testing.T{} // in a real test, use the test's own *testing.T
	s := fakereceiver.New(t, fakereceiver.FailThenOK(1, http.StatusInternalServerError))
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
