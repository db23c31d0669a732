// Package shipping is the Linnworks shipping-integration contract: the wire
// types, the decoding and error conventions every endpoint shares, and one
// handler per endpoint. Each endpoint is a plain http.Handler answering
// POST /linnworks/<ContractName>; a Lambda function wraps one of them, the
// local runtime mounts Mux.
//
// Every outcome is HTTP 200 with IsError/ErrorMessage, as Linnworks expects:
// wrong methods, oversized or malformed bodies, wrong field types, missing,
// unknown or deleted tokens, validation failures, time-outs and internal
// errors alike. A request that fails changes nothing.
package shipping

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"regexp"
	"time"

	"linnstream/internal/profile"
	"linnstream/internal/queue"
	"linnstream/internal/wizard"
)

// Limits and defaults of every endpoint.
const (
	// MaxBodyBytes is the largest request body read (1 MiB).
	MaxBodyBytes = 1 << 20
	// DefaultTimeout bounds each request, below API Gateway's 30 s cut so
	// Linnworks gets a clear IsError instead of a gateway time-out.
	DefaultTimeout = 25 * time.Second
	// DefaultDeletedRetention is how long a deleted profile is kept before
	// storage drops it (TTL).
	DefaultDeletedRetention = 30 * 24 * time.Hour
)

// Config holds the dependencies of the handlers.
type Config struct {
	// Store keeps profiles. Required.
	Store profile.Store
	// Wizard defines and applies the configuration stages. Required; it
	// also knows the public base URL that WEBHOOK_URL is built from.
	Wizard *wizard.Wizard
	// Logger receives one JSON line per request; default slog.Default().
	Logger *slog.Logger
	// Now is the clock; default time.Now.
	Now func() time.Time
	// Random is the source of tokens and webhook keys; default
	// crypto/rand.Reader.
	Random io.Reader
	// Timeout bounds each request; default DefaultTimeout.
	Timeout time.Duration
	// DeletedRetention is how long a deleted profile stays stored; default
	// DefaultDeletedRetention.
	DeletedRetention time.Duration
	// RequestID names a request in logs and internal-error messages;
	// default: a valid X-Request-Id header, else a random id.
	RequestID func(*http.Request) string
	// Services lists and resolves a profile's services (Stream depots ×
	// delivery methods), e.g. a *services.Catalogue. Optional: without it
	// UserAvailableServices and Quote answer that services are not
	// configured.
	Services ServiceCatalogue
	// Manifests files and reads manifests, e.g. a shipment.Store.
	// Optional: without it CreateManifest and PrintManifest answer that
	// manifests are not configured.
	Manifests ManifestStore
	// Streams hands out Stream clients, e.g. a *stream.Pool. Optional:
	// without it (or Creator, or Services) GenerateLabel and CancelLabel
	// answer that labels are not configured.
	Streams StreamAccounts
	// Creator creates each order's Stream order at most once and records
	// cancellations, e.g. a *shipment.Creator.
	Creator ShipmentCreator
	// Shipments reads shipment records, e.g. a shipment.Store; CancelLabel
	// and PrintManifest (which marks orders cancelled since filing) need it.
	Shipments ShipmentLookup
	// Writeback queues the write-back message of each label (Sent to
	// Stream, or Error from Stream on a refusal). Optional: without it no
	// message is queued and the dispatch poll catches up.
	Writeback queue.Sender
}

// Handlers serves the contract endpoints. Build it once with New and share
// it; it is safe for concurrent use.
type Handlers struct {
	store     profile.Store
	wizard    *wizard.Wizard
	log       *slog.Logger
	now       func() time.Time
	random    io.Reader
	timeout   time.Duration
	retention time.Duration
	requestID func(*http.Request) string

	addNewUser, userConfig, updateConfig, configDeleted http.Handler

	services  ServiceCatalogue
	manifests ManifestStore

	userAvailableServices, quote, createManifest, printManifest http.Handler

	streams   StreamAccounts
	creator   ShipmentCreator
	shipments ShipmentLookup

	generateLabel, cancelLabel, extendedPropertyMapping http.Handler

	writebacks queue.Sender
}

// New returns the handlers for cfg.
func New(cfg Config) (*Handlers, error) {
	if cfg.Store == nil || cfg.Wizard == nil {
		return nil, errors.New("new shipping handlers: Store and Wizard are required")
	}
	h := &Handlers{
		store:     cfg.Store,
		wizard:    cfg.Wizard,
		log:       cfg.Logger,
		now:       cfg.Now,
		random:    cfg.Random,
		timeout:   cfg.Timeout,
		retention: cfg.DeletedRetention,
		requestID: cfg.RequestID,
	}
	if h.log == nil {
		h.log = slog.Default()
	}
	if h.now == nil {
		h.now = time.Now
	}
	if h.random == nil {
		h.random = rand.Reader
	}
	if h.timeout <= 0 {
		h.timeout = DefaultTimeout
	}
	if h.retention <= 0 {
		h.retention = DefaultDeletedRetention
	}
	if h.requestID == nil {
		h.requestID = defaultRequestID
	}
	h.addNewUser = endpoint(h, "AddNewUser", noAuth, h.handleAddNewUser)
	h.userConfig = endpoint(h, "UserConfig", activeProfile, h.handleUserConfig)
	h.updateConfig = endpoint(h, "UpdateConfig", activeProfile, h.handleUpdateConfig)
	h.configDeleted = endpoint(h, "ConfigDeleted", anyProfile, h.handleConfigDeleted)
	h.services, h.manifests = cfg.Services, cfg.Manifests
	h.userAvailableServices = endpoint(h, "UserAvailableServices", activeProfile, h.handleUserAvailableServices)
	h.quote = endpoint(h, "Quote", activeProfile, h.handleQuote)
	h.createManifest = endpoint(h, "CreateManifest", activeProfile, h.handleCreateManifest)
	h.printManifest = endpoint(h, "PrintManifest", activeProfile, h.handlePrintManifest)
	h.streams, h.creator, h.shipments = cfg.Streams, cfg.Creator, cfg.Shipments
	h.writebacks = cfg.Writeback
	h.generateLabel = endpoint(h, "GenerateLabel", activeProfile, h.handleGenerateLabel)
	h.cancelLabel = endpoint(h, "CancelLabel", activeProfile, h.handleCancelLabel)
	h.extendedPropertyMapping = endpoint(h, "ExtendedPropertyMapping", activeProfile, h.handleExtendedPropertyMapping)
	return h, nil
}

// AddNewUser creates a profile and returns its AuthorizationToken.
func (h *Handlers) AddNewUser() http.Handler { return h.addNewUser }

// UserConfig returns the profile's current wizard stage.
func (h *Handlers) UserConfig() http.Handler { return h.userConfig }

// UpdateConfig saves the values of the current wizard stage.
func (h *Handlers) UpdateConfig() http.Handler { return h.updateConfig }

// ConfigDeleted retires the profile: its token stops working at once, its
// secrets and personal settings are erased and the record expires later.
func (h *Handlers) ConfigDeleted() http.Handler { return h.configDeleted }

// UserAvailableServices lists one service per Stream depot × delivery
// method.
func (h *Handlers) UserAvailableServices() http.Handler { return h.userAvailableServices }

// Quote quotes the profile's delivery services for a consignment.
func (h *Handlers) Quote() http.Handler { return h.quote }

// CreateManifest files the listed orders into a new manifest.
func (h *Handlers) CreateManifest() http.Handler { return h.createManifest }

// PrintManifest renders a filed manifest as a PDF.
func (h *Handlers) PrintManifest() http.Handler { return h.printManifest }

// GenerateLabel creates the order's Stream order (at most once) and returns
// one label per package.
func (h *Handlers) GenerateLabel() http.Handler { return h.generateLabel }

// CancelLabel cancels the order's Stream order.
func (h *Handlers) CancelLabel() http.Handler { return h.cancelLabel }

// ExtendedPropertyMapping lists the extended properties GenerateLabel reads.
func (h *Handlers) ExtendedPropertyMapping() http.Handler { return h.extendedPropertyMapping }

// PathPrefix is where the contract endpoints live: PathPrefix + contract name.
const PathPrefix = "/linnworks/"

// Mux routes PathPrefix + <ContractName> to each endpoint. ConfigDeleted is
// also mounted as ConfigDelete, the spelling of the 2020 sample manifest.
// Routes match every method so that a non-POST request gets the contract's
// 200 + IsError answer rather than a bare 405.
func (h *Handlers) Mux() *http.ServeMux {
	m := http.NewServeMux()
	m.Handle(PathPrefix+"AddNewUser", h.addNewUser)
	m.Handle(PathPrefix+"UserConfig", h.userConfig)
	m.Handle(PathPrefix+"UpdateConfig", h.updateConfig)
	m.Handle(PathPrefix+"ConfigDeleted", h.configDeleted)
	m.Handle(PathPrefix+"ConfigDelete", h.configDeleted)
	m.Handle(PathPrefix+"UserAvailableServices", h.userAvailableServices)
	m.Handle(PathPrefix+"Quote", h.quote)
	m.Handle(PathPrefix+"CreateManifest", h.createManifest)
	m.Handle(PathPrefix+"PrintManifest", h.printManifest)
	m.Handle(PathPrefix+"GenerateLabel", h.generateLabel)
	m.Handle(PathPrefix+"CancelLabel", h.cancelLabel)
	m.Handle(PathPrefix+"ExtendedPropertyMapping", h.extendedPropertyMapping)
	return m
}

var requestIDPattern = regexp.MustCompile(`^[A-Za-z0-9._:-]{1,64}$`)

func defaultRequestID(r *http.Request) string {
	if id := r.Header.Get("X-Request-Id"); requestIDPattern.MatchString(id) {
		return id
	}
	b := make([]byte, 8)
	rand.Read(b)
	return hex.EncodeToString(b)
}
