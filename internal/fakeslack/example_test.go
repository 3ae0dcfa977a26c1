package fakeslack_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/hishamos/integrations-external/internal/fakeslack"
)

func Example() {
	srv, err := fakeslack.Start()
	if err != nil {
		fmt.Println(err)
		return
	}
	defer srv.Close()
	srv.AddToken("xoxb-example")
	srv.AddChannel(fakeslack.Channel{ID: "C0123", Name: "builds", Member: true})

	form := url.Values{"channel": {"C0123"}, "text": {"Build passed"}}
	req, _ := http.NewRequest(http.MethodPost, srv.URL()+"chat.postMessage", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Authorization", "Bearer xoxb-example")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		fmt.Println(err)
		return
	}
	resp.Body.Close()

	msgs, err := srv.WaitForMessages(context.Background(), "C0123", 1)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(msgs[0].Channel, msgs[0].Text)
	// Output: C0123 Build passed
}
