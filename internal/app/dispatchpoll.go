package app

import (
	"errors"

	"linnstream/internal/dispatchpoll"
	"linnstream/internal/writeback"
)

// DispatchPoll returns the dispatch poll on the same adapters as the
// handlers, queueing its write-back messages on the write-back queue. It
// shares each Stream account's token and limiter with the rest of the
// process.
func (d *Deps) DispatchPoll() (*dispatchpoll.Poller, error) {
	if d.Writeback == nil {
		return nil, errors.New("the dispatch poll needs the write-back queue, and none is configured")
	}
	return dispatchpoll.New(dispatchpoll.Config{
		Profiles:  d.Profiles,
		Shipments: d.Shipments,
		Streams:   writeback.PoolStreams{Pool: d.Stream},
		WriteBack: d.Writeback,
		Now:       d.Now,
		Logger:    d.Logger,
	})
}
