package fakegithub

import (
	"net/http"
	"strconv"
	"time"
)

// Route names one endpoint of the fake, for InjectFault and Requests.
type Route string

// The endpoints the fake serves.
const (
	RouteUser        Route = "GET /user"
	RouteRepo        Route = "GET /repos/{owner}/{repo}"
	RoutePulls       Route = "GET /repos/{owner}/{repo}/pulls"
	RouteListIssues  Route = "GET /repos/{owner}/{repo}/issues"
	RouteCreateIssue Route = "POST /repos/{owner}/{repo}/issues"
)

// Fault replaces or disturbs the next responses of one route. Faults on a
// route are used in the order they were injected.
type Fault struct {
	// Status, Header and Body replace the response when Status is non-zero.
	// The body is sent as given, so it should be GitHub's JSON error shape.
	Status int
	Header http.Header
	Body   string

	// Stall holds the response until the client gives up or the server
	// closes. On RouteCreateIssue the issue is stored first, which is the
	// ambiguous case: the issue exists but the client never learns so.
	Stall bool

	// RepeatNextLink makes the Link rel="next" of a RoutePulls response point
	// at the page just served, as a broken proxy or cache might.
	RepeatNextLink bool

	// Times is the number of responses affected; 0 means 1.
	Times int
}

// Documentation URLs GitHub puts in error bodies.
const (
	docsREST      = "https://docs.github.com/rest"
	docsRateLimit = "https://docs.github.com/rest/overview/rate-limits-for-the-rest-api"
)

// RateLimited returns a fault that mimics an exhausted primary rate
// limit: 403 with X-RateLimit-Remaining 0 and X-RateLimit-Reset at reset.
func RateLimited(reset time.Time) Fault {
	h := http.Header{}
	h.Set("X-RateLimit-Limit", "5000")
	h.Set("X-RateLimit-Remaining", "0")
	h.Set("X-RateLimit-Used", "5000")
	h.Set("X-RateLimit-Reset", strconv.FormatInt(reset.Unix(), 10))
	h.Set("X-RateLimit-Resource", "core")

	return Fault{
		Status: http.StatusForbidden,
		Header: h,
		Body: errorBody("API rate limit exceeded for user ID 583231. If you reach out "+
			"to GitHub Support for help, please include the request ID.", docsRateLimit, 403),
	}
}

// SecondaryRateLimited returns a fault that mimics a secondary rate
// limit: 403 with the secondary-rate-limits documentation URL and, when
// retryAfter is not "", a Retry-After header.
func SecondaryRateLimited(retryAfter string) Fault {
	h := http.Header{}
	if retryAfter != "" {
		h.Set("Retry-After", retryAfter)
	}

	return Fault{
		Status: http.StatusForbidden,
		Header: h,
		Body:   errorBody(secondaryMessage, docsRateLimit+"#about-secondary-rate-limits", 403),
	}
}

// TooManyRequests returns a 429 fault with a Retry-After header when
// retryAfter is not "".
func TooManyRequests(retryAfter string) Fault {
	h := http.Header{}
	if retryAfter != "" {
		h.Set("Retry-After", retryAfter)
	}

	return Fault{
		Status: http.StatusTooManyRequests,
		Header: h,
		Body:   errorBody(secondaryMessage, docsRateLimit+"#about-secondary-rate-limits", 429),
	}
}

// ServerError returns a fault with a 5xx status and GitHub's short error body.
func ServerError(status int) Fault {
	return Fault{Status: status, Body: errorBody(http.StatusText(status), docsREST, status)}
}

const secondaryMessage = "You have exceeded a secondary rate limit. Please wait a few " +
	"minutes before you try again."
