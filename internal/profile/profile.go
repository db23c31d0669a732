// Package profile holds a linnstream installation: one Linnworks account's
// settings, wizard stage and secrets, created by AddNewUser and addressed by
// the SHA-256 of its AuthorizationToken.
package profile

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"time"
)

// Profile is one installation of the integration. A Linnworks account may
// have several.
type Profile struct {
	// ID is the hex SHA-256 of the AuthorizationToken; the token itself is
	// never stored.
	ID string

	Email                     string
	LinnworksUniqueIdentifier string
	AccountName               string

	// Stage is the wizard stage last shown to Linnworks (its ConfigStatus);
	// "" before the first UserConfig.
	Stage string
	// Active is true once the wizard is complete (IsConfigActive).
	Active bool

	// Settings are the non-secret configuration values by ConfigItemId.
	Settings map[string]string
	// Secrets are secret configuration values by ConfigItemId (Stream client
	// secret, Linnworks API token). They are plaintext in memory only: every
	// Store seals them before they reach storage.
	Secrets map[string]string

	// WebhookKey is a random key naming this profile in its Stream webhook
	// URL. Like Secrets it is plaintext in memory only: stores seal it with
	// the secrets (see Sealed) and index WebhookKeyHash(WebhookKey), so the
	// key is never stored in plaintext and a lookup opens nothing.
	WebhookKey string

	// LinnworksTokenRefused is when Linnworks last refused the saved
	// Linnworks API token (revoked, or the app uninstalled); zero while it
	// works. The write-back sets it and holds its messages; saving a token
	// that works clears it.
	LinnworksTokenRefused time.Time
	// Numbering names the Stream order numbers an active profile sends: a
	// hash of its Stream account, party and order number prefix (see
	// wizard.Numbering). Stores let one profile at a time hold a numbering,
	// so two profiles never send the same order number to one Stream
	// account; "" holds none. Only UpdateNumbering changes it.
	Numbering string

	// Sync is what the order sync keeps between runs: its last summary,
	// where an unfinished pass resumes, the orders it could not send.
	Sync SyncState

	Deleted   bool
	CreatedAt time.Time
	UpdatedAt time.Time
	// ExpiresAt, when set, is when storage may drop the record (TTL).
	ExpiresAt time.Time

	// Version counts successful writes; Update succeeds only when the stored
	// version equals this one, and then increments it.
	Version int64
}

// ID returns the profile ID of an AuthorizationToken.
func ID(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

// WebhookKeyHash returns the hex SHA-256 of a webhook key, the value stores
// index and ByWebhookKey looks up. The key has 256 random bits, so an
// unsalted hash is enough: a leaked index does not lead back to a key.
func WebhookKeyHash(key string) string {
	sum := sha256.Sum256([]byte(key))
	return hex.EncodeToString(sum[:])
}

// Short returns a prefix of the profile ID that is safe and useful in logs.
func (p *Profile) Short() string {
	if len(p.ID) < 12 {
		return p.ID
	}
	return p.ID[:12]
}

// Errors a Store returns; callers compare with errors.Is.
var (
	ErrNotFound = errors.New("profile not found")
	ErrExists   = errors.New("profile already exists")
	ErrConflict = errors.New("profile was changed by another request")
	// ErrNumberingTaken: another profile holds the numbering.
	ErrNumberingTaken = errors.New("order numbering is held by another profile")
	// ErrNewNumbering: Create was given a profile holding a numbering; a
	// profile takes one with UpdateNumbering, which records the hold.
	ErrNewNumbering = errors.New("a new profile holds no order numbering")
)

// Store keeps profiles. Implementations seal Secrets at rest and return them
// opened.
type Store interface {
	// Create stores a new profile; ErrExists if the ID is taken,
	// ErrNewNumbering if p.Numbering is set.
	Create(ctx context.Context, p *Profile) error
	// Get returns the profile with the ID (deleted ones included); ErrNotFound
	// when there is none.
	Get(ctx context.Context, id string) (*Profile, error)
	// Update replaces the profile if its stored Version equals p.Version,
	// then sets p.Version to the new version; ErrConflict otherwise,
	// ErrNotFound if it does not exist. It keeps the stored Numbering: a p
	// whose Numbering differs from it is an ErrConflict too.
	Update(ctx context.Context, p *Profile) error
	// UpdateNumbering is Update that also moves the profile's hold from
	// p.Numbering to numbering ("" releases it), in the same conditional
	// write: if another profile holds numbering, it returns
	// ErrNumberingTaken and writes nothing. On success p.Numbering is
	// numbering. A numbering is released only by its holder.
	UpdateNumbering(ctx context.Context, p *Profile, numbering string) error
	// ByWebhookKey returns the profile whose WebhookKey is key, found by
	// WebhookKeyHash(key) in an index of hashes; ErrNotFound when there is
	// none.
	ByWebhookKey(ctx context.Context, key string) (*Profile, error)
	// SyncingProfiles returns the IDs of the profiles that sync orders
	// (SyncsOrders), from an index that holds only those, never by reading
	// every profile. An index may lag a write briefly; callers read each
	// profile again before acting on it.
	SyncingProfiles(ctx context.Context) ([]string, error)
	// PollingProfiles returns the IDs of the profiles the dispatch poll
	// reads (PollsDispatch), from an index that holds only those, never by
	// reading every profile. Like SyncingProfiles, it may lag a write.
	PollingProfiles(ctx context.Context) ([]string, error)
}
