package shipment

import (
	"context"
	"fmt"
	"sync"
	"time"
)

// MemStore is an in-memory Store for tests and tools. It copies records on
// the way in and out and is safe for concurrent use; each call is atomic.
type MemStore struct {
	now       func() time.Time
	mu        sync.Mutex
	shipments map[recKey]*Shipment
	manifests map[recKey]*Manifest
	events    map[recKey]time.Time // expiry
	cursors   map[string]string    // poll cursors by profile
}

// recKey is a record's key inside a profile's partition.
type recKey struct{ profileID, id string }

var _ Store = (*MemStore)(nil)

// NewMemStore returns an empty MemStore whose event marks expire by now
// (nil means time.Now).
func NewMemStore(now func() time.Time) *MemStore {
	if now == nil {
		now = time.Now
	}
	return &MemStore{now: now, shipments: map[recKey]*Shipment{}, manifests: map[recKey]*Manifest{}, events: map[recKey]time.Time{}, cursors: map[string]string{}}
}

// Claim applies TakeOver to the stored record and writes the outcome.
func (m *MemStore) Claim(ctx context.Context, s *Shipment, now time.Time) (*Shipment, Claimed, error) {
	if err := CheckClaim(s, now); err != nil {
		return nil, NotClaimed, err
	}
	if err := ctx.Err(); err != nil {
		return nil, NotClaimed, fmt.Errorf("claim shipment %s: %w", s.OrderID, err)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	k := recKey{s.ProfileID, s.OrderID}
	next, how := TakeOver(m.shipments[k], s, now)
	if how != NotClaimed {
		m.shipments[k] = Clone(next)
	}
	return next, how, nil
}

// Get returns a copy of the record of the order.
func (m *MemStore) Get(ctx context.Context, profileID, orderID string) (*Shipment, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("get shipment %s: %w", orderID, err)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	s, ok := m.shipments[recKey{profileID, orderID}]
	if !ok {
		return nil, fmt.Errorf("get shipment %s of profile %s: %w", orderID, ShortID(profileID), ErrNotFound)
	}
	return Clone(s), nil
}

// Update replaces the record if the stored version is s.Version.
func (m *MemStore) Update(ctx context.Context, s *Shipment) error {
	if err := CheckRecord(s); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("update shipment %s: %w", s.OrderID, err)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	k := recKey{s.ProfileID, s.OrderID}
	old, ok := m.shipments[k]
	if !ok {
		return fmt.Errorf("update shipment %s: %w", s.OrderID, ErrNotFound)
	}
	if old.Version != s.Version {
		return fmt.Errorf("update shipment %s at version %d (stored %d): %w", s.OrderID, s.Version, old.Version, ErrConflict)
	}
	c := Clone(s)
	c.Version = s.Version + 1
	m.shipments[k] = c
	s.Version = c.Version
	return nil
}

// ByStreamOrder returns a copy of the profile's record with the Stream
// order number.
func (m *MemStore) ByStreamOrder(ctx context.Context, profileID, orderNo string) (*Shipment, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("shipment by stream order %s: %w", orderNo, err)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	var found []*Shipment
	for k, s := range m.shipments {
		if k.profileID == profileID && orderNo != "" && s.StreamOrderNo == orderNo {
			found = append(found, s)
		}
	}
	s, err := PickByStreamOrder(found, orderNo)
	if err != nil {
		return nil, err
	}
	return Clone(s), nil
}

// FileManifest files the orders in one step under the store's lock.
func (m *MemStore) FileManifest(ctx context.Context, req ManifestRequest) (*Manifest, error) {
	ids, err := req.CheckedOrderIDs()
	if err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("file manifest %s: %w", req.Reference, err)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	found := map[string]*Shipment{}
	for _, id := range ids {
		if s, ok := m.shipments[recKey{req.ProfileID, id}]; ok {
			found[id] = s
		}
	}
	man, filed, err := BuildManifest(req, ids, found)
	if err != nil {
		return nil, err
	}
	mk := recKey{req.ProfileID, man.Reference}
	if _, taken := m.manifests[mk]; taken {
		return nil, fmt.Errorf("file manifest %s: %w", man.Reference, ErrManifestExists)
	}
	m.manifests[mk] = CloneManifest(man)
	for _, s := range filed {
		m.shipments[recKey{s.ProfileID, s.OrderID}] = Clone(s)
	}
	return man, nil
}

// GetManifest returns a copy of a filed manifest.
func (m *MemStore) GetManifest(ctx context.Context, profileID, reference string) (*Manifest, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("get manifest %s: %w", reference, err)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	man, ok := m.manifests[recKey{profileID, reference}]
	if !ok {
		return nil, fmt.Errorf("get manifest %s: %w", reference, ErrNotFound)
	}
	return CloneManifest(man), nil
}

// MarkEvent records the event unless a mark that has not expired exists.
func (m *MemStore) MarkEvent(ctx context.Context, profileID, key string, ttl time.Duration) (bool, error) {
	if err := CheckEvent(profileID, key, ttl); err != nil {
		return false, err
	}
	if err := ctx.Err(); err != nil {
		return false, fmt.Errorf("mark event %s: %w", key, err)
	}
	now := m.now()
	m.mu.Lock()
	defer m.mu.Unlock()
	k := recKey{profileID, key}
	if exp, ok := m.events[k]; ok && exp.After(now) {
		return false, nil
	}
	m.events[k] = EventExpiry(now, ttl)
	return true, nil
}

// ListOpen returns a page of copies of the profile's open shipments.
func (m *MemStore) ListOpen(ctx context.Context, profileID string, since time.Time, after string, limit int) (OpenPage, error) {
	if err := CheckListOpen(profileID, limit); err != nil {
		return OpenPage{}, err
	}
	if err := ctx.Err(); err != nil {
		return OpenPage{}, fmt.Errorf("list open shipments: %w", err)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	var all []*Shipment
	for k, s := range m.shipments {
		if k.profileID == profileID {
			all = append(all, Clone(s))
		}
	}
	return PageOpen(all, since, after, limit), nil
}

// PollCursor returns the profile's poll cursor.
func (m *MemStore) PollCursor(ctx context.Context, profileID string) (string, error) {
	if err := ctx.Err(); err != nil {
		return "", fmt.Errorf("read poll cursor: %w", err)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.cursors[profileID], nil
}

// SetPollCursor stores the profile's poll cursor.
func (m *MemStore) SetPollCursor(ctx context.Context, profileID, cursor string) error {
	if profileID == "" {
		return fmt.Errorf("store poll cursor: no profile ID")
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("store poll cursor: %w", err)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if cursor == "" {
		delete(m.cursors, profileID)
	} else {
		m.cursors[profileID] = cursor
	}
	return nil
}
