package stream

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

// errAnswerCut marks a failure while reading an answer whose status had
// already arrived.
var errAnswerCut = errors.New("reading the answer")

// describeTransport says in words what a failed HTTP exchange with host
// means, without the transport's own text (`Post "https://…": EOF`), which
// neither an operator in Linnworks nor a log reader can act on. wrongURL
// reports failures that point at the configured address rather than at a
// passing fault: a host that does not exist, refuses connections, or does
// not complete a TLS handshake for that name.
func describeTransport(err error, host string) (text string, wrongURL bool) {
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
		return "the request to " + host + " failed", false
	case errors.Is(err, errAnswerCut):
		return "the answer from Stream (" + host + ") was cut off", false
	case errors.Is(err, context.Canceled):
		return "the request to Stream (" + host + ") was cancelled before Stream answered", false
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
		return "Stream (" + host + ") did not answer in time", false
	case errors.Is(err, syscall.ECONNRESET), errors.Is(err, syscall.EPIPE):
		return "the connection to Stream (" + host + ") was reset before Stream answered", false
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return "the connection to Stream (" + host + ") was closed before Stream answered", false
	case errors.Is(err, syscall.EHOSTUNREACH), errors.Is(err, syscall.ENETUNREACH):
		return host + " could not be reached from this network", false
	}
	return "the request to Stream (" + host + ") failed before an answer came back", false
}
