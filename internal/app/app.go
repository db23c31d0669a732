// Package app assembles linnstream's handlers from their dependencies. The
// Lambda functions (through awsenv) and the local runtime (through localenv)
// fill the same Deps with different adapters, so both serve the very same
// handlers and domain code.
package app

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"

	"linnstream/internal/linnworks"
	"linnstream/internal/linnworks/badge"
	"linnstream/internal/ordersync"
	"linnstream/internal/profile"
	"linnstream/internal/queue"
	"linnstream/internal/services"
	"linnstream/internal/shipment"
	"linnstream/internal/shipping"
	"linnstream/internal/stack"
	"linnstream/internal/stream"
	"linnstream/internal/webhook"
	"linnstream/internal/wizard"
	"linnstream/internal/writeback"
)

// Deps are the adapters the handlers run on. Build them once per process.
type Deps struct {
	Logger   *slog.Logger
	Profiles profile.Store
	// Shipments keeps order-to-shipment mappings and manifests.
	Shipments shipment.Store
	// Stream hands out one client per Stream account.
	Stream *stream.Pool
	// StreamOptions configure the clients built to check credentials in the
	// wizard (HTTP client, logger).
	StreamOptions []stream.Option
	// Linnworks is the Linnworks API client; when nil, the wizard checks the
	// LINNWORKS_API_TOKEN's format only and installs nothing.
	Linnworks *linnworks.Client
	// PublicBaseURL is where the deployment is reachable; empty means "the
	// address each request came to".
	PublicBaseURL string
	// AllowLoopbackHTTP lets the wizard accept a plain-http Stream API URL
	// on this machine (the local runtime's sandbox); deployments leave it off.
	AllowLoopbackHTTP bool
	// RequestID names a request in logs; nil uses the X-Request-Id header or
	// a random id.
	RequestID func(*http.Request) string
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// Writeback is the queue of write-back messages (SQS FIFO in AWS, the
	// in-process queue locally) that GenerateLabel and the webhook receiver
	// send to; functions that queue nothing leave it nil (GenerateLabel then
	// queues nothing and the dispatch poll catches up).
	Writeback queue.Sender

	once     sync.Once
	handlers *shipping.Handlers
	err      error
}

// Shipping returns the contract handlers, built on first use.
func (d *Deps) Shipping() (*shipping.Handlers, error) {
	d.once.Do(func() {
		opts := wizard.Options{
			Stream:            wizard.StreamCredentials{Pool: d.Stream, Options: d.StreamOptions},
			Webhooks:          wizard.StreamWebhooks{Pool: d.Stream, Options: d.StreamOptions},
			PublicBaseURL:     d.PublicBaseURL,
			AllowLoopbackHTTP: d.AllowLoopbackHTTP,
		}
		if d.Linnworks != nil {
			opts.Linnworks = wizard.LinnworksAccount{Client: d.Linnworks}
		}
		w, err := wizard.New(opts)
		if err != nil {
			d.err = err
			return
		}
		d.handlers, d.err = shipping.New(shipping.Config{
			Store:     d.Profiles,
			Wizard:    w,
			Logger:    d.Logger,
			Now:       d.Now,
			RequestID: d.RequestID,
			Services:  services.NewCatalogue(services.PoolSource(d.Stream)),
			Manifests: d.Shipments,
			Streams:   d.Stream,
			Creator:   &shipment.Creator{Store: d.Shipments, Now: d.Now, Logger: d.Logger},
			Shipments: d.Shipments,
			Writeback: d.Writeback,
		})
	})
	return d.handlers, d.err
}

// WritebackConsumer returns the consumer of the write-back queue (its
// Handle is the queue.Handler), on the same adapters as the handlers. It
// needs Linnworks.
func (d *Deps) WritebackConsumer() (*writeback.Writer, error) {
	if d.Linnworks == nil {
		return nil, fmt.Errorf("write-back: no Linnworks client")
	}
	return writeback.New(writeback.Config{
		Profiles:  d.Profiles,
		Shipments: d.Shipments,
		Streams:   writeback.PoolStreams{Pool: d.Stream},
		Linnworks: d.Linnworks,
		Now:       d.Now,
		Logger:    d.Logger,
	})
}

// OrderSync returns the lookback order sync's worker on the same adapters
// as the handlers, queueing its write-back messages on wb. It needs
// Linnworks.
func (d *Deps) OrderSync(wb queue.Sender) (*ordersync.Worker, error) {
	if d.Linnworks == nil {
		return nil, fmt.Errorf("order sync: no Linnworks client")
	}
	return ordersync.New(ordersync.Config{
		Profiles:  d.Profiles,
		Catalogue: services.NewCatalogue(services.PoolSource(d.Stream)),
		Linnworks: d.Linnworks,
		Streams:   ordersync.PoolStreams{Pool: d.Stream},
		Creator:   &shipment.Creator{Store: d.Shipments, Now: d.Now, Logger: d.Logger},
		Shipments: d.Shipments,
		WriteBack: wb,
		Now:       d.Now,
		Logger:    d.Logger,
	})
}

// Handler returns the handler of the function with the SAM logical id.
func (d *Deps) Handler(logicalID string) (http.Handler, error) {
	switch logicalID {
	case "IdentifiersFunction":
		return badge.Handler(), nil
	case "StreamWebhookFunction":
		return d.WebhookReceiver()
	}
	h, err := d.Shipping()
	if err != nil {
		return nil, err
	}
	for _, e := range stack.Endpoints {
		if e.LogicalID != logicalID {
			continue
		}
		switch e.Contract {
		case "AddNewUser":
			return h.AddNewUser(), nil
		case "UserConfig":
			return h.UserConfig(), nil
		case "UpdateConfig":
			return h.UpdateConfig(), nil
		case "ConfigDeleted":
			return h.ConfigDeleted(), nil
		case "UserAvailableServices":
			return h.UserAvailableServices(), nil
		case "GenerateLabel":
			return h.GenerateLabel(), nil
		case "CancelLabel":
			return h.CancelLabel(), nil
		case "CreateManifest":
			return h.CreateManifest(), nil
		case "PrintManifest":
			return h.PrintManifest(), nil
		case "ExtendedPropertyMapping":
			return h.ExtendedPropertyMapping(), nil
		case "Quote":
			return h.Quote(), nil
		}
		return nil, fmt.Errorf("function %s (%s) has no handler", logicalID, e.Contract)
	}
	return nil, fmt.Errorf("unknown function %q", logicalID)
}

// WebhookReceiver returns the Stream webhook receiver, routed at
// webhook.Path. It needs the write-back queue.
func (d *Deps) WebhookReceiver() (http.Handler, error) {
	if d.Writeback == nil {
		return nil, errors.New("the webhook receiver needs the write-back queue, and none is configured")
	}
	rc := &webhook.Receiver{Profiles: d.Profiles, Queue: d.Writeback, Logger: d.Logger, RequestID: d.RequestID}
	return rc.Handler(), nil
}

// NewLogger returns the JSON logger every part logs with, at level (DEBUG,
// INFO, WARN or ERROR; INFO when empty or unknown).
func NewLogger(w io.Writer, level string) *slog.Logger {
	var l slog.Level
	switch strings.ToUpper(level) {
	case "DEBUG":
		l = slog.LevelDebug
	case "WARN", "WARNING":
		l = slog.LevelWarn
	case "ERROR":
		l = slog.LevelError
	default:
		l = slog.LevelInfo
	}
	return slog.New(slog.NewJSONHandler(w, &slog.HandlerOptions{Level: l}))
}
