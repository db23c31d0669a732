// Command localrun serves the whole of linnstream on one address for
// development and demos: the Linnworks contract endpoints, the identifier
// images and in-process sandboxes of Stream and Linnworks, on an embedded
// store. It shares every handler and all domain code with the Lambda
// functions; only the adapters differ.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"linnstream/internal/embedded"
)

func main() {
	var cfg Config
	flag.StringVar(&cfg.Addr, "addr", envOr("ADDR", "127.0.0.1:3000"), "listen address")
	flag.StringVar(&cfg.DataDir, "data", envOr("DATA_DIR", ".local"), "directory of the embedded store and local secret key")
	flag.Parse()

	logger := slog.New(slog.NewJSONHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, cfg, logger, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "localrun:", err)
		os.Exit(1)
	}
}

func envOr(key, def string) string {
	if v := os.Getenv(key); v != "" {
		return v
	}
	return def
}

// run listens on cfg.Addr, prints the banner to out once ready and serves
// until ctx is done.
func run(ctx context.Context, cfg Config, logger *slog.Logger, out interface{ Write([]byte) (int, error) }) error {
	syncEvery, err := every("SYNC_EVERY")
	if err != nil {
		return err
	}
	pollEvery, err := every("POLL_EVERY")
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", cfg.Addr, err)
	}
	cfg.BaseURL = "http://" + ln.Addr().String()
	srv, err := New(cfg, logger)
	if err != nil {
		ln.Close()
		return err
	}
	defer srv.Close()

	hs := &http.Server{Handler: srv, ReadHeaderTimeout: 10 * time.Second}
	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(ln) }()
	fmt.Fprint(out, srv.Banner())
	sweepCtx, stopSweeping := context.WithCancel(ctx)
	defer stopSweeping()
	go sweep(sweepCtx, srv.env.DB, logger)
	go srv.sync.loop(sweepCtx, syncEvery)
	go srv.poll.loop(sweepCtx, pollEvery)

	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := hs.Shutdown(shutdownCtx); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// sweepEvery is how often the local runtime drops expired records, as
// DynamoDB's TTL does in AWS.
const sweepEvery = time.Hour

// sweep drops expired records from the embedded store now and every
// sweepEvery until ctx is done.
func sweep(ctx context.Context, db *embedded.DB, logger *slog.Logger) {
	t := time.NewTicker(sweepEvery)
	defer t.Stop()
	for {
		n, err := db.Sweep(time.Now())
		switch {
		case err != nil:
			logger.Warn("sweep of expired records failed", "err", err)
		case n > 0:
			logger.Info("swept expired records", "count", n)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
