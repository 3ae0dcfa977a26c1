package webhook

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// SignHishamOS returns the X-HishamOS-Signature value for body:
// "sha256=" and the lowercase hex HMAC-SHA256 keyed with the secret's
// UTF-8 bytes.
func SignHishamOS(secret Secret, body []byte) string {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write(body)

	return "sha256=" + hex.EncodeToString(mac.Sum(nil))
}

// SignStandard returns one Standard Webhooks signature, "v1,<base64>",
// over "<id>.<unix timestamp>.<body>". A whsec_ secret is keyed with its
// base64-decoded part; any other secret with its UTF-8 bytes.
func SignStandard(secret Secret, id string, timestamp time.Time, body []byte) (string, error) {
	key, err := standardKey(secret)
	if err != nil {
		return "", err
	}

	return "v1," + base64.StdEncoding.EncodeToString(standardMAC(key, id, timestamp.Unix(), body)), nil
}

func standardMAC(key []byte, id string, unix int64, body []byte) []byte {
	mac := hmac.New(sha256.New, key)
	mac.Write([]byte(id))
	mac.Write([]byte{'.'})
	mac.Write([]byte(strconv.FormatInt(unix, 10)))
	mac.Write([]byte{'.'})
	mac.Write(body)

	return mac.Sum(nil)
}

var errBadStandardSecret = errors.New("webhook: the whsec_ secret is not valid base64: " +
	"generate a new secret or paste it again without changes")

func standardKey(secret Secret) ([]byte, error) {
	rest, ok := strings.CutPrefix(string(secret), StandardPrefix)
	if !ok {
		return []byte(secret), nil
	}
	key, err := base64.StdEncoding.DecodeString(rest)
	if err != nil {
		key, err = base64.RawStdEncoding.DecodeString(rest)
	}
	if err != nil || len(key) == 0 {
		return nil, errBadStandardSecret
	}

	return key, nil
}

// signHeaders sets the signature headers of scheme on h, one signature
// per secret. Several hishamos signatures are joined with ", " (as
// repeated header lines would be); several standard signatures with a
// space, as Standard Webhooks specifies. No secrets means no signature.
func signHeaders(h http.Header, names HeaderNames, scheme Scheme, secrets []Secret,
	id string, now time.Time, body []byte) error {
	if len(secrets) == 0 {
		return nil
	}
	if scheme.legacy() {
		sigs := make([]string, len(secrets))
		for i, s := range secrets {
			sigs[i] = SignHishamOS(s, body)
		}
		h.Set(names.Signature, strings.Join(sigs, ", "))
	}
	if scheme.standard() {
		sigs := make([]string, len(secrets))
		for i, s := range secrets {
			sig, err := SignStandard(s, id, now, body)
			if err != nil {
				return err
			}
			sigs[i] = sig
		}
		h.Set(HeaderWebhookID, id)
		h.Set(HeaderWebhookTimestamp, strconv.FormatInt(now.Unix(), 10))
		h.Set(HeaderWebhookSignature, strings.Join(sigs, " "))
	}

	return nil
}
