package stream

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"
)

func TestAccountKeyNormalises(t *testing.T) {
	base := AccountKey("https://www.go2stream.net/api", "client-1", "PARTY")
	for _, tt := range []struct {
		name                   string
		baseURL, client, party string
		same                   bool
	}{
		{"identical", "https://www.go2stream.net/api", "client-1", "PARTY", true},
		{"upper-case host", "https://WWW.Go2Stream.NET/api", "client-1", "PARTY", true},
		{"upper-case scheme", "HTTPS://www.go2stream.net/api", "client-1", "PARTY", true},
		{"/API", "https://www.go2stream.net/API", "client-1", "PARTY", true},
		{"trailing slash", "https://www.go2stream.net/api/", "client-1", "PARTY", true},
		{"trailing slashes and spaces", "  https://www.go2stream.net/api// ", " client-1 ", " PARTY ", true},
		{"default port", "https://www.go2stream.net:443/api", "client-1", "PARTY", true},
		{"other host", "https://www.demo.go2stream.net/api", "client-1", "PARTY", false},
		{"other scheme", "http://www.go2stream.net/api", "client-1", "PARTY", false},
		{"other port", "https://www.go2stream.net:8443/api", "client-1", "PARTY", false},
		{"other path", "https://www.go2stream.net/v2/api", "client-1", "PARTY", false},
		{"other client", "https://www.go2stream.net/api", "client-2", "PARTY", false},
		{"other party", "https://www.go2stream.net/api", "client-1", "OTHER", false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got := AccountKey(tt.baseURL, tt.client, tt.party)
			if (got == base) != tt.same {
				t.Fatalf("AccountKey(%q, %q, %q) = %q; same as %q: %v, want %v", tt.baseURL, tt.client, tt.party, got, base, got == base, tt.same)
			}
		})
	}
	// The party defaults to the client id, as Stream-Party does.
	if AccountKey("https://x.test/api", "client-1", "") != AccountKey("https://x.test/api", "client-1", "client-1") {
		t.Error("an empty party is not the client id")
	}
}

// Two spellings of one account share one client: one token, one budget.
func TestPoolSharesAccountAcrossSpellings(t *testing.T) {
	clock := newFakeClock()
	f := newFake(t, func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 200, map[string]any{"response": map[string]any{"valid": true, "depots": []any{}}})
	})
	p := NewPool(WithClock(clock.Now), WithRateLimit(3, time.Minute))
	a := f.account()
	b := a
	b.BaseURL = strings.ToUpper(strings.TrimSuffix(a.BaseURL, "/api")) + "/API/"
	ca, err := p.Client(a)
	if err != nil {
		t.Fatal(err)
	}
	cb, err := p.Client(b)
	if err != nil {
		t.Fatal(err)
	}
	if ca != cb {
		t.Fatalf("%q and %q got different clients", a.BaseURL, b.BaseURL)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for _, c := range []*Client{ca, cb} {
		if _, err := c.Depots(ctx); err != nil {
			t.Fatal(err)
		}
	}
	if n := f.tokens.Load(); n != 1 {
		t.Fatalf("%d tokens issued, want 1", n)
	}
	// Token + 2 calls used the budget of 3 per minute.
	var rl *RateLimitError
	if _, err := cb.Depots(ctx); !errors.As(err, &rl) || !rl.Local {
		t.Fatalf("4th request: err = %v, want the shared budget used up", err)
	}

	// Another secret for the same account shares the budget but not the
	// token: a wrong secret never rides on a token another profile got.
	c2 := a
	c2.BaseURL = strings.ToUpper(a.BaseURL)
	c2.ClientSecret = "another-secret"
	cc, err := p.Client(c2)
	if err != nil {
		t.Fatal(err)
	}
	if cc == ca {
		t.Fatal("another secret got the same client")
	}
	if _, err := cc.Depots(ctx); !errors.As(err, &rl) || !rl.Local {
		t.Fatalf("other secret: err = %v, want the shared budget used up", err)
	}
}
