package github

import "context"

// Permissions are the token user's rights on a repository.
type Permissions struct {
	Admin bool
	Push  bool
	Pull  bool
}

// Verification is the result of Verify: the token's user and its access to
// one repository.
type Verification struct {
	Login         string      // the token's user
	FullName      string      // "owner/name" as GitHub spells it
	Permissions   Permissions // the token user's rights on the repository
	IssuesEnabled bool        // has_issues: issues can be created
	Archived      bool        // the repository is read-only
	Private       bool
}

// Verify checks the token with GET /user and the repository with
// GET /repos/{owner}/{repo}. A repository the token cannot see returns a 404
// *Error, private or not, because GitHub returns the same status for both.
func (c *Client) Verify(ctx context.Context, owner, repo string) (*Verification, error) {
	if err := validateRepo(owner, repo); err != nil {
		return nil, err
	}

	u, err := c.user(ctx)
	if err != nil {
		return nil, err
	}

	r, _, err := c.api.Repositories.Get(ctx, owner, repo)
	if err != nil {
		return nil, c.errs.mapError(ctx, "get repository", err)
	}

	perms := r.GetPermissions()
	v := &Verification{
		Login:    u.GetLogin(),
		FullName: r.GetFullName(),
		Permissions: Permissions{
			Admin: perms["admin"],
			Push:  perms["push"],
			Pull:  perms["pull"],
		},
		IssuesEnabled: r.GetHasIssues(),
		Archived:      r.GetArchived(),
		Private:       r.GetPrivate(),
	}

	return v, nil
}
