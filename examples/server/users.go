package main

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"errors"
	"fmt"
	"net/http"
	"net/mail"
	"sort"
	"strings"

	"github.com/hishamos/integrations-external/integrations/httpapi"
)

// user is one account of the example host, from -users and -user-email.
type user struct {
	id        string
	tokenHash [sha256.Size]byte // the token itself is not kept
	admin     bool
	email     string
}

// emailFlag collects repeated -user-email id=address values.
type emailFlag map[string]string

func (f *emailFlag) String() string {
	if f == nil || *f == nil {
		return ""
	}
	pairs := make([]string, 0, len(*f))
	for id, addr := range *f {
		pairs = append(pairs, id+"="+addr)
	}
	sort.Strings(pairs)

	return strings.Join(pairs, ",")
}

// Set parses one id=address value.
func (f *emailFlag) Set(value string) error {
	id, addr, ok := strings.Cut(value, "=")
	if !ok || id == "" || addr == "" {
		return fmt.Errorf("%q: use id=address, such as alice=alice@example.org", value)
	}
	parsed, err := mail.ParseAddress(addr)
	if err != nil || parsed.Name != "" || parsed.Address != addr {
		return fmt.Errorf("%q: %q is not a bare email address such as alice@example.org", value, addr)
	}
	if *f == nil {
		*f = emailFlag{}
	}
	if _, dup := (*f)[id]; dup {
		return fmt.Errorf("%q: user %q already has an address", value, id)
	}
	(*f)[id] = addr

	return nil
}

// parseUsers parses the -users list and attaches the -user-email addresses.
func parseUsers(list string, emails emailFlag) ([]user, error) {
	var users []user
	ids := map[string]bool{}
	hashes := map[[sha256.Size]byte]bool{}
	for _, entry := range strings.Split(list, ",") {
		entry = strings.TrimSpace(entry)
		if entry == "" {
			continue
		}
		u, err := parseUser(entry)
		if err != nil {
			return nil, err
		}
		if ids[u.id] {
			return nil, usageErrorf("-users lists user %q twice", u.id)
		}
		if hashes[u.tokenHash] {
			return nil, usageErrorf("-users gives user %q a token that another user already has", u.id)
		}
		ids[u.id], hashes[u.tokenHash] = true, true
		u.email = u.id + "@example.com"
		if addr, ok := emails[u.id]; ok {
			u.email = addr
		}
		users = append(users, u)
	}
	if len(users) == 0 {
		return nil, usageErrorf("-users is empty: give at least one id:token entry, such as demo:demo-token")
	}
	for id := range emails {
		if !ids[id] {
			return nil, usageErrorf("-user-email names user %q, which -users does not list", id)
		}
	}

	return users, nil
}

// parseUser parses one "id:token" or "id:token:admin" entry. The error never
// repeats the token.
func parseUser(entry string) (user, error) {
	parts := strings.Split(entry, ":")
	id := parts[0]
	switch {
	case len(parts) < 2 || len(parts) > 3:
		return user{}, usageErrorf("-users entry for %q is invalid: use id:token or id:token:admin, with no ':' inside the token", id)
	case len(parts) == 3 && parts[2] != "admin":
		return user{}, usageErrorf("-users entry for %q ends in an unknown suffix: only :admin is allowed", id)
	case id == "" || strings.ContainsAny(id, " \t\r\n"):
		return user{}, usageErrorf("-users has an entry with an empty user id or one containing spaces")
	case parts[1] == "":
		return user{}, usageErrorf("-users entry for %q has an empty token", id)
	}

	return user{id: id, tokenHash: sha256.Sum256([]byte(parts[1])), admin: len(parts) == 3}, nil
}

// errUnauthenticated is returned for a request without a known bearer token.
var errUnauthenticated = errors.New("missing or unknown bearer token")

// tokenAuth authenticates requests by their bearer token. It implements
// httpapi.Authenticator and is safe for concurrent use.
type tokenAuth struct {
	users []user
}

// Authenticate returns the user whose token the Authorization header
// carries. It compares the SHA-256 of the token with every user's in
// constant time and without stopping at a match, so the time taken does not
// reveal which user or how much of a token matched.
func (a *tokenAuth) Authenticate(r *http.Request) (httpapi.Principal, error) {
	scheme, token, ok := strings.Cut(r.Header.Get("Authorization"), " ")
	token = strings.TrimSpace(token)
	if !ok || !strings.EqualFold(scheme, "Bearer") || token == "" {
		return httpapi.Principal{}, errUnauthenticated
	}
	sum := sha256.Sum256([]byte(token))
	match := -1
	for i := range a.users {
		if subtle.ConstantTimeCompare(sum[:], a.users[i].tokenHash[:]) == 1 {
			match = i
		}
	}
	if match < 0 {
		return httpapi.Principal{}, errUnauthenticated
	}
	u := a.users[match]

	return httpapi.Principal{UserID: u.id, Admin: u.admin, Email: u.email}, nil
}

// userEmail returns the address of a known user, or "" for an unknown one.
// It is the dispatcher's Config.UserEmail.
func (a *tokenAuth) userEmail(_ context.Context, userID string) (string, error) {
	for _, u := range a.users {
		if u.id == userID {
			return u.email, nil
		}
	}

	return "", nil
}
