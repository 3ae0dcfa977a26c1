package main

import (
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"strings"

	"github.com/hishamos/integrations-external/store"
)

// loadKeyring returns the keyring that encrypts stored secrets: from
// INTEGRATIONS_SECRET_KEY when it is set, else from the key file, which is
// created with a new key and mode 0600 when neither it nor the database
// exists. No error or log record contains key material.
func loadKeyring(cfg *config, log *slog.Logger) (*store.Keyring, error) {
	if cfg.keyText != "" {
		keys, err := store.ParseKeyring(cfg.keyText)
		if err != nil {
			return nil, &usageError{err: fmt.Errorf("%s is invalid: %w", envSecretKey, err)}
		}
		log.Info("encryption key loaded", "source", envSecretKey, "key_ids", keys.IDs())
		return keys, nil
	}

	text, err := os.ReadFile(cfg.keyFile)
	if errors.Is(err, fs.ErrNotExist) {
		if _, statErr := os.Stat(cfg.dbPath); statErr == nil {
			// A new key cannot read the secrets the database holds.
			return nil, &usageError{err: fmt.Errorf("key file %s not found, but the database %s exists: "+
				"restore the key file, or set %s to the key the database was written with",
				cfg.keyFile, cfg.dbPath, envSecretKey)}
		}
		text, err = createKeyFile(cfg, log)
	}
	if err != nil {
		return nil, err
	}
	if info, err := os.Stat(cfg.keyFile); err == nil && info.Mode().Perm()&0o077 != 0 {
		log.Warn("key file is readable by other users; restrict it with chmod 600",
			"path", cfg.keyFile, "mode", info.Mode().Perm().String())
	}
	keys, err := store.ParseKeyring(strings.TrimSpace(string(text)))
	if err != nil {
		return nil, fmt.Errorf("key file %s is invalid: %w", cfg.keyFile, err)
	}
	log.Info("encryption key loaded", "source", cfg.keyFile, "key_ids", keys.IDs())

	return keys, nil
}

// createKeyFile writes a new key to cfg.keyFile and returns its text. It
// fails rather than overwrite a file that appeared in the meantime.
func createKeyFile(cfg *config, log *slog.Logger) ([]byte, error) {
	key, err := store.GenerateKey()
	if err != nil {
		return nil, err
	}
	f, err := os.OpenFile(cfg.keyFile, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return nil, fmt.Errorf("create key file: %w", err)
	}
	_, err = f.WriteString(key + "\n")
	if closeErr := f.Close(); err == nil {
		err = closeErr
	}
	if err != nil {
		return nil, fmt.Errorf("write key file %s: %w", cfg.keyFile, err)
	}
	log.Info("generated a new encryption key; keep this file with the database", "path", cfg.keyFile)

	return []byte(key), nil
}
