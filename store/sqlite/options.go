package sqlite

import (
	"fmt"
	"log/slog"
	"time"

	"github.com/hishamos/integrations-external/store"
)

// Default option values.
const (
	DefaultBusyTimeout  = 5 * time.Second
	DefaultMaxReadConns = 4
)

// Options configures Open.
type Options struct {
	// Keys encrypts and decrypts secrets. Required: Open fails with an
	// error wrapping store.ErrNoKey when it is nil.
	Keys *store.Keyring

	// Now returns the current time for CreatedAt, UpdatedAt, the
	// completion times and the background indexing of new deliveries.
	// Default time.Now.
	Now func() time.Time

	// BusyTimeout is how long a call waits for another connection or
	// process to release the database lock before it fails with
	// store.ErrBusy. Default 5 s, rounded down to whole milliseconds.
	BusyTimeout time.Duration

	// MaxReadConns is the size of the read connection pool. Default 4.
	MaxReadConns int

	// Logger receives migration and pruning messages. Default: discard.
	Logger *slog.Logger
}

func (o *Options) applyDefaults() error {
	if o.Keys == nil {
		return fmt.Errorf("sqlite: open: Options.Keys is nil: %w", store.ErrNoKey)
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.BusyTimeout < 0 {
		return fmt.Errorf("sqlite: open: Options.BusyTimeout is %v: use a positive duration, or zero for the default %v",
			o.BusyTimeout, DefaultBusyTimeout)
	}
	if o.BusyTimeout == 0 {
		o.BusyTimeout = DefaultBusyTimeout
	}
	if o.MaxReadConns < 0 {
		return fmt.Errorf("sqlite: open: Options.MaxReadConns is %d: use a positive number, or zero for the default %d",
			o.MaxReadConns, DefaultMaxReadConns)
	}
	if o.MaxReadConns == 0 {
		o.MaxReadConns = DefaultMaxReadConns
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}

	return nil
}
