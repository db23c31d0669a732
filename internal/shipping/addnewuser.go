package shipping

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"linnstream/internal/profile"
)

// handleAddNewUser validates the account fields and creates a new profile
// with a fresh token. Every call creates a profile: several installations of
// one Linnworks account are normal.
func (h *Handlers) handleAddNewUser(ctx context.Context, c *call, req *AddNewUserRequest) (*AddNewUserResponse, error) {
	email := strings.TrimSpace(req.Email)
	luid := strings.TrimSpace(req.LinnworksUniqueIdentifier)
	account := strings.TrimSpace(req.AccountName)
	var problems []string
	// The email is Linnworks' record of the account, kept for the operator
	// and used for nothing else; Linnworks has its own rules for it, so a
	// form we would not accept (a display name, a local domain, none at all)
	// must not stop the installation. Only its size is bounded.
	if utf8.RuneCountInString(email) > maxEmailLength {
		problems = append(problems, fmt.Sprintf("Email must be at most %d characters", maxEmailLength))
	}
	canonLUID, luidOK := parseGUID(luid)
	switch {
	case luid == "":
		problems = append(problems, "LinnworksUniqueIdentifier is required")
	case !luidOK:
		problems = append(problems, "LinnworksUniqueIdentifier must be a GUID (32 hexadecimal digits, with or without hyphens)")
	}
	switch {
	case account == "":
		problems = append(problems, "AccountName is required")
	case utf8.RuneCountInString(account) > 255:
		problems = append(problems, "AccountName must be at most 255 characters")
	}
	if len(problems) > 0 {
		return nil, fail("%s", strings.Join(problems, "; "))
	}

	// A clash of 128 random bits means a broken random source; a few tries
	// tell that apart from bad luck.
	for range 3 {
		token, err := newToken(h.random)
		if err != nil {
			return nil, err
		}
		key, err := newWebhookKey(h.random)
		if err != nil {
			return nil, err
		}
		now := h.now().UTC()
		p := &profile.Profile{
			ID:                        profile.ID(token),
			Email:                     email,
			LinnworksUniqueIdentifier: canonLUID,
			AccountName:               account,
			Settings:                  map[string]string{},
			Secrets:                   map[string]string{},
			WebhookKey:                key,
			CreatedAt:                 now,
			UpdatedAt:                 now,
		}
		err = h.store.Create(ctx, p)
		if errors.Is(err, profile.ErrExists) {
			c.log.Warn("generated token already in use; generating another")
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("create profile: %w", err)
		}
		c.setProfile(p)
		c.log.Info("profile created")
		return &AddNewUserResponse{AuthorizationToken: token}, nil
	}
	return nil, errors.New("create profile: every generated token was already in use")
}

// maxEmailLength is the longest address SMTP can carry (RFC 5321's 256
// octets for a path, less its angle brackets).
const maxEmailLength = 254
