package fakegithub

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
)

// page is one page of a list response, as GitHub computes it from the
// page and per_page query parameters.
type page struct {
	number, size, last int
}

// parsePage reads page (default 1) and per_page (default 30, max 100).
func parsePage(r *http.Request, total int) page {
	q := r.URL.Query()
	p := page{number: 1, size: 30}
	if n, err := strconv.Atoi(q.Get("page")); err == nil && n > 0 {
		p.number = n
	}
	if n, err := strconv.Atoi(q.Get("per_page")); err == nil && n > 0 {
		p.size = min(n, 100)
	}
	p.last = max(1, (total+p.size-1)/p.size)

	return p
}

// bounds returns the slice indexes of the page within total items.
func (p page) bounds(total int) (start, end int) {
	start = min((p.number-1)*p.size, total)
	end = min(start+p.size, total)

	return start, end
}

// setLink writes GitHub's Link header: next and last while more pages
// follow, first and prev after the first page. nextPage overrides the next
// link's page number when non-zero.
func (p page) setLink(w http.ResponseWriter, r *http.Request, nextPage int) {
	if nextPage == 0 {
		nextPage = p.number + 1
	}

	var links []string
	if p.number < p.last {
		links = append(links, linkTo(r, nextPage, "next"), linkTo(r, p.last, "last"))
	}
	if p.number > 1 {
		links = append(links, linkTo(r, 1, "first"), linkTo(r, min(p.number-1, p.last), "prev"))
	}
	if len(links) > 0 {
		w.Header().Set("Link", strings.Join(links, ", "))
	}
}

func linkTo(r *http.Request, number int, rel string) string {
	q := r.URL.Query()
	q.Set("page", strconv.Itoa(number))
	u := fmt.Sprintf("http://%s%s?%s", r.Host, r.URL.Path, q.Encode())

	return fmt.Sprintf("<%s>; rel=%q", u, rel)
}

func itoa(n int) string { return strconv.Itoa(n) }
