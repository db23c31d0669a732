package services

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"sync"
	"time"

	"golang.org/x/sync/singleflight"

	"linnstream/internal/profile"
	"linnstream/internal/stream"
	"linnstream/internal/wizard"
)

// DefaultTTL is how long a Stream account's depot list is reused: short, so
// that a depot or method created in Stream shows up within a minute, long
// enough that a burst of GenerateLabel calls reads the depots once.
const DefaultTTL = 60 * time.Second

// sharedReadTimeout bounds one depot read that several callers share.
const sharedReadTimeout = 20 * time.Second

// DepotLister lists a Stream account's depots with their delivery methods.
// *stream.Client satisfies it.
type DepotLister interface {
	Depots(ctx context.Context) ([]stream.Depot, error)
}

var _ DepotLister = (*stream.Client)(nil)

// Source returns the DepotLister of a Stream account.
type Source func(acct stream.Account) (DepotLister, error)

// PoolSource is the Source of real Stream accounts: the pool's client of
// each account, which shares the account's token and rate limit with every
// other use of it.
func PoolSource(pool *stream.Pool) Source {
	return func(acct stream.Account) (DepotLister, error) { return pool.Client(acct) }
}

// Option configures a Catalogue.
type Option func(*Catalogue)

// WithTTL sets how long a depot list is reused; default DefaultTTL.
func WithTTL(d time.Duration) Option { return func(c *Catalogue) { c.ttl = d } }

// WithClock sets the clock the cache ages by; default time.Now.
func WithClock(now func() time.Time) Option { return func(c *Catalogue) { c.now = now } }

// Catalogue lists and resolves the services of profiles, caching each Stream
// account's services for a short TTL. Build it once per process; it is safe
// for concurrent use.
type Catalogue struct {
	source Source
	ttl    time.Duration
	now    func() time.Time

	mu      sync.Mutex
	entries map[string]entry
	flight  singleflight.Group
}

type entry struct {
	services []Service
	fetched  time.Time
}

// NewCatalogue returns a catalogue reading depots through source.
func NewCatalogue(source Source, opts ...Option) *Catalogue {
	c := &Catalogue{source: source, ttl: DefaultTTL, now: time.Now, entries: map[string]entry{}}
	for _, o := range opts {
		o(c)
	}
	if c.ttl <= 0 {
		c.ttl = DefaultTTL
	}
	if c.now == nil {
		c.now = time.Now
	}
	return c
}

// List returns the services of the profile's Stream account, in Stream's
// depot and method order. Errors name Stream's reason (bad credentials,
// network) and never carry the secret.
func (c *Catalogue) List(ctx context.Context, p *profile.Profile) ([]Service, error) {
	svcs, err := c.load(ctx, wizard.Settings(p).Stream, false)
	if err != nil {
		return nil, err
	}
	return append([]Service(nil), svcs...), nil
}

// Resolve returns the profile's service whose ServiceUniqueId is id (any
// GUID spelling: hyphenated or not, braced, either case). An id missing from
// a cached list triggers one fresh read of Stream's depots before failing,
// so a method created in Stream a moment ago resolves. An id that names no
// service gives an error matching ErrUnknownService.
func (c *Catalogue) Resolve(ctx context.Context, p *profile.Profile, id string) (Service, error) {
	want := normaliseID(id)
	if want == "" {
		return Service{}, &UnknownServiceError{ID: id}
	}
	acct := wizard.Settings(p).Stream
	svcs, fresh, err := c.cached(ctx, acct)
	if err != nil {
		return Service{}, err
	}
	if s, ok := find(svcs, want); ok {
		return s, nil
	}
	if !fresh {
		if svcs, err = c.load(ctx, acct, true); err != nil {
			return Service{}, err
		}
		if s, ok := find(svcs, want); ok {
			return s, nil
		}
	}
	return Service{}, &UnknownServiceError{ID: id}
}

func find(svcs []Service, want string) (Service, bool) {
	for _, s := range svcs {
		if normaliseID(s.ID) == want {
			return s, true
		}
	}
	return Service{}, false
}

// cached returns the account's services and whether they were read from
// Stream just now (so a refresh would not tell anything new).
func (c *Catalogue) cached(ctx context.Context, acct stream.Account) ([]Service, bool, error) {
	key := cacheKey(acct)
	c.mu.Lock()
	e, ok := c.entries[key]
	c.mu.Unlock()
	if ok && c.now().Sub(e.fetched) < c.ttl {
		return e.services, false, nil
	}
	svcs, err := c.load(ctx, acct, true)
	return svcs, true, err
}

// load returns the account's services, from the cache unless refresh is set
// or the entry has expired. Concurrent reads of one account share one call
// to Stream.
func (c *Catalogue) load(ctx context.Context, acct stream.Account, refresh bool) ([]Service, error) {
	key := cacheKey(acct)
	if !refresh {
		c.mu.Lock()
		e, ok := c.entries[key]
		c.mu.Unlock()
		if ok && c.now().Sub(e.fetched) < c.ttl {
			return e.services, nil
		}
	}
	ch := c.flight.DoChan(key, func() (any, error) {
		lister, err := c.source(acct)
		if err != nil {
			return nil, err
		}
		// The read is shared by every caller waiting for this account, so it
		// must not end with the first caller's request: it gets its own
		// bound, and each caller still stops waiting at its own deadline.
		rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), sharedReadTimeout)
		defer cancel()
		depots, err := lister.Depots(rctx)
		if err != nil {
			return nil, err
		}
		svcs := build(acct, depots)
		now := c.now()
		c.mu.Lock()
		for k, e := range c.entries {
			if now.Sub(e.fetched) >= c.ttl {
				delete(c.entries, k)
			}
		}
		c.entries[key] = entry{services: svcs, fetched: now}
		c.mu.Unlock()
		return svcs, nil
	})
	select {
	case <-ctx.Done():
		return nil, fmt.Errorf("list stream depots: %w", ctx.Err())
	case r := <-ch:
		if r.Err != nil {
			return nil, r.Err
		}
		return r.Val.([]Service), nil
	}
}

// cacheKey identifies everything that changes what the account's depot list
// is read with; the secret enters only as a hash.
func cacheKey(acct stream.Account) string {
	sum := sha256.Sum256([]byte(acct.ClientSecret))
	return accountName(acct) + "\x00" + acct.Party + "\x00" + hex.EncodeToString(sum[:])
}
