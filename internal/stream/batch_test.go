package stream

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func TestPoolSharesClientsAndLimiters(t *testing.T) {
	p := NewPool(WithRateLimit(5, time.Minute))
	a := Account{BaseURL: "https://x.example/api", ClientID: "id", ClientSecret: "s1"}
	c1, err := p.Client(a)
	if err != nil {
		t.Fatal(err)
	}
	a2 := a
	a2.BaseURL = "https://x.example/api/" // same account, trailing slash
	c2, _ := p.Client(a2)
	if c1 != c2 {
		t.Fatal("the same account got two clients")
	}
	a3 := a
	a3.Party = "OTHER"
	c3, _ := p.Client(a3)
	a4 := a
	a4.ClientSecret = "s2"
	c4, _ := p.Client(a4)
	if c3 == c1 || c4 == c1 {
		t.Fatal("a different party or secret shares the token cache")
	}
	if c3.account != c1.account || c4.account != c1.account {
		t.Fatal("clients of one Stream account do not share the limiter")
	}
	a5 := a
	a5.ClientID = "other"
	c5, _ := p.Client(a5)
	if c5.account == c1.account {
		t.Fatal("another account shares the limiter")
	}
	if _, err := p.Client(Account{BaseURL: "x"}); err == nil {
		t.Fatal("an invalid account got a client")
	}
	if _, err := NewPool(WithRateLimit(-1, time.Second)).Client(a); err == nil {
		t.Fatal("invalid pool options were accepted")
	}
}

func TestCreateOrdersBoundedAndOrdered(t *testing.T) {
	var inFlight, peak atomic.Int32
	full := make(chan struct{})
	var once sync.Once
	f := newFake(t, func(w http.ResponseWriter, r *http.Request) {
		var o Order
		_ = json.NewDecoder(r.Body).Decode(&o)
		n := inFlight.Add(1)
		defer inFlight.Add(-1)
		for {
			p := peak.Load()
			if n <= p || peak.CompareAndSwap(p, n) {
				break
			}
		}
		if n == MaxCreatesInFlight {
			once.Do(func() { close(full) })
		}
		// Hold the first creates until the batch has filled every slot.
		select {
		case <-full:
		case <-time.After(5 * time.Second):
		}
		if o.Header.OrderNo == "bad" {
			writeRaw(w, 422, "application/json", `{"response":{"valid":false,"errors":[{"code":"REQUIRED","description":"delivery.deliveryMethod: is required","severity":"ERROR"}]}}`)
			return
		}
		writeJSON(w, 200, created(o.Header.OrderNo))
	})
	c := f.client(t)
	var orders []*Order
	for i := range 25 {
		orders = append(orders, testOrder(fmt.Sprintf("B%03d", i)))
	}
	orders[7].Header.OrderNo = "bad"
	orders = append(orders, nil, testOrder("B003"), testOrder(strings.Repeat("9", 18)))

	results := c.CreateOrders(context.Background(), orders)
	if len(results) != len(orders) {
		t.Fatalf("%d results for %d orders", len(results), len(orders))
	}
	if p := peak.Load(); p != MaxCreatesInFlight {
		t.Fatalf("peak creates in flight %d, want exactly %d", p, MaxCreatesInFlight)
	}
	for i, r := range results[:25] {
		if i == 7 {
			var ve *ValidationError
			if !errors.As(r.Err, &ve) || r.OrderNo != "bad" {
				t.Fatalf("result 7 = %+v", r)
			}
			continue
		}
		want := fmt.Sprintf("B%03d", i)
		if r.Err != nil || r.OrderNo != want || r.Result.OrderNo != want || r.Result.ConsignmentNo != "C-"+want {
			t.Fatalf("result %d = %+v (%v), want order %s", i, r, r.Err, want)
		}
	}
	if results[25].Err == nil || results[26].Err == nil || !strings.Contains(results[26].Err.Error(), "repeats order 3") {
		t.Fatalf("nil and repeated orders: %v, %v", results[25].Err, results[26].Err)
	}
	var ve *ValidationError
	if !errors.As(results[27].Err, &ve) || !ve.Local {
		t.Fatalf("too-long order number: %v", results[27].Err)
	}
	if n := len(f.requests(false)); n != 25 {
		t.Fatalf("%d creates sent, want 25", n)
	}
}

func TestCreateOrResolve(t *testing.T) {
	t.Run("processed then dropped: recovered by reading back", func(t *testing.T) {
		var mu sync.Mutex
		stored := map[string]bool{}
		f := newFake(t, func(w http.ResponseWriter, r *http.Request) {
			mu.Lock()
			defer mu.Unlock()
			switch r.Method {
			case http.MethodPost:
				var o Order
				_ = json.NewDecoder(r.Body).Decode(&o)
				if stored[o.Header.OrderNo] {
					writeRaw(w, 422, "application/json", `{"response":{"valid":false,"errors":[{"code":"DUPLICATE","description":"exists","severity":"ERROR"}]}}`)
					return
				}
				stored[o.Header.OrderNo] = true
				hangUp(w)
			case http.MethodGet:
				no := r.URL.Path[strings.LastIndex(r.URL.Path, "/")+1:]
				if !stored[no] {
					writeRaw(w, 404, "application/json", `{"response":{"valid":false,"errors":[{"code":"NOTFOUND","severity":"ERROR"}]}}`)
					return
				}
				writeJSON(w, 200, orderDoc(no))
			}
		})
		res, err := f.client(t).CreateOrResolve(context.Background(), testOrder("1001"))
		if err != nil {
			t.Fatal(err)
		}
		if !res.Recovered || res.ConsignmentNo != "C-1001" || res.TrackingURL != "https://track.example/1001" || res.CustomerOrderNo != "cust-1001" {
			t.Fatalf("result = %+v", res)
		}
		methods := ""
		for _, r := range f.requests(false) {
			methods += r.Method + " "
		}
		if methods != "POST GET " {
			t.Fatalf("requests %q, want one POST then one GET", methods)
		}
	})
	t.Run("dropped before processing: posted once more", func(t *testing.T) {
		var posts atomic.Int32
		f := newFake(t, func(w http.ResponseWriter, r *http.Request) {
			switch r.Method {
			case http.MethodPost:
				if posts.Add(1) == 1 {
					writeRaw(w, 503, "text/plain", "upstream unavailable")
					return
				}
				writeJSON(w, 200, created("1001"))
			case http.MethodGet:
				writeRaw(w, 404, "application/json", `{"response":{"valid":false,"errors":[{"code":"NOTFOUND","severity":"ERROR"}]}}`)
			}
		})
		res, err := f.client(t).CreateOrResolve(context.Background(), testOrder("1001"))
		if err != nil || res.Recovered || res.ConsignmentNo != "C-1001" || posts.Load() != 2 {
			t.Fatalf("result %+v, %v after %d posts", res, err, posts.Load())
		}
	})
	t.Run("duplicate on the second post: read again", func(t *testing.T) {
		var gets, posts atomic.Int32
		f := newFake(t, func(w http.ResponseWriter, r *http.Request) {
			switch r.Method {
			case http.MethodPost:
				if posts.Add(1) == 1 {
					hangUp(w)
					return
				}
				writeRaw(w, 422, "application/json", `{"response":{"valid":false,"errors":[{"code":"DUPLICATE","description":"an order with orderNo 1001 already exists","severity":"ERROR"}]}}`)
			case http.MethodGet:
				// Stream is slow to show the order: the first read misses it.
				if gets.Add(1) == 1 {
					writeRaw(w, 404, "application/json", `{"response":{"valid":false}}`)
					return
				}
				writeJSON(w, 200, orderDoc("1001"))
			}
		})
		res, err := f.client(t).CreateOrResolve(context.Background(), testOrder("1001"))
		if err != nil || !res.Recovered || res.ConsignmentNo != "C-1001" || gets.Load() != 2 || posts.Load() != 2 {
			t.Fatalf("result %+v, %v after %d reads and %d posts", res, err, gets.Load(), posts.Load())
		}
	})
	t.Run("read back fails: still unknown", func(t *testing.T) {
		f := newFake(t, func(w http.ResponseWriter, r *http.Request) {
			if r.Method == http.MethodPost {
				hangUp(w)
				return
			}
			writeRaw(w, 500, "text/plain", "down")
		})
		_, err := f.client(t).CreateOrResolve(context.Background(), testOrder("1001"))
		var se *StatusError
		if !errors.Is(err, ErrOutcomeUnknown) || !errors.As(err, &se) || se.Status != 500 {
			t.Fatalf("err = %v, want unknown outcome carrying the read failure", err)
		}
		posts := 0
		for _, r := range f.requests(false) {
			if r.Method == http.MethodPost {
				posts++
			}
		}
		if posts != 1 {
			t.Fatalf("%d posts, want 1", posts)
		}
	})
	t.Run("a rejection is returned as is", func(t *testing.T) {
		f := newFake(t, func(w http.ResponseWriter, r *http.Request) {
			writeRaw(w, 422, "application/json", `{"response":{"valid":false,"errors":[{"code":"DUPLICATE","description":"exists","severity":"ERROR"}]}}`)
		})
		_, err := f.client(t).CreateOrResolve(context.Background(), testOrder("1001"))
		if !IsDuplicate(err) || len(f.requests(false)) != 1 {
			t.Fatalf("err = %v after %d requests", err, len(f.requests(false)))
		}
	})
}

// TestCreateOrResolveDuplicateNeverShown: Stream refuses every re-post as a
// duplicate yet no read shows the order. The order exists, so the caller
// must get an unknown outcome, never a rejection it would record as final.
func TestCreateOrResolveDuplicateNeverShown(t *testing.T) {
	var posts, gets atomic.Int32
	f := newFake(t, func(w http.ResponseWriter, r *http.Request) {
		switch r.Method {
		case http.MethodPost:
			if posts.Add(1) == 1 {
				hangUp(w)
				return
			}
			writeRaw(w, 422, "application/json", `{"response":{"valid":false,"errors":[{"code":"DUPLICATE","description":"an order with orderNo 1001 already exists","severity":"ERROR"}]}}`)
		case http.MethodGet:
			gets.Add(1)
			writeRaw(w, 404, "application/json", `{"response":{"valid":false,"errors":[{"code":"NOTFOUND","severity":"ERROR"}]}}`)
		}
	})
	_, err := f.client(t).CreateOrResolve(context.Background(), testOrder("1001"))
	var ou *OutcomeUnknownError
	if !errors.Is(err, ErrOutcomeUnknown) || !errors.As(err, &ou) || ou.OrderNo != "1001" {
		t.Fatalf("err = %v, want an unknown outcome for 1001", err)
	}
	if !IsDuplicate(err) {
		t.Fatalf("err = %v lost the duplicate refusal it wraps", err)
	}
	if posts.Load() != 1+maxResolveRounds || gets.Load() != maxResolveRounds {
		t.Fatalf("%d posts and %d reads, want %d and %d", posts.Load(), gets.Load(), 1+maxResolveRounds, maxResolveRounds)
	}
}
