// Package sqlite is the SQLite backend of store.Store, built on the pure Go
// driver modernc.org/sqlite.
//
// # Files and connections
//
// [Open] opens or creates one database file in WAL mode with
// synchronous=NORMAL, a busy timeout and foreign keys on for every pooled
// connection. Writes go through a pool of one connection whose transactions
// start with BEGIN IMMEDIATE, so a transaction that reads and then writes
// waits for the lock at BEGIN instead of failing with SQLITE_BUSY after its
// first read. Reads use a separate pool. Several
// processes (or several Stores) may open the same file: they queue on the
// file lock for up to the busy timeout, after which a call returns
// [store.ErrBusy].
//
// # Schema
//
// The schema lives in embedded migrations (migrations/0001_init.sql, ...)
// that Open applies in order inside one transaction and records in PRAGMA
// user_version. Opening a file written by a newer version of this package
// fails with an error naming both schema versions.
//
// Times are stored as INTEGER Unix milliseconds in UTC, with 0 for the zero
// time.Time, so times read back are truncated to the millisecond. Create
// methods write the truncated times back into the record.
//
// # Deliveries
//
// A payload that several deliveries of one EnqueueDeliveries call carry, as
// the deliveries of one event to several endpoints do, is stored once and
// deleted with the last of them. A new delivery enters the per-target and
// per-user listing indexes when its first attempt is recorded, in the same
// commit as the other attempts of that batch, or after a second in the
// background. Listings read both the indexed and the waiting deliveries.
// Open starts two goroutines, one that copies the write-ahead log into the
// database file and one that indexes waiting deliveries, and Close stops
// both.
//
// # Secrets
//
// Secret columns hold text sealed by [store.Keyring.Seal] with additional
// data naming the table, column and record id, so a sealed value copied to
// another row or column does not open. The keyring's first key seals new
// values, and older keys still open the values they sealed.
package sqlite
