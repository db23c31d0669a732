package main

import (
	"fmt"
	"log/slog"
	"net/http"
	"strings"
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
}

// Server is the local runtime's HTTP handler with everything it owns.
type Server struct {
	cfg     Config
	mux     *http.ServeMux
	closers []func() error
}

// New builds the local runtime.
func New(cfg Config, logger *slog.Logger) (*Server, error) {
	s := &Server{cfg: cfg, mux: http.NewServeMux()}
	s.mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte(`{"status":"ok"}`))
	})
	return s, nil
}

func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.mux.ServeHTTP(w, r) }

// Close releases what the server holds (the embedded store).
func (s *Server) Close() error {
	var first error
	for i := len(s.closers) - 1; i >= 0; i-- {
		if err := s.closers[i](); err != nil && first == nil {
			first = err
		}
	}
	return first
}

// Banner is what `make run` prints once the server is ready.
func (s *Server) Banner() string {
	var b strings.Builder
	fmt.Fprintf(&b, "linnstream is running at %s\n", s.cfg.BaseURL)
	fmt.Fprintf(&b, "  health: %s/healthz\n", s.cfg.BaseURL)
	return b.String()
}
