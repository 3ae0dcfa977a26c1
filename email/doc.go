// Package email sends notification emails over SMTP, built on
// github.com/wneessen/go-mail.
//
// # Sending
//
// A [Sender] is built from a [Config] with [New] and sends one [Message]
// per [Sender.Send] call on its own connection:
//
//	sender, err := email.New(email.Config{
//		Host:     "smtp.example.com",
//		Port:     587,
//		Username: "notifications",
//		Password: email.Password(password),
//		From:     "noreply@example.com",
//		FromName: "HishamOS",
//	})
//	msg, err := email.Composer{}.TestEmail()
//	msg.To = []string{"user@example.com"}
//	err = sender.Send(ctx, msg)
//
// # TLS
//
// [TLSPolicy] takes one of four names: "none" (plain text),
// "opportunistic" (STARTTLS when offered), "starttls" (STARTTLS required,
// the default) and "tls" (implicit TLS, usually port 465).
//
// # Messages
//
// A [Composer] renders the workflow, command, system alert, project update
// and test messages, each as a plain-text body with an HTML alternative
// from embedded templates. Subjects and display names that are not ASCII
// are encoded as RFC 2047 encoded words. CR, LF and other control
// characters in a subject or display name are replaced by spaces, and a
// recipient address containing them is rejected, so user values cannot add
// headers. The envelope MAIL FROM is always the bare Config.From address.
//
// # Errors
//
// Every failed Send returns an [*Error]. A 4xx reply, a network failure
// and a timeout are retryable; a 5xx reply is permanent, and 535 also sets
// AuthFailed. The password never appears in an error or log record.
package email
