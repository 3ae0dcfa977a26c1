// Package store defines the records that integrations-external keeps and the
// Store interface that every storage backend implements.
//
// # Backends
//
// Two backends ship with the module: store/sqlite keeps everything in a SQLite
// file and is the default for real use; store/memory keeps everything in
// process memory for tests and demos. Both pass the same conformance suite in
// store/storetest, which is also the checklist for a new backend.
//
// # Ownership
//
// Every call that reads or changes a record takes an [Access] value. A user
// sees only the records whose UserID equals its own id; another user's record
// is reported as [ErrNotFound], so ids do not leak. Administrators use the
// explicit [AsAdmin] value. The zero Access matches nothing.
//
// # Secrets
//
// Tokens, webhook secrets and passwords are held in [Secret] values, which
// print as a mask in every format and log. Backends that write to disk encrypt
// them with AES-256-GCM under a [Keyring] that the host supplies.
//
// # The delivery queue
//
// A [Delivery] is one event addressed to one target (a webhook endpoint, a
// Slack integration, an email address or a GitHub repository). The dispatcher
// enqueues deliveries, claims due ones with a lease, and records each attempt
// together with the delivery's new state and the target's counters in one
// transaction. A claimed delivery is invisible to other claimers until its
// lease ends, so a crashed worker's deliveries are claimed again later: the
// queue delivers at least once.
package store
