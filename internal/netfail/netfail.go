// Package netfail says in words what a failed HTTP exchange means, for the
// clients of Stream and Linnworks. Go's transport text (`Post "https://…":
// EOF`, `dial tcp 10.0.0.1:443: connect: connection refused`) names the whole
// URL and Go internals; an operator reading a Linnworks error message or a
// log line can act on "the connection was closed before Stream answered".
package netfail

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"io"
	"net"
	"strings"
	"syscall"
)

// ErrAnswerCut marks (wrapped with %w) a failure while reading an answer
// whose status had already arrived.
var ErrAnswerCut = errors.New("reading the answer")

// Describe says in words what a failed exchange with service at host
// means, without the transport's own text. wrongAddress reports failures
// that point at the configured address rather than at a passing fault: a
// host that does not exist, refuses connections, or does not complete a TLS
// handshake for that name.
func Describe(err error, service, host string) (text string, wrongAddress bool) {
	var (
		dnsErr  *net.DNSError
		certErr *tls.CertificateVerificationError
		unknown x509.UnknownAuthorityError
		name    x509.HostnameError
		invalid x509.CertificateInvalidError
		record  tls.RecordHeaderError
		alert   tls.AlertError
		netErr  net.Error
	)
	switch {
	case err == nil:
		return "the request to " + service + " (" + host + ") failed", false
	case errors.Is(err, ErrAnswerCut):
		return "the answer from " + service + " (" + host + ") was cut off", false
	case errors.Is(err, context.Canceled):
		return "the request to " + service + " (" + host + ") was cancelled before " + service + " answered", false
	case errors.As(err, &dnsErr) && dnsErr.IsNotFound:
		return "the host " + host + " does not exist (its name is not found in DNS)", true
	case errors.As(err, &dnsErr):
		return "the address of " + host + " could not be looked up (DNS did not answer)", false
	case errors.Is(err, syscall.ECONNREFUSED):
		return host + " refused the connection: nothing there accepts requests at that address and port", true
	case errors.As(err, &certErr), errors.As(err, &unknown), errors.As(err, &name), errors.As(err, &invalid):
		return host + " presented a certificate that is not valid for it, so the secure connection was not made", true
	case errors.As(err, &record), strings.Contains(err.Error(), "server gave HTTP response to HTTPS client"):
		return host + " does not speak HTTPS at that address (is the scheme or port wrong?)", true
	case errors.As(err, &alert):
		return "the secure connection to " + host + " failed during the TLS handshake", true
	case errors.Is(err, context.DeadlineExceeded), errors.As(err, &netErr) && netErr.Timeout():
		return service + " (" + host + ") did not answer in time", false
	case errors.Is(err, syscall.ECONNRESET), errors.Is(err, syscall.EPIPE):
		return "the connection to " + service + " (" + host + ") was reset before " + service + " answered", false
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return "the connection to " + service + " (" + host + ") was closed before " + service + " answered", false
	case errors.Is(err, syscall.EHOSTUNREACH), errors.Is(err, syscall.ENETUNREACH):
		return host + " could not be reached from this network", false
	}
	return "the request to " + service + " (" + host + ") failed before an answer came back", false
}
