package main

import (
	"context"
	"fmt"
	"io"
	"strings"
)

// deliveryView is the part of the API's delivery record that the report
// prints.
type deliveryView struct {
	ID       string `json:"id"`
	Channel  string `json:"channel"`
	Status   string `json:"status"`
	Attempts []struct {
		Number         int    `json:"number"`
		Status         string `json:"status"`
		ResponseStatus *int   `json:"response_status"`
		DurationMS     int64  `json:"duration_ms"`
		ErrorMessage   string `json:"error_message"`
	} `json:"attempts"`
}

// channelOrder is the order of the per-channel summary lines.
var channelOrder = []string{"webhook", "email", "slack", "github"}

// report prints every delivery with its attempts, read back through the API,
// then what the receiver and the mail server received. It returns an error when a
// delivery did not succeed.
func report(ctx context.Context, out io.Writer, api *apiClient, events []dispatched, receiver *webhookReceiver, mail *mailServer) error {
	fmt.Fprintln(out, "\ndeliveries (GET webhook-deliveries/{id}/):")
	total := map[string]int{}
	succeeded := map[string]int{}
	for _, e := range events {
		for _, id := range e.ids {
			var d deliveryView
			if err := api.do(ctx, "GET", "webhook-deliveries/"+id+"/", nil, &d); err != nil {
				return fmt.Errorf("read delivery %s: %w", id, err)
			}
			printDelivery(out, e.label, d)
			total[d.Channel]++
			if d.Status == "success" {
				succeeded[d.Channel]++
			}
		}
	}

	fmt.Fprintln(out, "\nwebhook receiver verified:")
	for _, v := range receiver.received() {
		fmt.Fprintf(out, "  %-18s status=%-9s delivery %s, signature ok\n", v.EventType, v.Status, v.DeliveryID)
	}

	fmt.Fprintln(out, "\nemails received by the SMTP server:")
	for _, m := range mail.received() {
		fmt.Fprintf(out, "  to %s: %s\n", strings.Join(m.To, ", "), m.Subject)
	}

	return printSummary(out, total, succeeded)
}

// printSummary prints the deliveries per channel and returns an error when
// any of them did not succeed. Both maps are keyed by channel name.
func printSummary(out io.Writer, total, succeeded map[string]int) error {
	fmt.Fprintln(out, "\nsummary:")
	failed, all := 0, 0
	for _, ch := range channelOrder {
		if total[ch] == 0 {
			continue
		}
		fmt.Fprintf(out, "  %s: %d of %d deliveries succeeded\n", ch, succeeded[ch], total[ch])
		failed += total[ch] - succeeded[ch]
		all += total[ch]
	}
	if failed > 0 {
		return fmt.Errorf("%d of %d deliveries failed: see their attempts above", failed, all)
	}
	fmt.Fprintln(out, "every delivery succeeded")

	return nil
}

func printDelivery(out io.Writer, label string, d deliveryView) {
	fmt.Fprintf(out, "  %-7s %-27s %-7s delivery %s\n", d.Channel, label, d.Status, d.ID)
	for _, a := range d.Attempts {
		code := "no HTTP status"
		if a.ResponseStatus != nil {
			code = fmt.Sprintf("HTTP %d", *a.ResponseStatus)
		}
		line := fmt.Sprintf("    attempt %d: %s, %s, %d ms", a.Number, a.Status, code, a.DurationMS)
		if a.ErrorMessage != "" {
			line += ": " + a.ErrorMessage
		}
		fmt.Fprintln(out, line)
	}
}
