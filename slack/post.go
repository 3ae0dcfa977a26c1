package slack

import (
	"context"
	"errors"

	slackapi "github.com/slack-go/slack"
)

// PostResult identifies a posted message.
type PostResult struct {
	// Channel is the channel id Slack posted in.
	Channel string
	// Timestamp is the message's ts, its id within the channel.
	Timestamp string
}

// Post sends msg to the channel with chat.postMessage. The text and blocks
// are first fitted to Slack's limits (see [MaxSectionText], [MaxBlocks] and
// [MaxFallbackText]). Slack rejects a message with HTTP 200 and "ok":
// false; Post returns that, and every other failure, as an *Error.
//
// Post does not retry. A retryable *Error carries RetryAfter when Slack
// asked for a wait.
func (c *Client) Post(ctx context.Context, channelID string, msg Message) (*PostResult, error) {
	if err := checkChannelID(channelID); err != nil {
		return nil, err
	}
	msg = msg.fitted()
	if msg.Text == "" && len(msg.Blocks) == 0 {
		return nil, errors.New("slack: message is empty: set its text or blocks")
	}

	opts := []slackapi.MsgOption{slackapi.MsgOptionText(msg.Text, false)}
	if len(msg.Blocks) > 0 {
		opts = append(opts, slackapi.MsgOptionBlocks(msg.Blocks...))
	}
	var res PostResult
	_, err := c.call(ctx, "chat.postMessage", func(ctx context.Context, api *slackapi.Client) error {
		var err error
		res.Channel, res.Timestamp, err = api.PostMessageContext(ctx, channelID, opts...)
		return err
	})
	if err != nil {
		return nil, err
	}

	return &res, nil
}
