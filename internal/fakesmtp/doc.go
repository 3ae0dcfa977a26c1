// Package fakesmtp runs an in-process SMTP server on 127.0.0.1 for tests and
// examples. It speaks real SMTP (built on github.com/emersion/go-smtp), keeps
// every message it accepts, and can inject failures.
//
// # Starting and stopping
//
// [Start] listens on 127.0.0.1 with a port chosen by the kernel and serves
// until [Server.Close], which closes the listener and every open
// connection and waits for all of the server's goroutines to return:
//
//	srv, err := fakesmtp.Start(fakesmtp.Options{})
//	if err != nil { ... }
//	defer srv.Close()
//	// aim a client at srv.Host() and srv.Port()
//
// # Received messages
//
// Each accepted message is stored as a [Message] with its envelope sender,
// its recipients and the raw bytes the client sent after DATA.
// [Server.WaitForMessages] blocks until a number of messages have arrived or
// its context ends, so tests never sleep. [Server.Messages] returns a copy of
// what has arrived so far.
//
// # Options
//
//   - [Options.Auth] requires AUTH PLAIN with the given credentials before MAIL.
//   - [Options.StartTLS] advertises STARTTLS with a self-signed certificate
//     made in memory; [Options.ImplicitTLS] wraps the listener in TLS from the
//     first byte. Clients trust the certificate through [Server.CertPool] or
//     [Server.ClientTLSConfig].
//   - [Options.Reply] makes the server answer MAIL, RCPT or DATA with a chosen
//     4xx or 5xx reply; [Server.SetReply] changes it while the server runs.
//   - [Options.StallData] reads a message after DATA and never replies.
//   - [Options.NeverGreet] accepts TCP connections and never sends the 220
//     greeting, for testing client timeouts.
//
// A Server is safe for concurrent use.
package fakesmtp
