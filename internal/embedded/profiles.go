package embedded

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"time"

	bolt "go.etcd.io/bbolt"

	"linnstream/internal/profile"
	"linnstream/internal/secrets"
)

// Buckets of profiles: records by profile ID, profile IDs by the hash of
// their webhook key, the profile ID holding each numbering, and the IDs of
// the profiles that sync orders (the scheduler's index: it holds only
// those, as the sparse index does in DynamoDB).
//
// bucketLegacyWebhooks is the index of files written before webhook keys
// were sealed: profile IDs by plaintext webhook key. Nothing is added to it;
// ByWebhookKey falls back to it and migrates what it finds, and every write
// of a profile removes the profile's entry.
var (
	bucketProfiles         = []byte("profiles")
	bucketProfileWebhooks  = []byte("profiles.byWebhookKeyHash")
	bucketLegacyWebhooks   = []byte("profiles.byWebhookKey")
	bucketProfileNumbering = []byte("profiles.byNumbering")
	bucketProfilesSyncing  = []byte("profiles.syncing")
	bucketProfilesPolling  = []byte("profiles.polling")
)

// Profiles is a profile.Store in the database file. Secrets and the webhook
// key are sealed before they are written; the record and the index hold
// only the key's hash. A write checks its context inside the
// transaction, so a request whose deadline has passed writes nothing.
type Profiles struct {
	db     *DB
	sealer secrets.Sealer
}

var _ profile.Store = (*Profiles)(nil)

// NewProfiles returns the profile store of db, sealing secrets with sealer.
func NewProfiles(db *DB, sealer secrets.Sealer) *Profiles {
	return &Profiles{db: db, sealer: sealer}
}

// profileRecord is a profile as the file keeps it.
type profileRecord struct {
	ID                        string            `json:"id"`
	Email                     string            `json:"email,omitempty"`
	LinnworksUniqueIdentifier string            `json:"linnworksUniqueIdentifier,omitempty"`
	AccountName               string            `json:"accountName,omitempty"`
	Stage                     string            `json:"stage,omitempty"`
	Active                    bool              `json:"active,omitempty"`
	Settings                  map[string]string `json:"settings,omitempty"`
	// SealedSecrets holds the secrets and the webhook key (profile.Sealed).
	SealedSecrets []byte `json:"sealedSecrets,omitempty"`
	// WebhookKeyHash is profile.WebhookKeyHash of the key, the value the
	// index holds.
	WebhookKeyHash string `json:"webhookKeyHash,omitempty"`
	// LegacyWebhookKey is the plaintext key of a record written before keys
	// were sealed; it is read, never written (see migrateWebhookKey).
	LegacyWebhookKey      string          `json:"webhookKey,omitempty"`
	LinnworksTokenRefused time.Time       `json:"linnworksTokenRefused,omitzero"`
	Numbering             string          `json:"numbering,omitempty"`
	Deleted               bool            `json:"deleted,omitempty"`
	CreatedAt             time.Time       `json:"createdAt"`
	UpdatedAt             time.Time       `json:"updatedAt"`
	ExpiresAt             time.Time       `json:"expiresAt,omitzero"`
	Sync                  json.RawMessage `json:"sync,omitempty"`
	Version               int64           `json:"version"`
}

func (s *Profiles) record(ctx context.Context, p *profile.Profile, version int64) ([]byte, error) {
	sealed, err := profile.SealSecrets(ctx, s.sealer, p)
	if err != nil {
		return nil, err
	}
	sync, err := profile.MarshalSync(p.Sync)
	if err != nil {
		return nil, err
	}
	return json.Marshal(profileRecord{
		Sync:                      sync,
		ID:                        p.ID,
		Email:                     p.Email,
		LinnworksUniqueIdentifier: p.LinnworksUniqueIdentifier,
		AccountName:               p.AccountName,
		Stage:                     p.Stage,
		Active:                    p.Active,
		Settings:                  p.Settings,
		SealedSecrets:             sealed,
		WebhookKeyHash:            webhookKeyHash(p.WebhookKey),
		LinnworksTokenRefused:     p.LinnworksTokenRefused,
		Numbering:                 p.Numbering,
		Deleted:                   p.Deleted,
		CreatedAt:                 p.CreatedAt,
		UpdatedAt:                 p.UpdatedAt,
		ExpiresAt:                 p.ExpiresAt,
		Version:                   version,
	})
}

func (s *Profiles) profile(ctx context.Context, data []byte) (*profile.Profile, error) {
	var r profileRecord
	if err := json.Unmarshal(data, &r); err != nil {
		return nil, fmt.Errorf("decode profile record: %w", err)
	}
	sealed, err := profile.OpenSecrets(ctx, s.sealer, r.ID, r.SealedSecrets)
	if err != nil {
		return nil, err
	}
	if sealed.WebhookKey == "" {
		// A record of the earlier shape: its next write seals the key.
		sealed.WebhookKey = r.LegacyWebhookKey
	}
	sync, err := profile.UnmarshalSync(r.Sync)
	if err != nil {
		return nil, err
	}
	return &profile.Profile{
		Sync:                      sync,
		ID:                        r.ID,
		Email:                     r.Email,
		LinnworksUniqueIdentifier: r.LinnworksUniqueIdentifier,
		AccountName:               r.AccountName,
		Stage:                     r.Stage,
		Active:                    r.Active,
		Settings:                  maps.Clone(r.Settings),
		Secrets:                   sealed.Secrets,
		WebhookKey:                sealed.WebhookKey,
		LinnworksTokenRefused:     r.LinnworksTokenRefused,
		Numbering:                 r.Numbering,
		Deleted:                   r.Deleted,
		CreatedAt:                 r.CreatedAt,
		UpdatedAt:                 r.UpdatedAt,
		ExpiresAt:                 r.ExpiresAt,
		Version:                   r.Version,
	}, nil
}

// Create stores p with version 1 and sets p.Version; profile.ErrExists if
// the ID is taken.
func (s *Profiles) Create(ctx context.Context, p *profile.Profile) error {
	if p.ID == "" {
		return fmt.Errorf("create profile: no ID")
	}
	if p.Numbering != "" {
		return fmt.Errorf("create profile %s: %w", p.Short(), profile.ErrNewNumbering)
	}
	data, err := s.record(ctx, p, 1)
	if err != nil {
		return fmt.Errorf("create profile %s: %w", p.Short(), err)
	}
	err = s.db.bolt.Update(func(tx *bolt.Tx) error {
		if err := ctx.Err(); err != nil {
			return err
		}
		b := tx.Bucket(bucketProfiles)
		if b.Get([]byte(p.ID)) != nil {
			return profile.ErrExists
		}
		if err := b.Put([]byte(p.ID), data); err != nil {
			return err
		}
		if err := indexPolling(tx, p); err != nil {
			return err
		}
		if err := indexSyncing(tx, p); err != nil {
			return err
		}
		if p.WebhookKey != "" {
			return tx.Bucket(bucketProfileWebhooks).Put([]byte(webhookKeyHash(p.WebhookKey)), []byte(p.ID))
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("create profile %s: %w", p.Short(), err)
	}
	p.Version = 1
	return nil
}

// Get returns the profile with the ID, deleted or not.
func (s *Profiles) Get(ctx context.Context, id string) (*profile.Profile, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("get profile %s: %w", shortID(id), err)
	}
	var data []byte
	err := s.db.bolt.View(func(tx *bolt.Tx) error {
		v := tx.Bucket(bucketProfiles).Get([]byte(id))
		if v == nil {
			return profile.ErrNotFound
		}
		data = append([]byte(nil), v...) // v is valid only inside the transaction
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("get profile %s: %w", shortID(id), err)
	}
	p, err := s.profile(ctx, data)
	if err != nil {
		return nil, fmt.Errorf("get profile %s: %w", shortID(id), err)
	}
	return p, nil
}

// Update replaces the profile if its stored version is p.Version and
// increments p.Version; profile.ErrConflict if another write came first.
func (s *Profiles) Update(ctx context.Context, p *profile.Profile) error {
	return s.update(ctx, p, p.Numbering)
}

// UpdateNumbering is Update moving the profile's numbering hold in the same
// transaction; profile.ErrNumberingTaken if another profile holds it.
func (s *Profiles) UpdateNumbering(ctx context.Context, p *profile.Profile, numbering string) error {
	return s.update(ctx, p, numbering)
}

func (s *Profiles) update(ctx context.Context, p *profile.Profile, numbering string) error {
	if p.ID == "" {
		return fmt.Errorf("update profile: no ID")
	}
	next := *p
	next.Numbering = numbering
	data, err := s.record(ctx, &next, p.Version+1)
	if err != nil {
		return fmt.Errorf("update profile %s: %w", p.Short(), err)
	}
	err = s.db.bolt.Update(func(tx *bolt.Tx) error {
		if err := ctx.Err(); err != nil {
			return err
		}
		b := tx.Bucket(bucketProfiles)
		old := b.Get([]byte(p.ID))
		if old == nil {
			return profile.ErrNotFound
		}
		var stored struct {
			WebhookKeyHash   string `json:"webhookKeyHash"`
			LegacyWebhookKey string `json:"webhookKey"`
			Numbering        string `json:"numbering"`
			Version          int64  `json:"version"`
		}
		if err := json.Unmarshal(old, &stored); err != nil {
			return fmt.Errorf("decode stored record: %w", err)
		}
		if stored.Version != p.Version {
			return fmt.Errorf("at version %d (stored %d): %w", p.Version, stored.Version, profile.ErrConflict)
		}
		if stored.Numbering != p.Numbering {
			return fmt.Errorf("its numbering changed since it was read: %w", profile.ErrConflict)
		}
		if err := moveNumbering(tx.Bucket(bucketProfileNumbering), p.ID, stored.Numbering, numbering); err != nil {
			return err
		}
		if err := b.Put([]byte(p.ID), data); err != nil {
			return err
		}
		if err := indexPolling(tx, p); err != nil {
			return err
		}
		if err := indexSyncing(tx, p); err != nil {
			return err
		}
		return indexWebhookKey(tx, p.ID, stored.WebhookKeyHash, stored.LegacyWebhookKey, webhookKeyHash(p.WebhookKey))
	})
	if err != nil {
		return fmt.Errorf("update profile %s: %w", p.Short(), err)
	}
	p.Version++
	p.Numbering = numbering
	return nil
}

// moveNumbering moves the hold of profile id from numbering from to
// numbering to inside a transaction; profile.ErrNumberingTaken when another
// profile holds to.
func moveNumbering(b *bolt.Bucket, id, from, to string) error {
	if to != "" {
		if holder := b.Get([]byte(to)); holder != nil && string(holder) != id {
			return profile.ErrNumberingTaken
		}
	}
	if from == to {
		return nil
	}
	if from != "" && string(b.Get([]byte(from))) == id {
		if err := b.Delete([]byte(from)); err != nil {
			return err
		}
	}
	if to != "" {
		return b.Put([]byte(to), []byte(id))
	}
	return nil
}

// ByWebhookKey returns the profile whose webhook key is key, found by the
// key's hash; nothing is opened to find it.
//
// A profile written before keys were sealed is in the legacy index only:
// when the hash is not indexed, ByWebhookKey looks there, and on a hit
// migrates the profile before returning it (see migrateWebhookKey).
func (s *Profiles) ByWebhookKey(ctx context.Context, key string) (*profile.Profile, error) {
	if key == "" {
		return nil, fmt.Errorf("profile by webhook key: empty key: %w", profile.ErrNotFound)
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("profile by webhook key: %w", err)
	}
	hash := profile.WebhookKeyHash(key)
	var data []byte
	legacy := false
	err := s.db.bolt.View(func(tx *bolt.Tx) error {
		id := tx.Bucket(bucketProfileWebhooks).Get([]byte(hash))
		if id == nil {
			id, legacy = tx.Bucket(bucketLegacyWebhooks).Get([]byte(key)), true
		}
		if id == nil {
			return profile.ErrNotFound
		}
		v := tx.Bucket(bucketProfiles).Get(id)
		if v == nil {
			return fmt.Errorf("webhook key names missing profile %s: %w", shortID(string(id)), profile.ErrNotFound)
		}
		data = append([]byte(nil), v...)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("profile by webhook key: %w", err)
	}
	var r profileRecord
	if err := json.Unmarshal(data, &r); err != nil {
		return nil, fmt.Errorf("profile by webhook key: decode profile record: %w", err)
	}
	if (!legacy && r.WebhookKeyHash != hash) || (legacy && r.LegacyWebhookKey != key) {
		return nil, fmt.Errorf("profile by webhook key: index is stale: %w", profile.ErrNotFound)
	}
	p, err := s.profile(ctx, data)
	if err != nil {
		return nil, fmt.Errorf("profile by webhook key: %w", err)
	}
	if legacy {
		if err := s.migrateWebhookKey(ctx, p, data); err != nil {
			return nil, fmt.Errorf("profile by webhook key: %w", err)
		}
	}
	return p, nil
}

// migrateWebhookKey rewrites a record of the earlier shape, read as data
// and decoded as p: the key is sealed with the secrets, its hash indexed,
// the plaintext and its legacy index entry dropped. The profile is
// unchanged, so its version is kept and a writer holding the earlier read
// still succeeds. If the record changed since data was read, another write
// has already given it the current shape and nothing is done.
func (s *Profiles) migrateWebhookKey(ctx context.Context, p *profile.Profile, data []byte) error {
	next, err := s.record(ctx, p, p.Version)
	if err != nil {
		return fmt.Errorf("migrate profile %s: %w", p.Short(), err)
	}
	err = s.db.bolt.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketProfiles)
		if !bytes.Equal(b.Get([]byte(p.ID)), data) {
			return nil
		}
		if err := b.Put([]byte(p.ID), next); err != nil {
			return err
		}
		return indexWebhookKey(tx, p.ID, "", p.WebhookKey, webhookKeyHash(p.WebhookKey))
	})
	if err != nil {
		return fmt.Errorf("migrate profile %s: %w", p.Short(), err)
	}
	return nil
}

// indexWebhookKey moves profile id's entries in the webhook indexes, inside
// the transaction writing its record, from the stored hash (and plaintext
// key, on a record of the earlier shape) to hash; "" indexes nothing. An
// entry is removed only while it names id.
func indexWebhookKey(tx *bolt.Tx, id, storedHash, legacyKey, hash string) error {
	idx, legacy := tx.Bucket(bucketProfileWebhooks), tx.Bucket(bucketLegacyWebhooks)
	if legacyKey != "" && string(legacy.Get([]byte(legacyKey))) == id {
		if err := legacy.Delete([]byte(legacyKey)); err != nil {
			return err
		}
	}
	if storedHash != "" && storedHash != hash && string(idx.Get([]byte(storedHash))) == id {
		if err := idx.Delete([]byte(storedHash)); err != nil {
			return err
		}
	}
	if hash != "" {
		return idx.Put([]byte(hash), []byte(id))
	}
	return nil
}

// webhookKeyHash is the indexed hash of key; "" for no key.
func webhookKeyHash(key string) string {
	if key == "" {
		return ""
	}
	return profile.WebhookKeyHash(key)
}

// indexSyncing keeps p's entry in the syncing index in step with the record
// written in the same transaction.
func indexSyncing(tx *bolt.Tx, p *profile.Profile) error {
	idx := tx.Bucket(bucketProfilesSyncing)
	if p.SyncsOrders() {
		return idx.Put([]byte(p.ID), []byte{1})
	}
	return idx.Delete([]byte(p.ID))
}

// SyncingProfiles returns the IDs of the profiles that sync orders, from
// the syncing index, sorted.
func (s *Profiles) SyncingProfiles(ctx context.Context) ([]string, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("syncing profiles: %w", err)
	}
	var ids []string
	err := s.db.bolt.View(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketProfilesSyncing).ForEach(func(k, _ []byte) error {
			ids = append(ids, string(k))
			return nil
		})
	})
	if err != nil {
		return nil, fmt.Errorf("syncing profiles: %w", err)
	}
	return ids, nil
}

// indexPolling keeps p's entry in the polling index (the profiles the
// dispatch poll reads) in step with the record written in the same
// transaction.
func indexPolling(tx *bolt.Tx, p *profile.Profile) error {
	idx := tx.Bucket(bucketProfilesPolling)
	if p.PollsDispatch() {
		return idx.Put([]byte(p.ID), []byte{1})
	}
	return idx.Delete([]byte(p.ID))
}

// PollingProfiles returns the IDs of the profiles the dispatch poll reads,
// from the polling index, sorted.
func (s *Profiles) PollingProfiles(ctx context.Context) ([]string, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("polling profiles: %w", err)
	}
	var ids []string
	err := s.db.bolt.View(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketProfilesPolling).ForEach(func(k, _ []byte) error {
			ids = append(ids, string(k))
			return nil
		})
	})
	if err != nil {
		return nil, fmt.Errorf("polling profiles: %w", err)
	}
	return ids, nil
}

func shortID(id string) string { return (&profile.Profile{ID: id}).Short() }
