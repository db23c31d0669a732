// Package localenv builds linnstream's dependencies for a developer machine:
// the embedded on-disk store and a local secret key under one data
// directory, in place of DynamoDB and KMS. The local runtime and the
// in-process invoker use it; Lambda functions never link it.
package localenv

import (
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"linnstream/internal/app"
	"linnstream/internal/embedded"
	"linnstream/internal/linnworks"
	"linnstream/internal/localqueue"
	"linnstream/internal/secrets"
	"linnstream/internal/stream"
)

// Env is the local dependencies and what must be closed after use.
type Env struct {
	Deps *app.Deps
	DB   *embedded.DB
	// WriteBack is the in-process write-back queue (Deps.Writeback). Its
	// consumer is set with SetHandler; until then messages wait in it.
	WriteBack *localqueue.Queue
}

// WriteBackQueueName names the write-back queue in stats.
const WriteBackQueueName = "writeback"

// Options adjust Open.
type Options struct {
	// PublicBaseURL is where the local server is reachable; empty means
	// "the address each request came to".
	PublicBaseURL string
	// HTTPClient is used for calls to Stream; nil uses the client's default.
	HTTPClient *http.Client
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// Linnworks is the Linnworks application to open API sessions with;
	// a zero value leaves the wizard without a live token check.
	Linnworks linnworks.Config
	// Queue adjusts the write-back queue (backoff, clock); its Name is set
	// here.
	Queue localqueue.Config
}

// Open opens (creating on first use) the embedded store and the secret key
// in dir.
func Open(dir string, logger *slog.Logger, o Options) (*Env, error) {
	key, err := secrets.NewLocalKey(dir)
	if err != nil {
		return nil, fmt.Errorf("open local secret key: %w", err)
	}
	db, err := embedded.Open(dir)
	if err != nil {
		return nil, err
	}
	streamOpts := []stream.Option{stream.WithLogger(logger)}
	if o.HTTPClient != nil {
		streamOpts = append(streamOpts, stream.WithHTTPClient(o.HTTPClient))
	}
	var lw *linnworks.Client
	if o.Linnworks.ApplicationID != "" {
		lwOpts := []linnworks.Option{linnworks.WithLogger(logger)}
		if o.HTTPClient != nil {
			lwOpts = append(lwOpts, linnworks.WithHTTPClient(o.HTTPClient))
		}
		if lw, err = linnworks.New(o.Linnworks, lwOpts...); err != nil {
			db.Close()
			return nil, err
		}
	}
	qcfg := o.Queue
	qcfg.Name = WriteBackQueueName
	if qcfg.Logger == nil {
		qcfg.Logger = logger
	}
	wb := localqueue.New(qcfg)
	return &Env{
		DB:        db,
		WriteBack: wb,
		Deps: &app.Deps{
			Writeback:     wb,
			Linnworks:     lw,
			Logger:        logger,
			Profiles:      embedded.NewProfiles(db, key),
			Shipments:     embedded.NewShipments(db, o.Now),
			Stream:        stream.NewPool(streamOpts...),
			StreamOptions: streamOpts,
			PublicBaseURL: o.PublicBaseURL,
			// The local runtime's Stream sandbox answers on plain http.
			AllowLoopbackHTTP: true,
			Now:               o.Now,
		},
	}, nil
}

// Close stops the write-back queue (waiting for the messages in flight)
// and closes the store.
func (e *Env) Close() error {
	e.WriteBack.Close()
	return e.DB.Close()
}
