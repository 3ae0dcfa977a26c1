package integrations

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/hishamos/integrations-external/store"
)

// WebhookTestResult is the outcome of the one attempt a webhook test makes.
type WebhookTestResult struct {
	// Status is "success" or "failed".
	Status string
	// DeliveryID names the delivery recorded for the test.
	DeliveryID string
	// ResponseStatus is the receiver's HTTP status; 0 without a response.
	ResponseStatus int
	// Error is the attempt's error message, such as "Request timeout after
	// 5s"; "" on success.
	Error string
}

// maxTestPayloadBytes bounds the payload a user may send in a webhook test.
const maxTestPayloadBytes = 64 << 10

// SendWebhookTest sends one "webhook.test" event to the endpoint now and
// records it as a delivery. payload, when not empty, must be a JSON object;
// its "event" and "timestamp" keys are set by the library. The receiver's
// failure is reported in the result, not as an error.
func (s *Service) SendWebhookTest(ctx context.Context, c Caller, id string, payload json.RawMessage) (*WebhookTestResult, error) {
	ep, err := s.GetWebhookEndpoint(ctx, c, id)
	if err != nil {
		return nil, err
	}
	body, err := s.webhookTestPayload(ep, payload)
	if err != nil {
		return nil, err
	}
	d, err := s.d.deliverWebhookNow(ctx, ep, EventWebhookTest, body)
	if err != nil {
		return nil, fmt.Errorf("integrations: test webhook endpoint %q: %w", id, err)
	}

	return webhookTestResult(d), nil
}

// webhookTestPayload builds the test event: the user's object, or a short
// default one, with "event" and "timestamp" set.
func (s *Service) webhookTestPayload(ep *store.WebhookEndpoint, payload json.RawMessage) ([]byte, error) {
	// The user's values stay raw JSON, so numbers that a float64 cannot
	// hold reach the receiver as written.
	fields := map[string]json.RawMessage{}
	if len(payload) > 0 && string(payload) != "null" {
		if len(payload) > maxTestPayloadBytes {
			return nil, &ValidationError{Fields: map[string]string{"payload": "must be at most 64 KiB"}}
		}
		if err := json.Unmarshal(payload, &fields); err != nil || fields == nil {
			return nil, &ValidationError{Fields: map[string]string{"payload": "must be a JSON object"}}
		}
	} else {
		fields["message"] = jsonString("Test event from " + s.d.cfg.ProductName)
		fields["endpoint_id"] = jsonString(ep.ID)
	}
	fields["event"] = jsonString(EventWebhookTest)
	fields["timestamp"] = jsonString(s.now().Format("2006-01-02T15:04:05Z"))
	body, err := json.Marshal(fields)
	if err != nil {
		return nil, fmt.Errorf("integrations: encode test payload: %w", err)
	}

	return body, nil
}

func webhookTestResult(d *store.Delivery) *WebhookTestResult {
	res := &WebhookTestResult{Status: "failed", DeliveryID: d.ID}
	if d.Status == store.StatusSuccess {
		res.Status = "success"
	}
	if a := d.LatestAttempt(); a != nil {
		res.ResponseStatus = a.ResponseStatus
		res.Error = a.ErrorMessage
	}

	return res
}

// jsonString returns s encoded as a JSON string.
func jsonString(s string) json.RawMessage {
	b, _ := json.Marshal(s) // a string always encodes

	return b
}
