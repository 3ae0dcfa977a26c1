package httpapi

import (
	"net/http"

	"github.com/hishamos/integrations-external/store"
)

const retryConflict = "delivery is still pending or retrying; retry it after it has finished"

func (h *handler) deliveryRoutes() []route {
	return []route{
		{method: "GET", path: "webhook-deliveries/", summary: "List deliveries, newest first (filters: endpoint, channel, status, event_type)", tag: "deliveries",
			statuses: []int{200, 400}, response: "Delivery", list: true, handle: h.listDeliveries},
		{method: "GET", path: "webhook-deliveries/{id}/", summary: "Get a delivery with its attempts", tag: "deliveries",
			statuses: []int{200}, response: "Delivery", handle: h.getDelivery},
		{method: "POST", path: "webhook-deliveries/{id}/retry/", summary: "Queue a finished delivery for one more attempt", tag: "deliveries",
			statuses: []int{202, 409}, response: "Delivery", handle: h.retryDelivery},
	}
}

// listDeliveries lists webhook deliveries unless ?channel= names another
// channel.
func (h *handler) listDeliveries(w http.ResponseWriter, r *http.Request) {
	p, ok := parsePage(w, r)
	if !ok {
		return
	}
	f := deliveryFilter(r, p)
	q := r.URL.Query()
	f.TargetID = q.Get("endpoint")
	f.Channel = store.ChannelWebhook
	if ch := q.Get("channel"); ch != "" {
		f.Channel = store.Channel(ch)
	}
	ds, err := h.svc.ListDeliveries(r.Context(), caller(r), f)
	if err != nil {
		h.fail(w, r, err, "")
		return
	}
	writeList(w, r, p, ds, viewDelivery)
}

func (h *handler) getDelivery(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(w, r)
	if !ok {
		return
	}
	d, err := h.svc.GetDelivery(r.Context(), caller(r), id)
	if err != nil {
		h.fail(w, r, err, "")
		return
	}
	writeJSON(w, http.StatusOK, viewDelivery(d))
}

func (h *handler) retryDelivery(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(w, r)
	if !ok {
		return
	}
	d, err := h.svc.RetryDelivery(r.Context(), caller(r), id)
	if err != nil {
		h.fail(w, r, err, retryConflict)
		return
	}
	writeJSON(w, http.StatusAccepted, viewDelivery(d))
}
