package httpapi

import (
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

// Page sizes of list routes.
const (
	defaultLimit = 50
	maxLimit     = 200
)

// page is the window of records that a list request selects.
type page struct {
	limit, offset int
	userID        string // admin filter; ignored for ordinary users
}

// parsePage reads limit, offset and user_id. A limit above maxLimit is
// lowered to it. On invalid values it responds with 400 and returns false.
func parsePage(w http.ResponseWriter, r *http.Request) (page, bool) {
	q := r.URL.Query()
	p := page{limit: defaultLimit, userID: q.Get("user_id")}
	problems := map[string]string{}
	if s := q.Get("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if errors.Is(err, strconv.ErrRange) && !strings.HasPrefix(s, "-") {
			n, err = maxLimit+1, nil // too large for an int, so lowered like any value above the maximum
		}
		switch {
		case err != nil || n < 1:
			problems["limit"] = "must be a whole number of at least 1 (values above " + strconv.Itoa(maxLimit) +
				" are lowered to " + strconv.Itoa(maxLimit) + ")"
		case n > maxLimit:
			p.limit = maxLimit
		default:
			p.limit = n
		}
	}
	if s := q.Get("offset"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 0 {
			problems["offset"] = "must be a whole number, 0 or more"
		} else {
			p.offset = n
		}
	}
	if len(problems) > 0 {
		writeFields(w, problems)
		return page{}, false
	}

	return p, true
}

// writeList writes a page of items, newest first. The store was queried for
// one item more than the page holds, and when it returned that item, a Link
// header points at the next page.
func writeList[T any, V any](w http.ResponseWriter, r *http.Request, p page, items []T, view func(T) V) {
	if len(items) > p.limit {
		items = items[:p.limit]
		q := r.URL.Query()
		q.Set("limit", strconv.Itoa(p.limit))
		q.Set("offset", strconv.Itoa(p.offset+p.limit))
		next := url.URL{Path: r.URL.Path, RawQuery: q.Encode()}
		w.Header().Set("Link", "<"+next.String()+`>; rel="next"`)
	}
	out := make([]V, 0, len(items))
	for _, it := range items {
		out = append(out, view(it))
	}
	writeJSON(w, http.StatusOK, out)
}
