// Package slack posts notifications to Slack channels with a bot token and
// builds the messages for the events a host dispatches.
//
// # Client
//
// [New] takes a bot token (xoxb-...) and options: [WithAPIURL] for an
// Enterprise Grid proxy or a test server, [WithHTTPClient], [WithTimeout],
// [WithMaxRetryAfter], [WithDefaultRetryAfter] and [WithLogger]. Every
// call takes a context. [Client.Verify] checks the token (auth.test) and
// the channel (conversations.info), so a wrong channel is reported when
// the integration is saved rather than at its first message.
// [Client.Post] sends a [Message] with chat.postMessage.
//
// # Errors
//
// Every failure that reached Slack, or tried to, is an [*Error]. Slack
// rejects requests with HTTP 200 and "ok": false; the error code goes to
// [Error.Code], and Error() reads "Slack API error: channel_not_found".
// Rejected tokens (invalid_auth, not_authed, account_inactive,
// token_revoked, token_expired) set AuthFailed. Those and
// channel_not_found, is_archived, not_in_channel, msg_too_long,
// invalid_blocks and any other code not known to be transient are
// permanent. HTTP 429 (with RetryAfter from the
// Retry-After header, clamped), 5xx, network failures and timeouts are
// Retryable. No error text contains the token.
//
// # Messages
//
// [Workflow], [Command], [SystemAlert], [ProjectUpdate] and [TestMessage]
// hold plain values, and their Build methods return the Block Kit blocks
// and text fallback. Every user value is escaped with [Escape], so a name
// such as "<!channel>" is shown, not acted on, and long text is cut on a
// rune boundary with [TruncationMarker].
//
// NOTE: incoming-webhook URLs as a second kind of Slack target are not
// built yet; they need the dial-time address guard shared with the webhook
// package.
package slack
