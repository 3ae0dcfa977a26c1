package integrations

import (
	"errors"

	"github.com/hishamos/integrations-external/email"
	"github.com/hishamos/integrations-external/github"
	"github.com/hishamos/integrations-external/slack"
)

// remoteFailure fills out from an error of the slack, github or email
// packages. Any other error is a retryable failure.
func remoteFailure(out outcome, err error) outcome {
	out.errorMessage = err.Error()
	var re *RemoteError
	if !errors.As(remoteError(err), &re) {
		out.retryable = true
		return out
	}
	status, code := leafStatus(err)
	out.responseStatus = status
	out.retryable = !re.Permanent
	out.retryAfter = re.RetryAfter
	out.rateLimited = re.RateLimited
	if re.AuthFailed {
		out.disableReason = code
		if out.disableReason == "" {
			out.disableReason = "credentials rejected"
		}
		// The record disables the integration, so the next attempt fails at
		// once without a request. When the user has saved a new token since
		// the attempt read the old one, the store disables nothing (see
		// store.AttemptRecord.CredentialHash), and the retry delivers.
		out.retryable = true
	}

	return out
}

// leafStatus returns the status code and the service's own error code of a
// leaf error.
func leafStatus(err error) (int, string) {
	var (
		se *slack.Error
		ge *github.Error
		me *email.Error
	)
	switch {
	case errors.As(err, &se):
		return se.StatusCode, se.Code
	case errors.As(err, &ge):
		return ge.StatusCode, ge.Code
	case errors.As(err, &me):
		return me.StatusCode, me.Code
	}

	return 0, ""
}
