// Package mototest runs moto_server, a local emulation of AWS, for
// integration tests of the DynamoDB, SQS and KMS adapters. One server serves
// a whole test binary: TestMain calls Main, tests call Get.
//
// The server listens on a free port on 127.0.0.1 only, runs in its own
// process group, and is killed when the test binary stops, even if it dies
// without cleaning up.
package mototest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"

	"linnstream/internal/pytools"
)

// Program is the executable Start looks for, in the repository's .venv or on
// PATH (see pytools.Find).
const Program = "moto_server"

// ErrNotInstalled is returned by Start when moto_server is neither in .venv
// nor on PATH.
var ErrNotInstalled = errors.New(Program + " not found in .venv/bin or on PATH; " + pytools.Hint)

// startTimeout bounds how long Start waits for the server to answer; a
// Python interpreter importing moto on a busy machine can take a while.
const startTimeout = 60 * time.Second

// Required reports whether moto tests must run rather than skip: they must
// in CI (CI=true).
func Required() bool {
	v, _ := strconv.ParseBool(os.Getenv("CI"))
	return v
}

// Server is a running moto_server.
type Server struct {
	endpoint string
	cmd      *exec.Cmd
	exited   chan struct{} // closed when the process has exited
	waitErr  error         // set before exited is closed
	output   *tailBuffer
	once     sync.Once
}

// Endpoint returns the server's base URL, http://127.0.0.1:<port>.
func (s *Server) Endpoint() string { return s.endpoint }

// Start runs moto_server on a free loopback port and waits until it
// answers. The caller must Close it.
func Start() (*Server, error) {
	path, err := pytools.Find(Program)
	if err != nil {
		return nil, ErrNotInstalled
	}
	// The port is free when chosen but another process may take it before
	// moto binds; then moto exits and a new port is tried.
	var lastErr error
	for range 3 {
		port, err := freePort()
		if err != nil {
			return nil, fmt.Errorf("start %s: %w", Program, err)
		}
		s, err := start(path, port)
		if err == nil {
			return s, nil
		}
		lastErr = err
	}
	return nil, lastErr
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("find a free port: %w", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

func start(path string, port int) (*Server, error) {
	s := &Server{
		endpoint: "http://127.0.0.1:" + strconv.Itoa(port),
		exited:   make(chan struct{}),
		output:   &tailBuffer{max: 8 << 10},
	}
	s.cmd = exec.Command(path, "-H", "127.0.0.1", "-p", strconv.Itoa(port))
	s.cmd.Stdout = s.output
	s.cmd.Stderr = s.output
	s.cmd.SysProcAttr = procAttr()

	// The parent-death signal is tied to the OS thread that forks the
	// child, so the fork happens on a locked thread that stays alive,
	// blocked in Wait, for as long as the server runs.
	started := make(chan error, 1)
	go func() {
		runtime.LockOSThread()
		defer runtime.UnlockOSThread()
		if err := s.cmd.Start(); err != nil {
			started <- err
			return
		}
		started <- nil
		s.waitErr = s.cmd.Wait()
		close(s.exited)
	}()
	if err := <-started; err != nil {
		return nil, fmt.Errorf("start %s: %w", Program, err)
	}
	if err := s.waitReady(); err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

// waitReady polls moto's own API until it answers, failing early if the
// process exits (for example because the port was taken).
func (s *Server) waitReady() error {
	client := &http.Client{Timeout: 2 * time.Second}
	deadline := time.Now().Add(startTimeout)
	for {
		select {
		case <-s.exited:
			return fmt.Errorf("%s exited before answering (%v): %s", Program, s.waitErr, s.output.String())
		default:
		}
		resp, err := client.Get(s.endpoint + "/moto-api/data.json")
		if err == nil {
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				// A server that answered but whose process has gone is
				// someone else's on the same port.
				select {
				case <-s.exited:
					continue
				default:
					return nil
				}
			}
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%s did not answer on %s within %s: %s", Program, s.endpoint, startTimeout, s.output.String())
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// Close stops the server and everything in its process group, and waits
// for it to exit. It is safe to call more than once.
func (s *Server) Close() {
	s.once.Do(func() {
		pgid := s.cmd.Process.Pid
		_ = syscall.Kill(-pgid, syscall.SIGTERM)
		select {
		case <-s.exited:
		case <-time.After(5 * time.Second):
			_ = syscall.Kill(-pgid, syscall.SIGKILL)
			<-s.exited
		}
		// Children that ignored SIGTERM must not outlive the group leader.
		_ = syscall.Kill(-pgid, syscall.SIGKILL)
	})
}

// Exited reports whether the server process has exited.
func (s *Server) Exited() bool {
	select {
	case <-s.exited:
		return true
	default:
		return false
	}
}

// tailBuffer keeps the last max bytes written to it, for error messages.
type tailBuffer struct {
	mu  sync.Mutex
	max int
	buf bytes.Buffer
}

func (b *tailBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.buf.Write(p)
	if over := b.buf.Len() - b.max; over > 0 {
		b.buf.Next(over)
	}
	return len(p), nil
}

func (b *tailBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// shared is the server Main started for this test binary.
var shared struct {
	srv *Server
	err error
}

// Main starts one server for the test binary, runs its tests, stops the
// server and returns the exit code: use it as os.Exit(mototest.Main(m)).
// Without moto_server on PATH the tests still run and Get skips them,
// unless Required, when Main fails before running any test.
func Main(m *testing.M) int {
	srv, err := Start()
	switch {
	case err == nil:
		shared.srv = srv
		defer srv.Close()
	case errors.Is(err, ErrNotInstalled) && !Required():
		// Outside CI the moto tests skip; say so on stderr too (go test -v
		// and failing runs show it), not only in each test's skip reason.
		fmt.Fprintf(os.Stderr, "mototest: WARNING: the tests that need AWS emulation will SKIP: %v\n", err)
		shared.err = err
	default:
		fmt.Fprintf(os.Stderr, "mototest: %v\n", err)
		return 1
	}
	return m.Run()
}

// Get returns the server Main started. If there is none it skips the test
// with the reason, or fails it when moto tests are Required.
func Get(t testing.TB) *Server {
	t.Helper()
	if shared.srv != nil {
		return shared.srv
	}
	reason := "mototest.Main did not run in TestMain"
	if shared.err != nil {
		reason = shared.err.Error()
	}
	if Required() {
		t.Fatalf("moto_server is required (CI=true): %s", reason)
	}
	t.Skipf("SKIPPED, not tested: %s (CI=true makes this a failure)", reason)
	return nil
}

// Context returns a context for one moto call sequence in a test.
func Context(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// PID returns the server's process ID, which is also its process group ID.
func (s *Server) PID() int { return s.cmd.Process.Pid }
