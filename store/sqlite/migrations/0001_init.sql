-- Initial schema. Times are INTEGER Unix milliseconds in UTC (0 = not set),
-- booleans are INTEGER 0 or 1, secrets are text sealed by the keyring.

CREATE TABLE github_integrations (
    id                 TEXT PRIMARY KEY,
    user_id            TEXT NOT NULL,
    repository_owner   TEXT NOT NULL,
    repository_name    TEXT NOT NULL,
    access_token       TEXT NOT NULL DEFAULT '',
    webhook_secret     TEXT NOT NULL DEFAULT '',
    auto_create_issues INTEGER NOT NULL DEFAULT 0,
    auto_sync_prs      INTEGER NOT NULL DEFAULT 0,
    is_active          INTEGER NOT NULL DEFAULT 1,
    last_sync_at       INTEGER NOT NULL DEFAULT 0,
    last_verified_at   INTEGER NOT NULL DEFAULT 0,
    last_error         TEXT NOT NULL DEFAULT '',
    last_error_at      INTEGER NOT NULL DEFAULT 0,
    disabled_reason    TEXT NOT NULL DEFAULT '',
    created_at         INTEGER NOT NULL,
    updated_at         INTEGER NOT NULL
);
-- GitHub compares owner and repository names without regard to ASCII case.
CREATE UNIQUE INDEX github_integrations_repository
    ON github_integrations (user_id, repository_owner COLLATE NOCASE, repository_name COLLATE NOCASE);
CREATE INDEX github_integrations_user ON github_integrations (user_id, id);

CREATE TABLE slack_integrations (
    id                         TEXT PRIMARY KEY,
    user_id                    TEXT NOT NULL,
    workspace_name             TEXT NOT NULL DEFAULT '',
    channel_id                 TEXT NOT NULL DEFAULT '',
    channel_name               TEXT NOT NULL DEFAULT '',
    bot_token                  TEXT NOT NULL DEFAULT '',
    notify_workflow_completion INTEGER NOT NULL DEFAULT 1,
    notify_command_execution   INTEGER NOT NULL DEFAULT 0,
    notify_system_alerts       INTEGER NOT NULL DEFAULT 1,
    notify_project_updates     INTEGER NOT NULL DEFAULT 0,
    is_active                  INTEGER NOT NULL DEFAULT 1,
    last_used_at               INTEGER NOT NULL DEFAULT 0,
    last_error                 TEXT NOT NULL DEFAULT '',
    last_error_at              INTEGER NOT NULL DEFAULT 0,
    disabled_reason            TEXT NOT NULL DEFAULT '',
    created_at                 INTEGER NOT NULL,
    updated_at                 INTEGER NOT NULL
);
CREATE INDEX slack_integrations_user ON slack_integrations (user_id, id);

CREATE TABLE email_settings (
    id                         TEXT PRIMARY KEY,
    user_id                    TEXT NOT NULL UNIQUE,
    email_address              TEXT NOT NULL DEFAULT '',
    notify_workflow_completion INTEGER NOT NULL DEFAULT 1,
    notify_command_execution   INTEGER NOT NULL DEFAULT 0,
    notify_system_alerts       INTEGER NOT NULL DEFAULT 1,
    notify_project_updates     INTEGER NOT NULL DEFAULT 0,
    last_error                 TEXT NOT NULL DEFAULT '',
    last_error_at              INTEGER NOT NULL DEFAULT 0,
    created_at                 INTEGER NOT NULL,
    updated_at                 INTEGER NOT NULL
);

CREATE TABLE webhook_endpoints (
    id                             TEXT PRIMARY KEY,
    user_id                        TEXT NOT NULL,
    name                           TEXT NOT NULL DEFAULT '',
    url                            TEXT NOT NULL DEFAULT '',
    secret                         TEXT NOT NULL DEFAULT '',
    previous_secret                TEXT NOT NULL DEFAULT '',
    previous_secret_expires_at     INTEGER NOT NULL DEFAULT 0,
    signature_scheme               TEXT NOT NULL DEFAULT 'hishamos',
    trigger_on_workflow_completion INTEGER NOT NULL DEFAULT 0,
    trigger_on_command_execution   INTEGER NOT NULL DEFAULT 0,
    trigger_on_project_update      INTEGER NOT NULL DEFAULT 0,
    trigger_on_system_alert        INTEGER NOT NULL DEFAULT 0,
    custom_events                  TEXT NOT NULL DEFAULT '[]', -- JSON array of strings
    method                         TEXT NOT NULL DEFAULT 'POST',
    headers                        TEXT NOT NULL DEFAULT '{}', -- JSON object of strings
    retry_count                    INTEGER NOT NULL DEFAULT 3,
    timeout_seconds                INTEGER NOT NULL DEFAULT 30,
    is_active                      INTEGER NOT NULL DEFAULT 1,
    disabled_reason                TEXT NOT NULL DEFAULT '',
    last_error                     TEXT NOT NULL DEFAULT '',
    last_error_at                  INTEGER NOT NULL DEFAULT 0,
    last_triggered_at              INTEGER NOT NULL DEFAULT 0,
    success_count                  INTEGER NOT NULL DEFAULT 0,
    failure_count                  INTEGER NOT NULL DEFAULT 0,
    consecutive_failures           INTEGER NOT NULL DEFAULT 0,
    first_failure_at               INTEGER NOT NULL DEFAULT 0,
    created_at                     INTEGER NOT NULL,
    updated_at                     INTEGER NOT NULL
);
CREATE INDEX webhook_endpoints_user ON webhook_endpoints (user_id, id);

CREATE TABLE pull_requests (
    integration_id TEXT NOT NULL REFERENCES github_integrations (id) ON DELETE CASCADE,
    number         INTEGER NOT NULL,
    title          TEXT NOT NULL DEFAULT '',
    state          TEXT NOT NULL DEFAULT '',
    merged         INTEGER NOT NULL DEFAULT 0,
    author         TEXT NOT NULL DEFAULT '',
    html_url       TEXT NOT NULL DEFAULT '',
    head_ref       TEXT NOT NULL DEFAULT '',
    base_ref       TEXT NOT NULL DEFAULT '',
    draft          INTEGER NOT NULL DEFAULT 0,
    created_at     INTEGER NOT NULL DEFAULT 0,
    updated_at     INTEGER NOT NULL DEFAULT 0,
    closed_at      INTEGER NOT NULL DEFAULT 0,
    merged_at      INTEGER NOT NULL DEFAULT 0,
    synced_at      INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (integration_id, number)
) WITHOUT ROWID;

-- Deliveries have no foreign key to their target because the target may be
-- in any of four tables; the Delete methods remove them explicitly. The
-- table keeps its rowid: new rows append at the end of the table b-tree,
-- which SQLite splits far more cheaply than the middle of an index b-tree.
CREATE TABLE deliveries (
    id              TEXT PRIMARY KEY,
    channel         TEXT NOT NULL,
    target_id       TEXT NOT NULL,
    target_name     TEXT NOT NULL DEFAULT '',
    target_url      TEXT NOT NULL DEFAULT '',
    user_id         TEXT NOT NULL,
    event_id        TEXT NOT NULL DEFAULT '',
    event_type      TEXT NOT NULL DEFAULT '',
    payload         BLOB,
    idempotency_key TEXT NOT NULL DEFAULT '',
    status          TEXT NOT NULL,
    attempt_count   INTEGER NOT NULL DEFAULT 0,
    max_attempts    INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER NOT NULL DEFAULT 0,
    lease_until     INTEGER NOT NULL DEFAULT 0,
    triggered_at    INTEGER NOT NULL DEFAULT 0,
    completed_at    INTEGER NOT NULL DEFAULT 0,
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL
);
-- Listing by endpoint or integration, newest first; also deletes by target
-- and the per-target cap of a claim.
CREATE INDEX deliveries_target ON deliveries (target_id, id);
-- Listing one user's deliveries, newest first.
CREATE INDEX deliveries_user ON deliveries (user_id, id);
-- Claims: only deliveries still in the queue are indexed, in claim order.
-- The index leaves out lease_until, so taking a lease rewrites only the
-- table row.
CREATE INDEX deliveries_due ON deliveries (next_attempt_at, id)
    WHERE status IN ('pending', 'retrying');
-- Pruning: only final deliveries are indexed.
CREATE INDEX deliveries_completed ON deliveries (completed_at)
    WHERE status IN ('success', 'failed');
CREATE UNIQUE INDEX deliveries_idempotency ON deliveries (target_id, idempotency_key)
    WHERE idempotency_key != '';

CREATE TABLE attempts (
    delivery_id     TEXT NOT NULL REFERENCES deliveries (id) ON DELETE CASCADE,
    number          INTEGER NOT NULL,
    status          TEXT NOT NULL,
    response_status INTEGER NOT NULL DEFAULT 0, -- 0 when no response arrived
    response_body   TEXT NOT NULL DEFAULT '',
    error_message   TEXT NOT NULL DEFAULT '',
    duration_ms     INTEGER NOT NULL DEFAULT 0,
    started_at      INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (delivery_id, number)
) WITHOUT ROWID;
