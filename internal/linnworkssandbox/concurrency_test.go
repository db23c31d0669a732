package linnworkssandbox

import (
	"net/http"
	"sync"
	"testing"
)

// TestConcurrentUse runs API calls, admin calls and ValidateRequest side by side; run with
// -race it proves the sandbox and the validator share no unguarded state.
func TestConcurrentUse(t *testing.T) {
	e := newEnv(t, Options{})
	token := e.login()
	id := e.adminOrder("100002").Order.OrderId
	var wg sync.WaitGroup
	errs := make(chan string, 64)
	for w := 0; w < 4; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 10; i++ {
				if r := e.raw("POST", "/api/Orders/AddOrdersNote", token, "application/json", []byte(`{"OrderIds":["`+id+`"],"NoteText":"n"}`)); r.status != 200 {
					errs <- "AddOrdersNote: " + string(r.body)
				}
				if r := e.raw("GET", "/admin/orders/"+id, "", "", nil); r.status != 200 {
					errs <- "admin order"
				}
				h := http.Header{"Authorization": {"x"}, "Content-Type": {"application/json"}}
				if err := ValidateRequest("POST", "/api/Orders/GetOpenOrders", h, []byte(`{"entriesPerPage":5,"filters":{"TextFields":[{"FieldCode":"SHIPPING_INFORMATION_VENDOR","Type":"Contains","Text":"S"}]}}`)); err != nil {
					errs <- err.Error()
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for msg := range errs {
		t.Error(msg)
	}
	if n := len(e.adminOrder(id).Notes); n != 40 {
		t.Errorf("%d notes, want 40", n)
	}
}
