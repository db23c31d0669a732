package dispatchpoll

import (
	"context"
	"sync"
	"time"

	"linnstream/internal/stream"
)

// budget holds the poll to at most n Stream requests in any minute for
// one account. It counts a request when it is sent: the poll sends its
// requests one at a time per profile, and the Stream client's own limiter
// (the account's 200 a minute, shared with every other flow) still applies
// beneath it.
type budget struct {
	mu   sync.Mutex
	sent []time.Time // send times inside the last minute, oldest first
}

// budgetWindow is the window the budget counts in.
const budgetWindow = time.Minute

// budgetOf returns the poll's budget of a Stream account. Profiles on one
// account share it, whatever their party.
func (p *Poller) budgetOf(acct stream.Account) *budget {
	key := stream.AccountKey(acct.BaseURL, acct.ClientID, "") // no party: the account's own
	p.mu.Lock()
	defer p.mu.Unlock()
	b, ok := p.budgets[key]
	if !ok {
		b = &budget{}
		p.budgets[key] = b
	}
	return b
}

// take waits until a request may be sent under the budget and counts it.
// It returns errStop instead when the wait would end at or after stopAt
// (zero: no deadline).
func (b *budget) take(ctx context.Context, cfg Config, stopAt time.Time) error {
	for {
		now := cfg.Now()
		wait := b.reserve(now, cfg.PerMinute)
		if wait == 0 {
			return nil
		}
		if !stopAt.IsZero() && !cfg.Wall().Add(wait).Before(stopAt) {
			return errStop
		}
		if err := cfg.Sleep(ctx, wait); err != nil {
			return errStop
		}
	}
}

// reserve counts a request sent at now if the budget allows it and returns
// 0; otherwise it returns how long until the oldest request leaves the
// window.
func (b *budget) reserve(now time.Time, n int) time.Duration {
	b.mu.Lock()
	defer b.mu.Unlock()
	cut := now.Add(-budgetWindow)
	drop := 0
	for drop < len(b.sent) && !b.sent[drop].After(cut) {
		drop++
	}
	b.sent = append(b.sent[:0], b.sent[drop:]...)
	if len(b.sent) < n {
		b.sent = append(b.sent, now)
		return 0
	}
	return b.sent[0].Sub(cut)
}
