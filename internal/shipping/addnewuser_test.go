package shipping_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"

	"linnstream/internal/profile"
	"linnstream/internal/shipping"
	"linnstream/internal/wizard"
)

var guidPattern = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`)

func TestAddNewUserCreatesAProfilePerCall(t *testing.T) {
	hs := newHarness(t, setup{})
	// The PDF's example request, with the hyphenless identifier form.
	body := `{"Email":" fedor_demo@linnsystems.com ","LinnworksUniqueIdentifier":"4A287F98D1D3434D8D113159ABD094E3","AccountName":"ACC1"}`
	r1 := hs.post("AddNewUser", body)
	r2 := hs.post("AddNewUser", body)
	for _, r := range []reply{r1, r2} {
		sameKeys(t, "AddNewUser response", r.obj, "AuthorizationToken", "IsError", "ErrorMessage")
		if r.isError() || !strings.Contains(r.raw, `"ErrorMessage":null`) {
			t.Fatalf("answer %s", r.raw)
		}
	}
	t1, t2 := r1.obj["AuthorizationToken"].(string), r2.obj["AuthorizationToken"].(string)
	if !guidPattern.MatchString(t1) || !guidPattern.MatchString(t2) || t1 == t2 {
		t.Fatalf("tokens %q and %q: want two different lower-case GUIDs", t1, t2)
	}
	if hs.store.count() != 2 {
		t.Fatalf("%d profiles created, want 2", hs.store.count())
	}
	p := hs.stored(t1)
	if p.ID != profile.ID(t1) || p.Email != customerMail || p.AccountName != "ACC1" ||
		p.LinnworksUniqueIdentifier != "4a287f98-d1d3-434d-8d11-3159abd094e3" || p.Stage != "" || p.Active || p.Deleted ||
		!p.CreatedAt.Equal(hs.now) || len(p.WebhookKey) != 64 || p.Version != 1 {
		t.Errorf("stored profile = %+v", p)
	}
	if q := hs.stored(t2); q.WebhookKey == p.WebhookKey {
		t.Error("two profiles share a webhook key")
	}
	// The token itself is stored nowhere in the profile.
	if strings.Contains(fmtJSON(p), t1) {
		t.Error("the stored profile contains the token")
	}
	if strings.Contains(hs.logs.String(), t1) || strings.Contains(hs.logs.String(), customerMail) {
		t.Errorf("logs contain the token or the email:\n%s", hs.logs)
	}
}

func TestAddNewUserRefusals(t *testing.T) {
	cases := []struct {
		name, method, body, want string
	}{
		{"long email", "POST", `{"Email":"` + strings.Repeat("a", 245) + `@example.com","LinnworksUniqueIdentifier":"4A287F98-D1D3-434D-8D11-3159ABD094E3","AccountName":"A"}`, "Email must be at most 254 characters"},
		{"missing identifier", "POST", `{"Email":"a@b.com","AccountName":"A"}`, "LinnworksUniqueIdentifier is required"},
		{"identifier not a GUID", "POST", `{"Email":"a@b.com","LinnworksUniqueIdentifier":"ACC1","AccountName":"A"}`, "LinnworksUniqueIdentifier must be a GUID"},
		{"identifier half hyphenated", "POST", `{"Email":"a@b.com","LinnworksUniqueIdentifier":"4A287F98-D1D3434D8D113159ABD094E3","AccountName":"A"}`, "LinnworksUniqueIdentifier must be a GUID"},
		{"identifier not hex", "POST", `{"Email":"a@b.com","LinnworksUniqueIdentifier":"4A287F98-D1D3-434D-8D11-3159ABD094EZ","AccountName":"A"}`, "LinnworksUniqueIdentifier must be a GUID"},
		{"missing account", "POST", `{"Email":"a@b.com","LinnworksUniqueIdentifier":"4A287F98-D1D3-434D-8D11-3159ABD094E3","AccountName":"  "}`, "AccountName is required"},
		{"long account", "POST", `{"Email":"a@b.com","LinnworksUniqueIdentifier":"4A287F98-D1D3-434D-8D11-3159ABD094E3","AccountName":"` + strings.Repeat("a", 256) + `"}`, "AccountName must be at most 255 characters"},
		{"all missing", "POST", `{}`, "LinnworksUniqueIdentifier is required; AccountName is required"},
		{"wrong type", "POST", `{"Email":["a@b.com"],"LinnworksUniqueIdentifier":"4A287F98-D1D3-434D-8D11-3159ABD094E3","AccountName":"A"}`, "Email must be a string"},
		{"malformed", "POST", `{"Email":"a@b.com",`, "request body is not valid JSON"},
		{"not an object", "POST", `["a@b.com"]`, "request body must be a JSON object"},
		{"empty", "POST", ``, "request body is empty"},
		{"trailing data", "POST", `{"Email":"a@b.com"} {}`, "unexpected data after the top-level object"},
		{"GET", "GET", ``, "only POST is supported"},
		{"too large", "POST", `{"Email":"` + strings.Repeat("a", shipping.MaxBodyBytes) + `"}`, "request body is larger than 1 MiB"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			hs := newHarness(t, setup{})
			r := hs.do(c.method, "/linnworks/AddNewUser", c.body)
			if !r.isError() || !strings.Contains(r.message(), c.want) {
				t.Errorf("answer %.300s, want an error containing %q", r.raw, c.want)
			}
			if tok, _ := r.obj["AuthorizationToken"].(string); tok != "" {
				t.Errorf("a refused call returned a token")
			}
			if hs.store.count() != 0 {
				t.Errorf("a refused call created a profile")
			}
		})
	}
}

// The email is stored as Linnworks sends it: only its length is checked.
func TestAddNewUserStoresEmailAsGiven(t *testing.T) {
	for _, email := range []string{"", "not an email", "Fedor <f@x.com>", "ops@localhost", "ÄÖ@bücher.example",
		strings.Repeat("a", 242) + "@example.com"} {
		hs := newHarness(t, setup{})
		body, _ := json.Marshal(map[string]string{"Email": email, "LinnworksUniqueIdentifier": "4A287F98-D1D3-434D-8D11-3159ABD094E3", "AccountName": "A"})
		r := hs.post("AddNewUser", string(body))
		if r.isError() {
			t.Errorf("Email %q refused: %s", email, r.message())
			continue
		}
		if p := hs.stored(r.obj["AuthorizationToken"].(string)); p.Email != email {
			t.Errorf("stored Email %q, want %q", p.Email, email)
		}
	}
}

func TestBodyOfExactlyOneMiBIsRead(t *testing.T) {
	hs := newHarness(t, setup{})
	head := `{"Email":"a@b.com","LinnworksUniqueIdentifier":"4A287F98-D1D3-434D-8D11-3159ABD094E3","AccountName":"A","Pad":"`
	pad := shipping.MaxBodyBytes - len(head) - 2
	r := hs.post("AddNewUser", head+strings.Repeat("x", pad)+`"}`)
	if r.isError() {
		t.Fatalf("a 1 MiB body was refused: %.200s", r.message())
	}
}

// sequenceReader repeats one 16-byte block, so every token it yields is the
// same.
type sequenceReader struct{ block []byte }

func (s sequenceReader) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = s.block[i%len(s.block)]
	}
	return len(p), nil
}

func TestAddNewUserTokenClash(t *testing.T) {
	mem := profile.NewMemStore()
	w, _ := wizard.New(wizard.Options{Stream: &fakeStream{}, PublicBaseURL: publicBase})
	logs := &lockedBuffer{}
	h, err := shipping.New(shipping.Config{Store: mem, Wizard: w, Random: sequenceReader{bytes.Repeat([]byte{7}, 16)},
		Logger: slog.New(slog.NewJSONHandler(logs, nil))})
	if err != nil {
		t.Fatal(err)
	}
	hs := &harness{t: t, mem: mem, mux: h.Mux(), logs: logs}
	body := `{"Email":"a@b.com","LinnworksUniqueIdentifier":"4A287F98-D1D3-434D-8D11-3159ABD094E3","AccountName":"A"}`
	if r := hs.post("AddNewUser", body); r.isError() || r.obj["AuthorizationToken"] != "07070707-0707-0707-0707-070707070707" {
		t.Fatalf("first: %s", r.raw)
	}
	r := hs.post("AddNewUser", body)
	if !r.isError() || !strings.Contains(r.message(), "internal error") {
		t.Fatalf("a random source repeating itself must fail, got %s", r.raw)
	}
	if n := strings.Count(logs.String(), "generated token already in use"); n != 3 {
		t.Errorf("%d retries logged, want 3", n)
	}
}

func TestNewRequiresStoreAndWizard(t *testing.T) {
	if _, err := shipping.New(shipping.Config{Store: profile.NewMemStore()}); err == nil {
		t.Error("New without a wizard succeeded")
	}
}

// failingStore fails every call with an error that must not reach the user.
type failingStore struct{ profile.Store }

var errStoreDown = errors.New("dynamodb: connection reset by peer")

func (failingStore) Create(context.Context, *profile.Profile) error { return errStoreDown }
func (failingStore) Get(context.Context, string) (*profile.Profile, error) {
	return nil, errStoreDown
}

func TestStoreFailureIsAnInternalError(t *testing.T) {
	hs := newHarness(t, setup{wrap: func(s profile.Store) profile.Store { return failingStore{s} }})
	for _, c := range []struct{ endpoint, body string }{
		{"AddNewUser", `{"Email":"a@b.com","LinnworksUniqueIdentifier":"4A287F98-D1D3-434D-8D11-3159ABD094E3","AccountName":"A"}`},
		{"UserConfig", `{"AuthorizationToken":"x"}`},
	} {
		req := `/linnworks/` + c.endpoint
		r := hs.do(http.MethodPost, req, c.body)
		if !r.isError() || !strings.Contains(r.message(), "internal error; please try again (request id req-") ||
			strings.Contains(r.raw, "dynamodb") {
			t.Errorf("%s: %s", c.endpoint, r.raw)
		}
	}
	if !strings.Contains(hs.logs.String(), "connection reset by peer") {
		t.Errorf("the cause was not logged:\n%s", hs.logs)
	}
}

// A configured request id source with nothing for a request (API Gateway's
// id outside API Gateway) falls back to the X-Request-Id header or a random
// id, so the logs and the message still name the request.
func TestEmptyRequestIDIsReplaced(t *testing.T) {
	w, err := wizard.New(wizard.Options{Stream: &fakeStream{}, PublicBaseURL: publicBase})
	if err != nil {
		t.Fatal(err)
	}
	logs := &lockedBuffer{}
	h, err := shipping.New(shipping.Config{Store: failingStore{profile.NewMemStore()}, Wizard: w,
		Logger: slog.New(slog.NewJSONHandler(logs, nil)), RequestID: func(*http.Request) string { return "" }})
	if err != nil {
		t.Fatal(err)
	}
	hs := &harness{t: t, mux: h.Mux(), logs: logs}
	// The harness sends X-Request-Id req-0.
	if r := hs.post("UserConfig", `{"AuthorizationToken":"x"}`); r.message() != "internal error; please try again (request id req-0)" {
		t.Fatalf("answer %s, want an internal error naming request req-0", r.raw)
	}
	if !strings.Contains(logs.String(), `"request_id":"req-0"`) {
		t.Errorf("logs do not carry the request id:\n%s", logs)
	}
	hs.mux = h.UserConfig()
	req := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(`{"AuthorizationToken":"x"}`))
	rec := httptest.NewRecorder()
	hs.mux.ServeHTTP(rec, req)
	if !regexp.MustCompile(`\(request id [0-9a-f]{16}\)"}$`).MatchString(rec.Body.String()) {
		t.Errorf("without a header: %s, want a random request id", rec.Body)
	}
}
