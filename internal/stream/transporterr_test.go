package stream

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// rawTransportText is what Go's transport writes and an operator must
// never be shown: the method and quoted URL, dial details, bare EOF.
var rawTransportText = []string{`Post "`, `Get "`, "dial tcp", "EOF", "x509:", "tls:", "lookup ", "read tcp", "127.0.0.1:0"}

func assertWords(t *testing.T, err error, want string) {
	t.Helper()
	if err == nil {
		t.Fatal("no error")
	}
	msg := err.Error()
	if !strings.Contains(msg, want) {
		t.Fatalf("error %q does not say %q", msg, want)
	}
	for _, raw := range rawTransportText {
		if strings.Contains(msg, raw) {
			t.Fatalf("error %q carries transport text %q", msg, raw)
		}
	}
}

// Each way a connection to Stream can fail is said in words, and the ones
// that show the configured address is wrong match ErrWrongURL (and
// ErrConfiguration) while passing faults do not.
func TestTransportFailuresInWords(t *testing.T) {
	refusedAddr := func(t *testing.T) string {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		addr := ln.Addr().String()
		ln.Close()
		return addr
	}
	plain := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { hangUp(w) }))
	t.Cleanup(plain.Close)
	tlsSrv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	t.Cleanup(tlsSrv.Close)
	// The slow server holds each request until the test ends, so the
	// client's own timeout is what ends the exchange.
	hold := make(chan struct{})
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { <-hold }))
	t.Cleanup(slow.Close)
	t.Cleanup(func() { close(hold) })
	noDNS := &http.Client{Transport: &http.Transport{DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
		return nil, &net.OpError{Op: "dial", Net: network, Err: &net.DNSError{Err: "no such host", Name: "stream.invalid", IsNotFound: true}}
	}}}
	dnsDown := &http.Client{Transport: &http.Transport{DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
		return nil, &net.OpError{Op: "dial", Net: network, Err: &net.DNSError{Err: "server misbehaving", Name: "stream.example", IsTemporary: true}}
	}}}

	for _, tt := range []struct {
		name  string
		base  func(t *testing.T) string
		hc    *http.Client
		words string
		wrong bool
	}{
		{"unknown host", func(*testing.T) string { return "https://stream.invalid/api" }, noDNS,
			"the host stream.invalid does not exist (its name is not found in DNS)", true},
		{"DNS not answering", func(*testing.T) string { return "https://stream.example/api" }, dnsDown,
			"the address of stream.example could not be looked up", false},
		{"connection refused", func(t *testing.T) string { return "http://" + refusedAddr(t) + "/api" }, nil,
			"refused the connection", true},
		{"untrusted certificate", func(*testing.T) string { return tlsSrv.URL + "/api" }, nil,
			"presented a certificate that is not valid for it", true},
		{"https to a plain http server", func(*testing.T) string { return "https" + strings.TrimPrefix(plain.URL, "http") + "/api" }, nil,
			"does not speak HTTPS at that address", true},
		{"connection closed", func(*testing.T) string { return plain.URL + "/api" }, nil,
			"was closed before Stream answered", false},
		{"no answer in time", func(*testing.T) string { return slow.URL + "/api" }, &http.Client{Timeout: 50 * time.Millisecond},
			"did not answer in time", false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			opts := []Option{WithBackoff(time.Millisecond, 2*time.Millisecond)}
			if tt.hc != nil {
				opts = append(opts, WithHTTPClient(tt.hc))
			}
			c, err := New(Account{BaseURL: tt.base(t), ClientID: "id", ClientSecret: "a-client-secret"}, opts...)
			if err != nil {
				t.Fatal(err)
			}
			err = c.Authenticate(context.Background())
			var ne *NetworkError
			if !errors.As(err, &ne) {
				t.Fatalf("err = %v, want a NetworkError", err)
			}
			assertWords(t, err, tt.words)
			if !strings.HasPrefix(err.Error(), "stream get token: ") {
				t.Errorf("error %q does not name the operation", err)
			}
			if got := errors.Is(err, ErrWrongURL); got != tt.wrong {
				t.Errorf("errors.Is(ErrWrongURL) = %v, want %v (%v)", got, tt.wrong, err)
			}
			if got := errors.Is(err, ErrConfiguration); got != tt.wrong {
				t.Errorf("errors.Is(ErrConfiguration) = %v, want %v", got, tt.wrong)
			}
		})
	}
}

// A wrong address that answers HTML or has no token endpoint is a wrong
// URL too.
func TestWrongAPIRootIsWrongURL(t *testing.T) {
	for _, tt := range []struct {
		name string
		h    http.HandlerFunc
	}{
		{"HTML page", func(w http.ResponseWriter, r *http.Request) {
			writeRaw(w, 200, "text/html", "<html><title>Welcome</title></html>")
		}},
		{"HTML 404", func(w http.ResponseWriter, r *http.Request) {
			writeRaw(w, 404, "text/html", "<html><title>Not Found</title></html>")
		}},
		{"JSON 404", func(w http.ResponseWriter, r *http.Request) {
			writeJSON(w, 404, map[string]any{"errors": []any{map[string]any{"code": "NOTFOUND"}}})
		}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			srv := httptest.NewServer(tt.h)
			t.Cleanup(srv.Close)
			c, err := New(Account{BaseURL: srv.URL + "/wrong", ClientID: "id", ClientSecret: "a-client-secret"})
			if err != nil {
				t.Fatal(err)
			}
			err = c.Authenticate(context.Background())
			if !errors.Is(err, ErrWrongURL) || !errors.Is(err, ErrConfiguration) {
				t.Fatalf("err = %v, want a wrong URL", err)
			}
		})
	}
}

// Retrying cannot make an unknown host exist: the client gives up after
// one attempt, while a refused connection (a restart) is retried.
func TestUnknownHostNotRetried(t *testing.T) {
	dials := 0
	hc := &http.Client{Transport: &http.Transport{DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
		dials++
		return nil, &net.OpError{Op: "dial", Net: network, Err: &net.DNSError{Err: "no such host", Name: "stream.invalid", IsNotFound: true}}
	}}}
	c, err := New(Account{BaseURL: "https://stream.invalid/api", ClientID: "id", ClientSecret: "a-client-secret"},
		WithHTTPClient(hc), WithBackoff(time.Millisecond, 2*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Authenticate(context.Background()); !errors.Is(err, ErrWrongURL) {
		t.Fatalf("err = %v", err)
	}
	if dials != 1 {
		t.Fatalf("%d dials, want 1", dials)
	}
}
