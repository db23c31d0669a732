package shipping_test

import (
	"net"
	"regexp"
	"strings"
	"testing"
	"time"

	"linnstream/internal/services"
	"linnstream/internal/stream"
	"linnstream/internal/wizard"
)

// limitWording is what a request held by the client's own limiter says.
var limitWording = regexp.MustCompile(`Stream's request limit for this account is used up for the next \d+ s; try again then`)

// rawTransport is Go's transport text, which no ErrorMessage may carry.
var rawTransport = []string{`Post "`, `Get "`, "dial tcp", "EOF", "connect: ", "read tcp"}

func noTransportText(t *testing.T, msg string) {
	t.Helper()
	for _, raw := range rawTransport {
		if strings.Contains(msg, raw) {
			t.Errorf("message %q carries transport text %q", msg, raw)
		}
	}
}

// Whichever call of a label the client's limiter holds back (the token, the
// depots, the read-back, the create), GenerateLabel says at once that the
// account's request limit is used up, never that the request ran out of
// time, and no Stream order is created past the limit.
func TestGenerateLabelHeldByTheLimiterSaysSo(t *testing.T) {
	held := 0
	for limit := 1; limit <= 6; limit++ {
		e := newLabelEnv(t, labelSetup{poolOpts: []stream.Option{stream.WithRateLimit(limit, time.Minute)}})
		tok := e.addProfile("sandbox", "sandbox-secret", nil)
		r := e.generate(labelRequest(tok, e.serviceID("sandbox", justin, courier), 9100+limit))
		if !r.isError() {
			continue
		}
		held++
		msg := r.message()
		t.Logf("limit %d: %s", limit, msg)
		if !limitWording.MatchString(msg) || strings.Contains(msg, "time limit") {
			t.Errorf("limit %d: message %q does not say the request limit is used up", limit, msg)
		}
		if n := len(e.orders()); n != 0 {
			t.Errorf("limit %d: %d Stream orders created past the limit", limit, n)
		}
	}
	if held == 0 {
		t.Fatal("no label was held back by the limiter; the test proves nothing")
	}
}

// A Stream API URL whose host refuses connections is reported as a wrong
// URL to fix, in words, by the services list and by a label.
func TestWrongStreamURLSaysCheckTheURL(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	dead := "http://" + ln.Addr().String() + "/api"
	ln.Close()
	e := newLabelEnv(t, labelSetup{})
	tok := e.addProfile("sandbox", "sandbox-secret", func(s map[string]string) { s[wizard.ItemStreamAPIURL] = dead })

	r := e.post("UserAvailableServices", map[string]string{"AuthorizationToken": tok})
	msg := r.message()
	t.Logf("UserAvailableServices: %s", msg)
	if !r.isError() || !strings.Contains(msg, "check STREAM_API_URL") || !strings.Contains(msg, "refused the connection") ||
		strings.Contains(msg, "try again") {
		t.Errorf("UserAvailableServices: %q", msg)
	}
	noTransportText(t, msg)

	svc := services.ServiceID(stream.Account{BaseURL: dead, ClientID: "sandbox"}, stream.ID(justin), stream.ID(courier))
	g := e.generate(labelRequest(tok, svc, 9200))
	msg = g.message()
	t.Logf("GenerateLabel: %s", msg)
	if !g.isError() || !strings.Contains(msg, "check STREAM_API_URL") || !strings.Contains(msg, "refused the connection") {
		t.Errorf("GenerateLabel: %q", msg)
	}
	noTransportText(t, msg)
}

// A connection Stream closes without answering is told in words.
func TestDroppedConnectionInWords(t *testing.T) {
	e := newLabelEnv(t, labelSetup{poolOpts: []stream.Option{stream.WithBackoff(time.Millisecond, 2*time.Millisecond)}})
	tok := e.addProfile("sandbox", "sandbox-secret", nil)
	// Every attempt of the first read is dropped.
	e.admin("faults", map[string]any{"mode": "drop", "count": 20})
	r := e.post("UserAvailableServices", map[string]string{"AuthorizationToken": tok})
	msg := r.message()
	if !r.isError() || !strings.Contains(msg, "was closed before Stream answered") {
		t.Errorf("message %q does not say the connection was closed", msg)
	}
	noTransportText(t, msg)
}
