package slack

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"strings"

	slackapi "github.com/slack-go/slack"
)

// ScopeChatWritePublic lets a bot post in public channels it has not
// joined.
const ScopeChatWritePublic = "chat:write.public"

// Verification is the result of [Client.Verify]: the workspace, the bot
// and the channel.
type Verification struct {
	// TeamID and Team identify the workspace; TeamURL is its address.
	TeamID  string
	Team    string
	TeamURL string
	// EnterpriseID is set for Enterprise Grid workspaces.
	EnterpriseID string
	// BotUserID is the bot's user id (U...); BotID its bot id (B...).
	BotUserID string
	BotID     string
	// Scopes are the token's OAuth scopes from the X-OAuth-Scopes header;
	// nil when Slack (or a proxy) did not send the header.
	Scopes []string

	// ChannelID and ChannelName identify the channel.
	ChannelID   string
	ChannelName string
	// ChannelPrivate reports a private channel.
	ChannelPrivate bool
	// IsMember reports that the bot is a member of the channel. When false,
	// the bot posts through the chat:write.public scope.
	IsMember bool
}

// HasScope reports whether the token was granted scope.
func (v *Verification) HasScope(scope string) bool { return slices.Contains(v.Scopes, scope) }

// Verify checks the token with auth.test and the channel with
// conversations.info. It returns an *Error when the token is rejected or
// the channel does not exist (Code "channel_not_found") or is archived
// ("is_archived"). It also returns one with Code "not_in_channel" when the
// bot is not a member and cannot post anyway, because the channel is
// private or the token lacks chat:write.public. Without an X-OAuth-Scopes
// header on the auth.test response, the scope counts as missing.
func (c *Client) Verify(ctx context.Context, channelID string) (*Verification, error) {
	if err := checkChannelID(channelID); err != nil {
		return nil, err
	}

	v, err := c.authTest(ctx)
	if err != nil {
		return nil, err
	}

	var ch *slackapi.Channel
	_, err = c.call(ctx, "conversations.info", func(ctx context.Context, api *slackapi.Client) error {
		var err error
		ch, err = api.GetConversationInfoContext(ctx, &slackapi.GetConversationInfoInput{ChannelID: channelID})
		return err
	})
	if err != nil {
		return nil, err
	}

	v.ChannelID = ch.ID
	v.ChannelName = ch.Name
	v.ChannelPrivate = ch.IsPrivate
	v.IsMember = ch.IsMember
	switch {
	case ch.IsArchived:
		return nil, codeError("conversations.info", CodeIsArchived)
	case !ch.IsMember && (ch.IsPrivate || !v.HasScope(ScopeChatWritePublic)):
		return nil, codeError("conversations.info", CodeNotInChannel)
	}

	return v, nil
}

func (c *Client) authTest(ctx context.Context) (*Verification, error) {
	var resp *slackapi.AuthTestResponse
	header, err := c.call(ctx, "auth.test", func(ctx context.Context, api *slackapi.Client) error {
		var err error
		resp, err = api.AuthTestContext(ctx)
		return err
	})
	if err != nil {
		return nil, err
	}

	return &Verification{
		TeamID:       resp.TeamID,
		Team:         resp.Team,
		TeamURL:      resp.URL,
		EnterpriseID: resp.EnterpriseID,
		BotUserID:    resp.UserID,
		BotID:        resp.BotID,
		Scopes:       parseScopes(header),
	}, nil
}

// parseScopes splits the comma-separated X-OAuth-Scopes header.
func parseScopes(h http.Header) []string {
	raw, ok := h["X-Oauth-Scopes"]
	if !ok {
		return nil
	}
	scopes := []string{}
	for _, line := range raw {
		for s := range strings.SplitSeq(line, ",") {
			if s = strings.TrimSpace(s); s != "" {
				scopes = append(scopes, s)
			}
		}
	}

	return scopes
}

// checkChannelID rejects an empty channel id before any request is made.
func checkChannelID(channelID string) error {
	if strings.TrimSpace(channelID) == "" {
		return errors.New("slack: channel id is empty: pass the id of the channel (C...), not its name")
	}

	return nil
}
