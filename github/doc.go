// Package github is a small GitHub REST client for notifications: it checks a
// token and a repository, lists every pull request, and opens issues without
// duplicates.
//
// # Client
//
// New builds a Client on go-github with one token and options for the API
// root (GitHub Enterprise Server or a test server), the transport, the
// per-attempt timeout, the retry budget and the page size. Every method takes
// a context that bounds the whole call.
//
// # Retries
//
// Reads (Verify, SyncPullRequests and the duplicate check of CreateIssue) go
// through go-retryablehttp with a small budget: connection errors, 429 and
// 5xx are retried with exponential backoff, and a Retry-After is honoured up
// to the maximum wait. A response that requests a longer wait is not retried
// within the call. Its *Error carries RetryAfter, so a scheduler can try
// again later. The POST that creates an issue is sent once per attempt and
// re-sent only after a duplicate check finds nothing (see CreateIssue).
//
// # Errors
//
// Every failure that reaches GitHub is an *Error whose text reads
// "GitHub API error: <reason>", e.g. "GitHub API error: Bad credentials".
// 401, 403 (without a rate limit), 404 (also a private repository the token
// cannot see), 410 (issues disabled) and 422 are permanent. Primary and
// secondary rate limits and 429 are retryable with RateLimited and
// RetryAfter set; 5xx, network errors and timeouts are retryable. Arguments
// rejected before any request wrap ErrInvalidRequest. No error text contains
// the token or a request URL.
package github
