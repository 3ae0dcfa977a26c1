package store

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
)

// KeySize is the length in bytes of an encryption key (AES-256).
const KeySize = 32

// ciphertextPrefix starts every value that Keyring.Seal produces, so a
// backend can tell sealed values from other text and the format can change
// later.
const ciphertextPrefix = "enc:v1:"

// ErrNoKey is returned when a backend that writes to disk is opened without
// an encryption key.
var ErrNoKey = errors.New("store: no encryption key: generate one with " +
	"`head -c 32 /dev/urandom | base64` (or store.GenerateKey) and pass it " +
	"as a keyring such as INTEGRATIONS_SECRET_KEY")

// Key is one AES-256 key with the id stored beside every value it seals.
type Key struct {
	ID    string
	Bytes []byte
}

// Keyring holds the encryption keys for secrets at rest. The first key seals
// new values; every key opens values sealed under its id, so keys can be
// rotated by putting a new key first and keeping the old ones until every
// value has been written again. A Keyring is safe for concurrent use once
// built; its String method never prints key material.
type Keyring struct {
	keys  []Key
	aeads map[string]cipher.AEAD
}

// NewKeyring builds a keyring from keys, newest first. Key ids must be unique
// and free of ':' and ','.
func NewKeyring(keys ...Key) (*Keyring, error) {
	if len(keys) == 0 {
		return nil, ErrNoKey
	}
	kr := &Keyring{aeads: make(map[string]cipher.AEAD, len(keys))}
	for i, k := range keys {
		if k.ID == "" || strings.ContainsAny(k.ID, ":, \t\n") {
			return nil, fmt.Errorf("store: key %d: invalid key id %q: use letters, digits, '-' or '_'", i+1, k.ID)
		}
		if len(k.Bytes) != KeySize {
			return nil, fmt.Errorf("store: key %q: got %d bytes, want %d (a base64 encoded 32-byte key)", k.ID, len(k.Bytes), KeySize)
		}
		if _, dup := kr.aeads[k.ID]; dup {
			return nil, fmt.Errorf("store: key id %q appears twice in the keyring", k.ID)
		}
		block, err := aes.NewCipher(k.Bytes)
		if err != nil {
			return nil, fmt.Errorf("store: key %q: %w", k.ID, err)
		}
		aead, err := cipher.NewGCM(block)
		if err != nil {
			return nil, fmt.Errorf("store: key %q: %w", k.ID, err)
		}
		kr.aeads[k.ID] = aead
		kr.keys = append(kr.keys, Key{ID: k.ID, Bytes: append([]byte(nil), k.Bytes...)})
	}

	return kr, nil
}

// ParseKeyring parses the text form "kid:base64key[,kid:base64key...]",
// newest first. A bare base64 key without "kid:" gets an id derived from the
// first bytes of its SHA-256, so the same key always has the same id.
// Standard and URL-safe base64, padded or not, are accepted.
func ParseKeyring(text string) (*Keyring, error) {
	text = strings.TrimSpace(text)
	if text == "" {
		return nil, ErrNoKey
	}
	var keys []Key
	for i, part := range strings.Split(text, ",") {
		part = strings.TrimSpace(part)
		id, encoded, hasID := strings.Cut(part, ":")
		if !hasID {
			encoded, id = part, ""
		}
		raw, err := decodeKey(encoded)
		if err != nil {
			return nil, fmt.Errorf("store: keyring entry %d: %w", i+1, err)
		}
		if id == "" {
			id = DeriveKeyID(raw)
		}
		keys = append(keys, Key{ID: id, Bytes: raw})
	}

	return NewKeyring(keys...)
}

// DeriveKeyID returns the id that ParseKeyring gives a bare key: "k" and the
// first 8 hex digits of the key's SHA-256.
func DeriveKeyID(key []byte) string {
	sum := sha256.Sum256(key)
	return "k" + hex.EncodeToString(sum[:4])
}

// GenerateKey returns a new random 32-byte key in standard base64, ready for
// ParseKeyring.
func GenerateKey() (string, error) {
	raw := make([]byte, KeySize)
	if _, err := rand.Read(raw); err != nil {
		return "", fmt.Errorf("store: generate key: %w", err)
	}

	return base64.StdEncoding.EncodeToString(raw), nil
}

func decodeKey(encoded string) ([]byte, error) {
	encoded = strings.TrimSpace(encoded)
	for _, enc := range []*base64.Encoding{
		base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding,
	} {
		raw, err := enc.DecodeString(encoded)
		if err == nil {
			if len(raw) != KeySize {
				return nil, fmt.Errorf("key decodes to %d bytes, want %d: generate one with `head -c 32 /dev/urandom | base64`", len(raw), KeySize)
			}
			return raw, nil
		}
	}

	return nil, errors.New("key is not valid base64: generate one with `head -c 32 /dev/urandom | base64`")
}

// PrimaryID returns the id of the key that seals new values.
func (kr *Keyring) PrimaryID() string { return kr.keys[0].ID }

// IDs returns the key ids, newest first.
func (kr *Keyring) IDs() []string {
	ids := make([]string, len(kr.keys))
	for i, k := range kr.keys {
		ids[i] = k.ID
	}

	return ids
}

// String lists the key ids only.
func (kr *Keyring) String() string {
	return "store.Keyring{" + strings.Join(kr.IDs(), ",") + "}"
}

// GoString lists the key ids only.
func (kr *Keyring) GoString() string { return kr.String() }

// Seal encrypts plaintext under the newest key. additionalData binds the
// ciphertext to its place (for example table, column and record id), so a
// value copied to another row does not open. The result is text of the form
// "enc:v1:<kid>:<base64 nonce||ciphertext>".
func (kr *Keyring) Seal(plaintext, additionalData []byte) (string, error) {
	k := kr.keys[0]
	aead := kr.aeads[k.ID]
	nonce := make([]byte, aead.NonceSize(), aead.NonceSize()+len(plaintext)+aead.Overhead())
	if _, err := rand.Read(nonce); err != nil {
		return "", fmt.Errorf("store: seal secret: %w", err)
	}
	sealed := aead.Seal(nonce, nonce, plaintext, additionalData)

	return ciphertextPrefix + k.ID + ":" + base64.RawStdEncoding.EncodeToString(sealed), nil
}

// Open decrypts a value produced by Seal with the same additionalData. It
// fails when the key id is not in the keyring or the value was altered.
func (kr *Keyring) Open(sealed string, additionalData []byte) ([]byte, error) {
	rest, ok := strings.CutPrefix(sealed, ciphertextPrefix)
	if !ok {
		return nil, errors.New("store: open secret: value is not sealed by this library")
	}
	id, encoded, ok := strings.Cut(rest, ":")
	if !ok {
		return nil, errors.New("store: open secret: malformed sealed value")
	}
	aead, known := kr.aeads[id]
	if !known {
		return nil, fmt.Errorf("store: open secret: key %q is not in the keyring: add it back (after the newest key) to read values written with it", id)
	}
	raw, err := base64.RawStdEncoding.DecodeString(encoded)
	if err != nil || len(raw) < aead.NonceSize() {
		return nil, errors.New("store: open secret: malformed sealed value")
	}
	plain, err := aead.Open(nil, raw[:aead.NonceSize()], raw[aead.NonceSize():], additionalData)
	if err != nil {
		return nil, fmt.Errorf("store: open secret sealed with key %q: authentication failed (wrong key or altered value)", id)
	}

	return plain, nil
}

// SealedKeyID returns the key id recorded in a sealed value, or "" when the
// value is not sealed. Backends use it to find values that need re-sealing
// under the newest key.
func SealedKeyID(sealed string) string {
	rest, ok := strings.CutPrefix(sealed, ciphertextPrefix)
	if !ok {
		return ""
	}
	id, _, _ := strings.Cut(rest, ":")

	return id
}
