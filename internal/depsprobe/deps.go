package depsprobe

import (
	_ "github.com/emersion/go-sasl"
	_ "github.com/emersion/go-smtp"
	_ "github.com/google/go-github/v66/github"
	_ "github.com/google/uuid"
	_ "github.com/hashicorp/go-retryablehttp"
	_ "github.com/slack-go/slack"
	_ "github.com/stretchr/testify/require"
	_ "github.com/wneessen/go-mail"
	_ "go.uber.org/goleak"
	_ "modernc.org/sqlite"
)
