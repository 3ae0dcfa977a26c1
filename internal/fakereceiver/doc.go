// Package fakereceiver runs real HTTP servers on 127.0.0.1 that stand in
// for webhook receivers in tests.
//
// A [Server] records every request it receives (method, path, headers and
// the exact body bytes), counts the TCP connections it accepts, and responds
// according to a [Behavior]:
//
//   - [OK]: 200 to every request (the default);
//   - [FailThenOK]: a given status for the first N requests, then 200;
//   - [Respond]: a fixed status, headers and body, such as 429 with
//     Retry-After ([TooManyRequests]) or 410 ([Gone]);
//   - [Redirect]: a 3xx to a given URL;
//   - [StallBody]: status and headers, part of a body, then nothing until
//     [Server.Release] or the client goes away;
//   - [EndlessBody]: a body that never ends while the client reads;
//   - [Hang]: no response at all until [Server.Release] or the client goes
//     away.
//
// Tests wait for requests with [Server.WaitForRequests] or
// [Server.AwaitRequests] instead of sleeping. A Server started with [New]
// is closed by t.Cleanup, and one from [Start] by its caller. Close
// releases blocked handlers first, so no goroutine outlives the test.
//
// The package is internal: the webhook, integrations, httpapi and example
// tests share it.
package fakereceiver
