// Server is a small host application that mounts the integrations REST API
// the way HishamOS does, with routes that simulate the host's own commands
// and workflows so that every notification path can be tried with curl.
//
// # Running
//
//	go run ./examples/server
//
// The server listens on 127.0.0.1:8080, keeps its data in integrations.db and
// encrypts stored secrets with the key in integrations.key, which it creates
// (mode 0600) on the first start. Keep the key file as long as the
// database, because without it the stored tokens and webhook secrets
// cannot be read, but out of the database's backups, so a copy of one does
// not come with the other. Outside a demo, pass the key in an environment
// variable or from a secret store instead.
//
// # Flags
//
//	-addr host:port          listen address (default 127.0.0.1:8080); with port 0 the
//	                         kernel picks a free port, and the "listening" log record
//	                         shows the address
//	-db file                 SQLite database (default integrations.db)
//	-key-file file           encryption key, created when missing (default integrations.key)
//	-users list              comma-separated id:token entries, with an optional :admin
//	                         suffix (default demo:demo-token); tokens must not contain ':'
//	-user-email id=address   a user's email address (repeatable); default <id>@example.com
//	-allow-private-networks  let webhooks reach loopback and private addresses (off by
//	                         default; the startup log warns when it is on)
//	-smtp host:port          SMTP server for email notifications; without it no email is sent
//	-smtp-from address       sender address, optionally "Name <address>"
//	-smtp-username name      SMTP AUTH user; the password comes from SMTP_PASSWORD
//	-smtp-tls policy         none, opportunistic, starttls or tls (default starttls, or tls
//	                         with port 465)
//	-github-api-url URL      GitHub API base, such as https://HOST/api/v3/ for GitHub Enterprise
//	-slack-api-url URL       Slack Web API base
//	-retry-base duration     delay before the first retry of a delivery (default 2s)
//	-poll-interval duration  how often idle workers look for deliveries that became due
//	                         without a wake-up, such as deliveries whose lease ran out
//	                         or that another process queued (default 5s)
//	-shutdown-timeout d      maximum wait for requests and deliveries in flight at
//	                         shutdown (default 10s)
//	-log-format text|json    log format (default text)
//
// INTEGRATIONS_SECRET_KEY, when set, replaces the key file: a base64 key of
// 32 bytes, or a keyring "kid:base64key[,kid:base64key...]" with the newest key
// first. Invalid flags or environment values exit with status 2.
//
// # Routes
//
// Every route except GET /healthz and GET .../openapi.json needs
// "Authorization: Bearer <token>".
//
//   - /api/v1/integrations-external/...: the integrations REST API (Slack,
//     GitHub, email settings, webhooks, delivery history).
//   - POST /api/v1/commands/templates/{id}/execute/ with {"name": "...",
//     "fail": false, "error": "..."}: runs a simulated command as the caller
//     and dispatches command.executed. Optional "execution_time" (seconds) and
//     "cost" (dollars) set what the run reports. The response carries the
//     result, its new execution_id and the delivery_ids.
//   - POST /api/v1/workflows/{id}/execute/ with {"name": "...", "status":
//     "completed" or "failed", "error_message": "..."}: dispatches
//     workflow.completed. "error_message" is optional and allowed only
//     with "failed". Cancelled runs are not notified, so "cancelled" is
//     rejected.
//   - GET /healthz: 200 when a read from the database succeeds, else 503.
//
// # A session with curl
//
// Start a receiver for webhooks (any HTTP server on port 9000 will do), then:
//
//	go run ./examples/server -allow-private-networks &
//	auth='Authorization: Bearer demo-token'
//	api=http://127.0.0.1:8080/api/v1/integrations-external
//
//	# A webhook for command runs, signed with the secret "test-secret".
//	curl -s -H "$auth" -d '{"name": "local", "url": "http://127.0.0.1:9000/hook",
//	  "secret": "test-secret", "trigger_on_command_execution": true}' $api/webhooks/
//
//	# Email for command runs too (needs -smtp and -smtp-from).
//	curl -s -H "$auth" -X PUT -d '{"notify_workflow_completion": true,
//	  "notify_command_execution": true}' $api/email/
//
//	# Run a command: the webhook receives command.executed.
//	curl -s -H "$auth" -d '{"name": "Generate Report", "execution_time": 2.5, "cost": 0.001}' \
//	  http://127.0.0.1:8080/api/v1/commands/templates/0b6f3c1e-2a4d-4c59-9a57-3f1f2b7d8e90/execute/
//
//	# The delivery history, newest first, with every attempt.
//	curl -s -H "$auth" $api/webhook-deliveries/
//
// Stop the server with Ctrl-C or SIGTERM. It stops accepting requests, lets
// deliveries in flight finish until -shutdown-timeout has passed and closes
// the database. Deliveries not yet delivered stay in the database and are
// sent after the next start.
package main
