// Package fakegithub is a GitHub REST API for tests: a real HTTP server on
// 127.0.0.1 that speaks GitHub's JSON, pagination and error bodies, so
// clients built on go-github run unchanged against it.
//
// # Endpoints
//
//   - GET /user: the login of the token.
//   - GET /repos/{owner}/{repo}: permissions, has_issues, archived, private.
//   - GET /repos/{owner}/{repo}/pulls: state (open, closed, all), direction
//     (asc, desc by created), page and per_page (default 30, max 100), with a
//     Link header carrying rel="next", "last", "first" and "prev" as GitHub
//     sends them. Entries omit "merged", as the real list endpoint does.
//   - GET /repos/{owner}/{repo}/issues: state, creator, direction, page and
//     per_page. Unlike GitHub, the list holds no pull requests.
//   - POST /repos/{owner}/{repo}/issues: 201 with the issue. It returns 410
//     when issues are disabled, 403 on an archived repository and 422 for a
//     missing title or an assignee the repository does not allow.
//
// Every request needs "Authorization: Bearer TOKEN" (or "token TOKEN") with
// a token added by AddToken; others get 401 with BadCredentialsBody. A
// repository that does not exist or that the caller cannot see is 404 with
// NotFoundBody.
//
// # Setup
//
//	srv := fakegithub.New()
//	defer srv.Close()
//	srv.AddToken("ghp_test", "octocat")
//	srv.AddRepo(fakegithub.Repo{Owner: "octocat", Name: "hello", PullRequests: 75})
//	// point the client at srv.URL
//
// # Faults and signals
//
// InjectFault disturbs the next responses of one Route: a status with
// headers and body (RateLimited, SecondaryRateLimited, TooManyRequests and
// ServerError build GitHub's shapes), a stalled response (on issue creation
// the issue is stored first, so the client cannot know it exists), or a
// pagination link that repeats the current page. Requests counts the
// requests per route, Issues returns the stored issues, and WaitIssues
// blocks until a repository holds a number of issues.
//
// The response shapes come from the recorded bodies in testdata/.
package fakegithub
