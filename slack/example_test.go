package slack_test

import (
	"context"
	"fmt"
	"time"

	"github.com/hishamos/integrations-external/internal/fakeslack"
	"github.com/hishamos/integrations-external/slack"
)

func ExampleCommand_Build() {
	msg := slack.Command{
		Name:          "deploy <!channel>",
		Status:        slack.StatusSuccess,
		ExecutionTime: 2500 * time.Millisecond,
		Cost:          0.001,
	}.Build()

	fmt.Println(msg.Text)
	fmt.Println(len(msg.Blocks), "blocks")
	// Output:
	// ✅ Command *deploy &lt;!channel&gt;* executed: success
	// Command executed successfully in 2.50s (cost: $0.0010)
	// 2 blocks
}

func ExampleClient_Post() {
	// A fake Slack on 127.0.0.1 replaces https://slack.com/api/.
	srv, err := fakeslack.Start()
	if err != nil {
		fmt.Println(err)
		return
	}
	defer srv.Close()
	srv.AddToken("xoxb-example")
	srv.AddChannel(fakeslack.Channel{ID: "C0123", Name: "builds", Member: true})

	client, err := slack.New("xoxb-example", slack.WithAPIURL(srv.URL()))
	if err != nil {
		fmt.Println(err)
		return
	}
	ctx := context.Background()
	if _, err := client.Verify(ctx, "C0123"); err != nil {
		fmt.Println(err)
		return
	}

	msg := slack.Workflow{Name: "Nightly build", Status: "completed", ExecutionID: "run-7"}.Build()
	if _, err := client.Post(ctx, "C0123", msg); err != nil {
		fmt.Println(err)
		return
	}
	_, err = client.Post(ctx, "C0999", msg)
	fmt.Println(err)

	posted, _ := srv.WaitForMessages(ctx, "C0123", 1)
	fmt.Println(posted[0].Text)
	// Output:
	// Slack API error: channel_not_found
	// ✅ Workflow *Nightly build* completed
	// Execution ID: `run-7`
}
