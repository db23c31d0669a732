package profile

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"sync"
)

// MemStore is an in-memory Store for tests and tools. It copies profiles on
// the way in and out, so callers never share maps with it or with each
// other. It is safe for concurrent use.
type MemStore struct {
	mu        sync.Mutex
	byID      map[string]*Profile
	byWebhook map[string]string // WebhookKeyHash -> profile ID
	numbering map[string]string // numbering -> profile ID holding it
}

var _ Store = (*MemStore)(nil)

// NewMemStore returns an empty MemStore.
func NewMemStore() *MemStore {
	return &MemStore{byID: map[string]*Profile{}, byWebhook: map[string]string{}, numbering: map[string]string{}}
}

// Clone returns a deep copy of p: its maps are new maps with the same
// entries, and its times have no monotonic clock reading (as if they had
// been read back from storage).
func Clone(p *Profile) *Profile {
	c := *p
	c.Settings = maps.Clone(p.Settings)
	c.Secrets = maps.Clone(p.Secrets)
	c.Sync = p.Sync.Clone()
	c.CreatedAt = p.CreatedAt.Round(0)
	c.UpdatedAt = p.UpdatedAt.Round(0)
	c.ExpiresAt = p.ExpiresAt.Round(0)
	c.LinnworksTokenRefused = p.LinnworksTokenRefused.Round(0)
	return &c
}

// Create stores a copy of p with version 1 and sets p.Version to 1.
func (s *MemStore) Create(ctx context.Context, p *Profile) error {
	if err := validate(p); err != nil {
		return err
	}
	if p.Numbering != "" {
		return fmt.Errorf("create profile %s: %w", p.Short(), ErrNewNumbering)
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("create profile: %w", err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.byID[p.ID]; ok {
		return fmt.Errorf("create profile %s: %w", p.Short(), ErrExists)
	}
	c := Clone(p)
	c.Version = 1
	s.byID[c.ID] = c
	if c.WebhookKey != "" {
		s.byWebhook[WebhookKeyHash(c.WebhookKey)] = c.ID
	}
	p.Version = 1
	return nil
}

// Get returns a copy of the profile with the ID.
func (s *MemStore) Get(ctx context.Context, id string) (*Profile, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("get profile: %w", err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	p, ok := s.byID[id]
	if !ok {
		return nil, fmt.Errorf("get profile %s: %w", short(id), ErrNotFound)
	}
	return Clone(p), nil
}

// Update replaces the stored profile with a copy of p if the stored version
// equals p.Version, and increments p.Version.
func (s *MemStore) Update(ctx context.Context, p *Profile) error {
	return s.update(ctx, p, p.Numbering)
}

// UpdateNumbering is Update moving the profile's numbering hold.
func (s *MemStore) UpdateNumbering(ctx context.Context, p *Profile, numbering string) error {
	return s.update(ctx, p, numbering)
}

func (s *MemStore) update(ctx context.Context, p *Profile, numbering string) error {
	if err := validate(p); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("update profile: %w", err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	old, ok := s.byID[p.ID]
	if !ok {
		return fmt.Errorf("update profile %s: %w", p.Short(), ErrNotFound)
	}
	if old.Version != p.Version {
		return fmt.Errorf("update profile %s at version %d (stored %d): %w", p.Short(), p.Version, old.Version, ErrConflict)
	}
	if old.Numbering != p.Numbering {
		return fmt.Errorf("update profile %s: its numbering changed since it was read: %w", p.Short(), ErrConflict)
	}
	if holder, held := s.numbering[numbering]; numbering != "" && held && holder != p.ID {
		return fmt.Errorf("update profile %s: %w", p.Short(), ErrNumberingTaken)
	}
	if numbering != old.Numbering {
		if old.Numbering != "" && s.numbering[old.Numbering] == p.ID {
			delete(s.numbering, old.Numbering)
		}
		if numbering != "" {
			s.numbering[numbering] = p.ID
		}
	}
	c := Clone(p)
	c.Numbering = numbering
	c.Version = p.Version + 1
	if h := WebhookKeyHash(old.WebhookKey); old.WebhookKey != "" && s.byWebhook[h] == old.ID {
		delete(s.byWebhook, h)
	}
	if c.WebhookKey != "" {
		s.byWebhook[WebhookKeyHash(c.WebhookKey)] = c.ID
	}
	s.byID[c.ID] = c
	p.Version = c.Version
	p.Numbering = numbering
	return nil
}

// ByWebhookKey returns a copy of the profile whose WebhookKey is key, found
// by its hash as the other stores find it.
func (s *MemStore) ByWebhookKey(ctx context.Context, key string) (*Profile, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("profile by webhook key: %w", err)
	}
	if key == "" {
		return nil, fmt.Errorf("profile by empty webhook key: %w", ErrNotFound)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	id, ok := s.byWebhook[WebhookKeyHash(key)]
	if !ok {
		return nil, fmt.Errorf("profile by webhook key: %w", ErrNotFound)
	}
	return Clone(s.byID[id]), nil
}

// SyncingProfiles returns the IDs of the stored profiles that sync orders,
// sorted.
func (s *MemStore) SyncingProfiles(ctx context.Context) ([]string, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("syncing profiles: %w", err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	var ids []string
	for id, p := range s.byID {
		if p.SyncsOrders() {
			ids = append(ids, id)
		}
	}
	slices.Sort(ids)
	return ids, nil
}

// PollingProfiles returns the IDs of the stored profiles the dispatch poll
// reads, sorted.
func (s *MemStore) PollingProfiles(ctx context.Context) ([]string, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("polling profiles: %w", err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	var ids []string
	for id, p := range s.byID {
		if p.PollsDispatch() {
			ids = append(ids, id)
		}
	}
	slices.Sort(ids)
	return ids, nil
}
