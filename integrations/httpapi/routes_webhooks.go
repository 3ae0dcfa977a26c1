package httpapi

import (
	"net/http"

	"github.com/hishamos/integrations-external/integrations"
	"github.com/hishamos/integrations-external/store"
)

type webhookBody struct {
	Name                        *string            `json:"name"`
	URL                         *string            `json:"url"`
	Secret                      *string            `json:"secret"`
	SignatureScheme             *string            `json:"signature_scheme"`
	TriggerOnWorkflowCompletion *bool              `json:"trigger_on_workflow_completion"`
	TriggerOnCommandExecution   *bool              `json:"trigger_on_command_execution"`
	TriggerOnProjectUpdate      *bool              `json:"trigger_on_project_update"`
	TriggerOnSystemAlert        *bool              `json:"trigger_on_system_alert"`
	CustomEvents                *[]string          `json:"custom_events"`
	Method                      *string            `json:"method"`
	Headers                     *map[string]string `json:"headers"`
	RetryCount                  *int               `json:"retry_count"`
	TimeoutSeconds              *int               `json:"timeout_seconds"`
	IsActive                    *bool              `json:"is_active"`
}

func (b webhookBody) input() integrations.WebhookInput {
	return integrations.WebhookInput{
		Name: b.Name, URL: b.URL, Secret: b.Secret, SignatureScheme: b.SignatureScheme,
		TriggerOnWorkflowCompletion: b.TriggerOnWorkflowCompletion,
		TriggerOnCommandExecution:   b.TriggerOnCommandExecution,
		TriggerOnProjectUpdate:      b.TriggerOnProjectUpdate,
		TriggerOnSystemAlert:        b.TriggerOnSystemAlert,
		CustomEvents:                b.CustomEvents, Method: b.Method, Headers: b.Headers,
		RetryCount: b.RetryCount, TimeoutSeconds: b.TimeoutSeconds, IsActive: b.IsActive,
	}
}

var webhookFields = fieldsOf(webhookBody{}, webhookView{})

func (h *handler) webhookRoutes() []route {
	return []route{
		{method: "GET", path: "webhooks/", summary: "List webhook endpoints", tag: "webhooks",
			statuses: []int{200, 400}, response: "WebhookEndpoint", list: true, handle: h.listWebhooks},
		{method: "POST", path: "webhooks/", summary: "Create a webhook endpoint; a generated secret is returned once as secret", tag: "webhooks",
			statuses: []int{201, 400, 413}, request: "WebhookEndpointInput", response: "WebhookEndpoint", handle: h.createWebhook},
		{method: "GET", path: "webhooks/{id}/", summary: "Get a webhook endpoint", tag: "webhooks",
			statuses: []int{200}, response: "WebhookEndpoint", handle: h.getWebhook},
		{method: "PUT", path: "webhooks/{id}/", summary: "Replace a webhook endpoint", tag: "webhooks",
			statuses: []int{200, 400, 409, 413}, request: "WebhookEndpointInput", response: "WebhookEndpoint", handle: h.updateWebhook(true)},
		{method: "PATCH", path: "webhooks/{id}/", summary: "Change fields of a webhook endpoint", tag: "webhooks",
			statuses: []int{200, 400, 409, 413}, request: "WebhookEndpointInput", response: "WebhookEndpoint", handle: h.updateWebhook(false)},
		{method: "DELETE", path: "webhooks/{id}/", summary: "Delete a webhook endpoint and its deliveries", tag: "webhooks",
			statuses: []int{204}, handle: h.deleteWebhook},
		{method: "POST", path: "webhooks/{id}/rotate-secret/", summary: "Rotate the signing secret; the new one is returned once as secret", tag: "webhooks",
			statuses: []int{200, 409}, response: "WebhookEndpoint", handle: h.rotateWebhookSecret},
		{method: "GET", path: "webhooks/{id}/deliveries/", summary: "List the endpoint's deliveries, newest first (filters: status, event_type)", tag: "webhooks",
			statuses: []int{200, 400}, response: "Delivery", list: true, handle: h.listEndpointDeliveries},
	}
}

func (h *handler) listWebhooks(w http.ResponseWriter, r *http.Request) {
	p, ok := parsePage(w, r)
	if !ok {
		return
	}
	opts := integrations.ListOptions{UserID: p.userID, Limit: p.limit + 1, Offset: p.offset}
	recs, err := h.svc.ListWebhookEndpoints(r.Context(), caller(r), opts)
	if err != nil {
		h.fail(w, r, err, "")
		return
	}
	writeList(w, r, p, recs, viewWebhook)
}

func (h *handler) createWebhook(w http.ResponseWriter, r *http.Request) {
	var body webhookBody
	if decode(w, r, &body, webhookFields, false) != nil {
		return
	}
	rec, generated, err := h.svc.CreateWebhookEndpoint(r.Context(), caller(r), body.input())
	if err != nil {
		h.fail(w, r, err, "")
		return
	}
	v := viewWebhook(rec)
	v.Secret = generated
	h.created(w, "webhooks/"+rec.ID+"/", v)
}

func (h *handler) getWebhook(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(w, r)
	if !ok {
		return
	}
	rec, err := h.svc.GetWebhookEndpoint(r.Context(), caller(r), id)
	if err != nil {
		h.fail(w, r, err, "")
		return
	}
	writeJSON(w, http.StatusOK, viewWebhook(rec))
}

func (h *handler) updateWebhook(replace bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		id, ok := pathID(w, r)
		if !ok {
			return
		}
		var body webhookBody
		if decode(w, r, &body, webhookFields, false) != nil {
			return
		}
		update := h.svc.PatchWebhookEndpoint
		if replace {
			update = h.svc.UpdateWebhookEndpoint
		}
		rec, err := update(r.Context(), caller(r), id, body.input())
		if err != nil {
			h.fail(w, r, err, "")
			return
		}
		writeJSON(w, http.StatusOK, viewWebhook(rec))
	}
}

func (h *handler) deleteWebhook(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(w, r)
	if !ok {
		return
	}
	if err := h.svc.DeleteWebhookEndpoint(r.Context(), caller(r), id); err != nil {
		h.fail(w, r, err, "")
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (h *handler) rotateWebhookSecret(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(w, r)
	if !ok {
		return
	}
	rec, secret, err := h.svc.RotateWebhookSecret(r.Context(), caller(r), id)
	if err != nil {
		h.fail(w, r, err, "")
		return
	}
	v := viewWebhook(rec)
	v.Secret = secret
	writeJSON(w, http.StatusOK, v)
}

func (h *handler) listEndpointDeliveries(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(w, r)
	if !ok {
		return
	}
	p, ok := parsePage(w, r)
	if !ok {
		return
	}
	f := deliveryFilter(r, p)
	ds, err := h.svc.ListWebhookDeliveries(r.Context(), caller(r), id, f)
	if err != nil {
		h.fail(w, r, err, "")
		return
	}
	writeList(w, r, p, ds, viewDelivery)
}

// deliveryFilter reads the status and event_type filters and the page.
func deliveryFilter(r *http.Request, p page) integrations.DeliveryFilter {
	q := r.URL.Query()
	return integrations.DeliveryFilter{
		UserID: p.userID, Status: store.DeliveryStatus(q.Get("status")), EventType: q.Get("event_type"),
		Limit: p.limit + 1, Offset: p.offset,
	}
}
