package store

// Access states whose records a call may read or change. Build one with
// [AsUser] or [AsAdmin]; the zero value matches no record.
type Access struct {
	userID string
	admin  bool
}

// AsUser returns the Access of an ordinary user: only records whose UserID
// equals userID are visible. An empty userID matches nothing.
func AsUser(userID string) Access {
	return Access{userID: userID}
}

// AsAdmin returns the Access of an administrator, which sees and changes
// every user's records. Use it only for callers the host has authenticated
// as administrators, and for the library's own workers.
func AsAdmin() Access {
	return Access{admin: true}
}

// IsAdmin reports whether a is the administrator access.
func (a Access) IsAdmin() bool { return a.admin }

// UserID returns the user id of an ordinary access, or "" for an
// administrator.
func (a Access) UserID() string { return a.userID }

// Allows reports whether a record owned by ownerID is visible to a.
func (a Access) Allows(ownerID string) bool {
	if a.admin {
		return true
	}

	return a.userID != "" && a.userID == ownerID
}

// Valid reports whether a can match any record at all.
func (a Access) Valid() bool { return a.admin || a.userID != "" }
