package main

import (
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"linnstream/internal/linnworks"
	"linnstream/internal/linnworks/badge"
	"linnstream/internal/linnworkssandbox"
	"linnstream/internal/localenv"
	"linnstream/internal/localqueue"
	"linnstream/internal/queue"
	"linnstream/internal/streamsandbox"
	"linnstream/internal/webhook"
)

// Config is what the local runtime needs to start.
type Config struct {
	// Addr is the listen address, loopback by default.
	Addr string
	// DataDir holds the embedded store and the local secret key.
	DataDir string
	// BaseURL is the public base of the server (scheme, host and port), used
	// to build URLs that are handed out (sandbox bases, webhook URLs).
	BaseURL string
	// WrapWriteBack, when set, wraps the write-back (Deps.WritebackConsumer)
	// that consumes the in-process write-back queue, so the Stream
	// sandbox's webhooks change the Linnworks sandbox's orders; tests hold,
	// watch or replace the write-back with it.
	WrapWriteBack func(queue.Handler) queue.Handler
	// Queue adjusts the write-back queue (backoff, clock).
	Queue localqueue.Config
}

// The Linnworks application the local runtime presents to the Linnworks
// sandbox, which accepts any.
const (
	sandboxAppID     = "6c0d8a47-1f5e-4b2a-9c3d-8e7f6a5b4c3d"
	sandboxAppSecret = "2e4f6a8c-0b1d-4e3f-a5c7-9d1b3f5a7c9e"
)

// Mount points of the sandboxes.
const (
	streamSandboxPrefix    = "/sandbox/stream"
	linnworksSandboxPrefix = "/sandbox/linnworks"
)

// Server is the local runtime's HTTP handler with everything it owns.
type Server struct {
	cfg     Config
	mux     *http.ServeMux
	env     *localenv.Env
	sync    *syncer
	poll    *dispatchPoller
	closers []func() error
}

// New builds the local runtime: the contract endpoints on the embedded
// store, and the Stream and Linnworks sandboxes beside them.
func New(cfg Config, logger *slog.Logger) (*Server, error) {
	env, err := localenv.Open(cfg.DataDir, logger, localenv.Options{
		PublicBaseURL: cfg.BaseURL,
		Linnworks: linnworks.Config{
			AuthURL:           cfg.BaseURL + linnworksSandboxPrefix + "/api/Auth/AuthorizeByApplication",
			ApplicationID:     sandboxAppID,
			ApplicationSecret: sandboxAppSecret,
		},
		Queue: cfg.Queue,
	})
	if err != nil {
		return nil, err
	}
	s := &Server{cfg: cfg, mux: http.NewServeMux(), env: env, closers: []func() error{env.Close}}
	fail := func(err error) (*Server, error) {
		s.Close()
		return nil, err
	}

	handlers, err := env.Deps.Shipping()
	if err != nil {
		return fail(err)
	}
	s.mux.Handle("/linnworks/", handlers.Mux())
	s.mux.Handle("GET /identifiers/", badge.Handler())
	receiver, err := env.Deps.WebhookReceiver()
	if err != nil {
		return fail(err)
	}
	s.mux.Handle(strings.TrimSuffix(webhook.Path, "{key}"), receiver)
	s.mux.HandleFunc("GET /local/queues", s.queues)
	s.mux.HandleFunc("POST /local/queues/{name}/redrive", s.redrive)

	// The sandbox posts webhooks to this same server, several at once. A
	// pooled client may dial a spare connection it then never uses, which
	// holds up a graceful shutdown; one connection per delivery does not.
	hooks := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
	stream := streamsandbox.New(streamsandbox.Options{Logger: logger.With("component", "stream-sandbox"), WebhookClient: hooks})
	s.mux.Handle(streamSandboxPrefix+"/", http.StripPrefix(streamSandboxPrefix, stream))
	lw, err := linnworkssandbox.New(linnworkssandbox.Options{Logger: logger.With("component", "linnworks-sandbox")})
	if err != nil {
		return fail(err)
	}
	s.mux.Handle(linnworksSandboxPrefix+"/", http.StripPrefix(linnworksSandboxPrefix, lw))

	writer, err := env.Deps.WritebackConsumer()
	if err != nil {
		return fail(err)
	}
	consume := queue.Handler(writer.Handle)
	if cfg.WrapWriteBack != nil {
		consume = cfg.WrapWriteBack(consume)
	}
	env.WriteBack.SetHandler(consume)
	// The sync's write-backs are applied at once. One that fails stops the
	// run; the next run queues the write-back of every order Stream holds
	// that Linnworks does not show as sent, so nothing is lost.
	worker, err := env.Deps.OrderSync(queue.Direct{Handler: writer.Handle})
	if err != nil {
		return fail(err)
	}
	s.sync = &syncer{profiles: env.Deps.Profiles, worker: worker, log: logger}
	s.mux.HandleFunc("POST /local/sync", s.sync.serveSync)
	poller, err := env.Deps.DispatchPoll()
	if err != nil {
		return fail(err)
	}
	s.poll = &dispatchPoller{poller: poller, log: logger}
	s.mux.HandleFunc("POST /local/poll", s.poll.servePoll)

	s.mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte(`{"status":"ok"}`))
	})
	return s, nil
}

func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.mux.ServeHTTP(w, r) }

// localQueues are the in-process queues by name.
func (s *Server) localQueues() map[string]*localqueue.Queue {
	return map[string]*localqueue.Queue{localenv.WriteBackQueueName: s.env.WriteBack}
}

// queues answers GET /local/queues: each queue's waiting, in-flight and
// dead-lettered counts (and how many were sent, dropped as duplicates and
// done).
func (s *Server) queues(w http.ResponseWriter, _ *http.Request) {
	out := struct {
		Queues []localqueue.Stats `json:"queues"`
	}{Queues: []localqueue.Stats{}}
	for _, q := range s.localQueues() {
		out.Queues = append(out.Queues, q.Stats())
	}
	writeJSON(w, http.StatusOK, out)
}

// redrive answers POST /local/queues/{name}/redrive: the dead letters go
// back to the queue, as an SQS redrive does.
func (s *Server) redrive(w http.ResponseWriter, r *http.Request) {
	q, ok := s.localQueues()[r.PathValue("name")]
	if !ok {
		writeJSON(w, http.StatusNotFound, map[string]string{"error": "no such queue"})
		return
	}
	writeJSON(w, http.StatusOK, map[string]int{"redriven": q.Redrive()})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, _ := json.Marshal(v)
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	w.Write(b)
}

// Close releases what the server holds (the embedded store).
func (s *Server) Close() error {
	var first error
	for i := len(s.closers) - 1; i >= 0; i-- {
		if err := s.closers[i](); err != nil && first == nil {
			first = err
		}
	}
	s.closers = nil
	return first
}

// Banner is what `make run` prints once the server is ready: where
// everything is and the sandbox credentials to type into the wizard.
func (s *Server) Banner() string {
	base := s.cfg.BaseURL
	var b strings.Builder
	fmt.Fprintf(&b, "linnstream is running at %s (data in %s)\n", base, s.cfg.DataDir)
	fmt.Fprintf(&b, "  health:              %s/healthz\n", base)
	fmt.Fprintf(&b, "  Linnworks endpoints: POST %s/linnworks/<ContractName>\n", base)
	fmt.Fprintf(&b, "  Stream webhooks:     POST %s/stream/webhook/<key>\n", base)
	fmt.Fprintf(&b, "  queues:              %s/local/queues\n", base)
	fmt.Fprintf(&b, "  order sync now:      POST %s/local/sync (and every SYNC_EVERY, default 1m)\n", base)
	fmt.Fprintf(&b, "  dispatch poll now:   POST %s/local/poll (and every POLL_EVERY, default 1m)\n", base)
	fmt.Fprintf(&b, "Stream sandbox (use these in the wizard's STREAM_CREDENTIALS stage):\n")
	fmt.Fprintf(&b, "  STREAM_API_URL:       %s%s/api\n", base, streamSandboxPrefix)
	fmt.Fprintf(&b, "  STREAM_CLIENT_ID:     %s\n", streamsandbox.DefaultClientID)
	fmt.Fprintf(&b, "  STREAM_CLIENT_SECRET: %s\n", streamsandbox.DefaultClientSecret)
	fmt.Fprintf(&b, "  admin:                %s%s/admin/orders\n", base, streamSandboxPrefix)
	fmt.Fprintf(&b, "Linnworks sandbox:\n")
	fmt.Fprintf(&b, "  auth:                 %s%s/api/Auth/AuthorizeByApplication\n", base, linnworksSandboxPrefix)
	fmt.Fprintf(&b, "  LINNWORKS_API_TOKEN:  %s (with any application id and secret GUIDs)\n", linnworkssandbox.DefaultInstallToken)
	fmt.Fprintf(&b, "  admin:                %s%s/admin/requests\n", base, linnworksSandboxPrefix)
	return b.String()
}
