package fakesmtp_test

import (
	"context"
	"fmt"
	"log"
	"net/smtp"
	"time"

	"github.com/hishamos/integrations-external/internal/fakesmtp"
)

func Example() {
	srv, err := fakesmtp.Start(fakesmtp.Options{})
	if err != nil {
		log.Fatal(err)
	}
	defer srv.Close()

	body := "Subject: hello\r\n\r\nHi there.\r\n"
	if err := smtp.SendMail(srv.Addr(), nil, "from@example.com", []string{"to@example.com"}, []byte(body)); err != nil {
		log.Fatal(err)
	}

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	messages, err := srv.WaitForMessages(ctx, 1)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(messages[0].From, messages[0].To)
	fmt.Printf("%q\n", messages[0].Data)
	// Output:
	// from@example.com [to@example.com]
	// "Subject: hello\r\n\r\nHi there.\r\n"
}
