// Package fakeslack is a Slack Web API server for tests. It listens on
// 127.0.0.1 and speaks Slack's wire format for the three methods the slack
// package calls: POST /api/auth.test, /api/conversations.info and
// /api/chat.postMessage, with form-encoded or JSON bodies and the token in
// an "Authorization: Bearer" header or a "token" parameter. It responds with
// HTTP 200 with {"ok":true,...} or {"ok":false,"error":"<code>"}, shaped
// like the Slack responses stored under testdata/ (modelled on the examples
// in Slack's method documentation; a test checks the shapes match).
//
// # Use
//
//	srv := fakeslack.New(t)                  // closed by t.Cleanup
//	srv.AddToken("xoxb-test", "chat:write")   // scopes go to X-OAuth-Scopes
//	srv.AddChannel(fakeslack.Channel{ID: "C1", Name: "alerts", Member: true})
//	client, _ := slack.New("xoxb-test", slack.WithAPIURL(srv.URL()))
//	...
//	msgs, err := srv.WaitForMessages(ctx, "C1", 1) // no sleeping
//
// # Checks it makes
//
// A missing token gives not_authed and an unknown one invalid_auth. An
// unknown channel, or a private one the bot is not in, gives
// channel_not_found. An archived channel gives is_archived. A public
// channel the bot is not in gives not_in_channel unless the token has
// chat:write.public.
// chat.postMessage rejects an empty message (no_text), text over 40,000
// characters (msg_too_long), and blocks that are not a JSON array, number
// more than 50, or hold a section text over 3,000 or a field over 2,000
// characters (invalid_blocks). Lengths are counted in UTF-16 code units.
//
// # Recording and waiting
//
// Every accepted chat.postMessage is kept as a [PostedMessage] (channel,
// text, blocks JSON, parameters without the token). [Server.Messages]
// returns them; [Server.WaitForMessages] and [Server.WaitForCalls] block
// until enough have arrived, so tests never sleep. [Server.Calls] counts
// requests per method, failed ones included.
//
// # Failures on demand
//
// [Server.FailNext] makes the next calls of a method fail with a given
// HTTP status (429 with or without Retry-After, 500), a Slack error code
// as an ok:false response, or a stall: the request is held until the client
// gives up or the server closes, and then the connection is dropped.
// [Server.RemoveToken] makes a token get invalid_auth.
//
// The server is safe for concurrent use.
package fakeslack
