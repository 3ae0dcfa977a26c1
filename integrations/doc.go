// Package integrations turns a host application's events into notifications
// on Slack, email, signed webhooks and GitHub issues, and offers every
// operation the REST API needs through [Service].
//
// # Host-side calls
//
// A host builds one [Dispatcher] with [New], starts its workers with
// [Dispatcher.Start], and reports events with [Dispatcher.Dispatch] or the
// typed helpers [Dispatcher.WorkflowCompleted] and
// [Dispatcher.CommandExecuted]. Dispatch writes one delivery per matching
// target in one store transaction and returns; it does no network I/O. The
// workers then deliver, retry on a schedule and record every attempt.
//
// # Delivery guarantee
//
// Delivery is at least once. Every attempt of one delivery carries the same
// delivery id, so receivers can drop duplicates. A delivery whose worker
// stopped or crashed is claimed again when its lease ends.
//
// # Routing reads
//
// Dispatch reuses the targets it read for a user for
// [Config.TargetCacheTTL]. Changes made through the [Service] apply to the
// next event; changes written to the store directly, or by another
// process, apply within the TTL.
package integrations
