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
		// The record disables the integration, and the next attempt then
		// fails at once without a request. But when the user has saved a
		// new token meanwhile, the record disables nothing and the next
		// attempt delivers with the new token.
		out.retryable = true
	}

	return out
}

// keepIfCredentialChanged turns the outcome of an attempt whose credentials
// were rejected into a retryable failure that disables nothing, when the
// integration's credentials changed while the attempt ran. The rejection
// was of the old credentials, and the next attempt uses the new ones.
func keepIfCredentialChanged(out outcome, changed bool) outcome {
	if !changed {
		return out
	}
	out.disableReason, out.retryable = "", true
	out.errorMessage += " (the credentials changed during the attempt, so the next attempt uses the new ones)"

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
