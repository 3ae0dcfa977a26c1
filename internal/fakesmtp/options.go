package fakesmtp

// Options configures a [Server]. The zero value accepts every message
// without authentication or TLS.
type Options struct {
	// Auth, when set, advertises AUTH PLAIN and rejects MAIL with 530 until
	// the client has authenticated with these credentials. Wrong credentials
	// get 535 5.7.8. Default: nil, no AUTH offered.
	Auth *Credentials

	// StartTLS advertises STARTTLS with an in-memory self-signed certificate.
	StartTLS bool

	// ImplicitTLS serves TLS from the first byte (the port 465 style), with
	// the same self-signed certificate.
	ImplicitTLS bool

	// NeverGreet accepts TCP connections and sends nothing, not even the 220
	// greeting, until Close. The other options have no effect with it.
	NeverGreet bool

	// StallData reads each message after DATA and then sends no reply
	// until Close, for testing client timeouts mid-transaction. No message
	// is stored.
	StallData bool

	// Reply, when set, is sent at its stage in place of acceptance.
	// Default: nil, accept everything.
	Reply *Reply
}

// Credentials are the user name and password AUTH PLAIN accepts.
type Credentials struct {
	Username string
	Password string
}

// Stage is the SMTP command that receives a [Reply].
type Stage string

// Stages at which a [Reply] can be injected.
const (
	StageMail Stage = "MAIL"
	StageRcpt Stage = "RCPT"
	StageData Stage = "DATA"
)

// Reply is an error reply the server sends at one stage of a transaction,
// such as "451 4.3.0 try again later" at RCPT.
type Reply struct {
	// Stage is the command that receives the reply.
	Stage Stage

	// Code is the SMTP reply code, 400 to 599.
	Code int

	// Message is the reply text after the code. The enhanced status code
	// (RFC 3463) is derived from Code as X.0.0. Default: "Requested action
	// not taken".
	Message string

	// Times is how many transactions get the reply before the server accepts
	// again. Default: 0, every transaction.
	Times int
}
