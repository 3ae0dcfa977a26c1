package email_test

import (
	"context"
	"fmt"
	"log"
	"mime"
	"net/mail"
	"strings"
	"time"

	"github.com/hishamos/integrations-external/email"
	"github.com/hishamos/integrations-external/internal/fakesmtp"
)

func ExampleComposer_Workflow() {
	msg, err := email.Composer{}.Workflow(email.Workflow{
		Name:        "Nightly build",
		Status:      "completed",
		ExecutionID: "exec-42",
	})
	if err != nil {
		log.Fatal(err)
	}

	fmt.Println(msg.Subject)
	fmt.Println(strings.SplitN(msg.Text, "\n", 2)[0])
	// Output:
	// Workflow Nightly build - Completed
	// Workflow "Nightly build" finished with status Completed.
}

func ExampleComposer_Command() {
	msg, err := email.Composer{}.Command(email.Command{
		Name:   "deploy",
		Status: "failed",
		Error:  "permission denied",
	})
	if err != nil {
		log.Fatal(err)
	}

	fmt.Println(msg.Subject)
	// Output: Command deploy - Failed
}

func ExampleSender_Send() {
	// A local fake SMTP server replaces the real one.
	srv, err := fakesmtp.Start(fakesmtp.Options{StartTLS: true})
	if err != nil {
		log.Fatal(err)
	}
	defer srv.Close()

	sender, err := email.New(email.Config{
		Host:      srv.Host(),
		Port:      srv.Port(),
		TLSPolicy: email.TLSStartTLS,
		TLSConfig: srv.ClientTLSConfig(), // trusts the fake's self-signed certificate
		From:      "noreply@example.com",
		FromName:  "HishamOS",
		Timeout:   5 * time.Second,
	})
	if err != nil {
		log.Fatal(err)
	}

	msg, err := email.Composer{}.TestEmail()
	if err != nil {
		log.Fatal(err)
	}
	msg.To = []string{"user@example.com"}

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := sender.Send(ctx, msg); err != nil {
		log.Fatal(err)
	}

	received, err := srv.WaitForMessages(ctx, 1)
	if err != nil {
		log.Fatal(err)
	}
	parsed, err := mail.ReadMessage(strings.NewReader(string(received[0].Data)))
	if err != nil {
		log.Fatal(err)
	}
	subject, _ := new(mime.WordDecoder).DecodeHeader(parsed.Header.Get("Subject"))
	fmt.Println(received[0].From, "->", received[0].To)
	fmt.Println(subject)
	// Output:
	// noreply@example.com -> [user@example.com]
	// Test Email from HishamOS
}
