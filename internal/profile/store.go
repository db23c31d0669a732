package profile

import (
	"errors"
)

// errNoID is returned when a profile without an ID is written.
var errNoID = errors.New("profile has no ID")

// validate checks what every Store needs before writing p.
func validate(p *Profile) error {
	if p == nil {
		return errors.New("write profile: nil profile")
	}
	if p.ID == "" {
		return errNoID
	}
	return nil
}

// short returns a log-safe prefix of a profile ID.
func short(id string) string {
	p := Profile{ID: id}
	return p.Short()
}
