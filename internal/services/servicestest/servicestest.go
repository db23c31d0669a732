// Package servicestest provides a depot source for tests of code built on
// the services catalogue: it counts the depot reads that reach Stream and
// can add depots to what Stream answers, as a Stream account gains them.
package servicestest

import (
	"context"
	"sync"
	"sync/atomic"

	"linnstream/internal/services"
	"linnstream/internal/stream"
)

// Source wraps the clients of a Stream pool. Pass its Source method to
// services.NewCatalogue.
type Source struct {
	pool  *stream.Pool
	reads atomic.Int32
	mu    sync.Mutex
	extra []stream.Depot
}

// New returns a Source over the pool's clients.
func New(pool *stream.Pool) *Source { return &Source{pool: pool} }

// Reads is how many depot reads have been made.
func (s *Source) Reads() int { return int(s.reads.Load()) }

// AddDepot makes every later depot read include d.
func (s *Source) AddDepot(d stream.Depot) {
	s.mu.Lock()
	s.extra = append(s.extra, d)
	s.mu.Unlock()
}

// Source is a services.Source.
func (s *Source) Source(acct stream.Account) (services.DepotLister, error) {
	inner, err := services.PoolSource(s.pool)(acct)
	if err != nil {
		return nil, err
	}
	return lister{src: s, inner: inner}, nil
}

type lister struct {
	src   *Source
	inner services.DepotLister
}

func (l lister) Depots(ctx context.Context) ([]stream.Depot, error) {
	l.src.reads.Add(1)
	ds, err := l.inner.Depots(ctx)
	if err != nil {
		return nil, err
	}
	l.src.mu.Lock()
	defer l.src.mu.Unlock()
	return append(ds, l.src.extra...), nil
}
