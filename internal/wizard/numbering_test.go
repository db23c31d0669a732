package wizard

import (
	"context"
	"errors"
	"strings"
	"testing"

	"linnstream/internal/profile"
	"linnstream/internal/stream"
)

func TestNumberingSharesTheStreamAccountKey(t *testing.T) {
	base := stream.Account{BaseURL: "https://www.live.go2stream.net/api", ClientID: "client-7"}
	same := []stream.Account{
		{BaseURL: "https://www.live.go2stream.net/API", ClientID: "client-7"},
		{BaseURL: "HTTPS://WWW.Live.Go2Stream.NET/api/", ClientID: "client-7"},
		{BaseURL: " https://www.live.go2stream.net:443/Api// ", ClientID: " client-7 "},
		{BaseURL: "https://www.live.go2stream.net/api", ClientID: "client-7", Party: "client-7"},
		{BaseURL: "https://www.live.go2stream.net/api", ClientID: "client-7", ClientSecret: "another secret"},
	}
	for _, a := range same {
		if stream.AccountKey(a.BaseURL, a.ClientID, a.Party) != stream.AccountKey(base.BaseURL, base.ClientID, base.Party) {
			t.Errorf("%q %q party %q is another account; want the same as %q", a.BaseURL, a.ClientID, a.Party, base.BaseURL)
		}
	}
	different := []stream.Account{
		{BaseURL: "http://www.live.go2stream.net/api", ClientID: "client-7"},
		{BaseURL: "https://www.demo.go2stream.net/api", ClientID: "client-7"},
		{BaseURL: "https://www.live.go2stream.net:8443/api", ClientID: "client-7"},
		{BaseURL: "https://www.live.go2stream.net/api/v2", ClientID: "client-7"},
		{BaseURL: "https://www.live.go2stream.net/api", ClientID: "client-8"},
		{BaseURL: "https://www.live.go2stream.net/api", ClientID: "client-7", Party: "DEPOT-NORTH"},
	}
	for _, a := range different {
		if stream.AccountKey(a.BaseURL, a.ClientID, a.Party) == stream.AccountKey(base.BaseURL, base.ClientID, base.Party) {
			t.Errorf("%q %q party %q counts as the same account as %q", a.BaseURL, a.ClientID, a.Party, base.BaseURL)
		}
	}
}

// installed is a profile in the store walked through the wizard with
// Save after each stage, the way UpdateConfig saves it.
type installed struct {
	t  *testing.T
	w  *Wizard
	st *profile.MemStore
	p  *profile.Profile
}

func install(t *testing.T, w *Wizard, st *profile.MemStore, token string, creds []Value, stages int, sync []Value) *installed {
	t.Helper()
	p := newProfile()
	p.ID = profile.ID(token)
	if err := st.Create(context.Background(), p); err != nil {
		t.Fatal(err)
	}
	in := &installed{t: t, w: w, st: st, p: p}
	steps := []struct {
		stage string
		v     []Value
	}{{StageCredentials, creds}, {StageSender, senderOK}, {StageLabels, labelsOK}, {StageSync, sync}}
	for _, s := range steps[:stages] {
		if err := in.apply(s.stage, s.v); err != nil {
			t.Fatalf("%s at %s: %v", token, s.stage, err)
		}
	}
	return in
}

// apply applies and saves one stage to a fresh copy of the stored profile,
// as a request would.
func (in *installed) apply(stage string, v []Value) error {
	in.t.Helper()
	p, err := in.st.Get(context.Background(), in.p.ID)
	if err != nil {
		in.t.Fatal(err)
	}
	if err := in.w.Apply(context.Background(), p, stage, v); err != nil {
		return err
	}
	if err := Save(context.Background(), in.st, p); err != nil {
		return err
	}
	in.p = p
	return nil
}

func (in *installed) stored() *profile.Profile {
	in.t.Helper()
	p, err := in.st.Get(context.Background(), in.p.ID)
	if err != nil {
		in.t.Fatal(err)
	}
	return p
}

func syncWithPrefix(prefix string) []Value {
	out := append([]Value(nil), syncOK...)
	for i := range out {
		if out[i].ID == ItemOrderNumberPrefix {
			out[i].Value = prefix
		}
	}
	return out
}

func TestSecondProfileOnAnAccountNeedsItsOwnPrefix(t *testing.T) {
	w := newWizard(t, &fakeStream{})
	st := profile.NewMemStore()
	a := install(t, w, st, "token-a", credsOK, 4, syncWithPrefix(""))
	if got := a.stored(); !got.Active || got.Numbering == "" || got.Numbering != Numbering(got) {
		t.Fatalf("first profile: active %v numbering %q, want active holding its numbering", got.Active, got.Numbering)
	}

	// B uses the same account and party (spelt out, where A left it to
	// default to the client ID) and, like A, no prefix.
	sameParty := append([]Value(nil), credsOK...)
	for i := range sameParty {
		if sameParty[i].ID == ItemStreamParty {
			sameParty[i].Value = goodID
		}
	}
	b := install(t, w, st, "token-b", sameParty, 3, nil)
	before := b.stored()
	err := b.apply(StageSync, syncWithPrefix(""))
	var we *Error
	if !errors.As(err, &we) {
		t.Fatalf("activating a second profile without a prefix: %v, want a wizard error", err)
	}
	for _, want := range []string{"another active Stream integration", goodURL, goodID, "no order number prefix", ItemOrderNumberPrefix} {
		if !strings.Contains(we.Message, want) {
			t.Errorf("clash message %q lacks %q", we.Message, want)
		}
	}
	if strings.Contains(we.Message, goodSecret) {
		t.Fatal("clash message carries the client secret")
	}
	if got := b.stored(); got.Active || got.Numbering != "" || got.Version != before.Version || got.Stage != StageSync {
		t.Fatalf("refused activation wrote: active %v numbering %q version %d stage %s", got.Active, got.Numbering, got.Version, got.Stage)
	}
	// A prefix differing only in case is the same order numbers.
	if err := b.apply(StageSync, syncWithPrefix("LW-")); err != nil {
		t.Fatal(err)
	}
	c := install(t, w, st, "token-c", credsOK, 3, nil)
	if err := c.apply(StageSync, syncWithPrefix("lw-")); !errors.As(err, &we) || !strings.Contains(we.Message, `prefix "lw-"`) {
		t.Fatalf("a prefix differing in case only: %v, want the clash naming the prefix", err)
	}
	if err := c.apply(StageSync, syncWithPrefix("C-")); err != nil {
		t.Fatal(err)
	}

	// An active profile changing its prefix to one in use is refused; to a
	// free one, it moves and frees its old numbering.
	if err := a.apply(StageConfig, vals(ItemOrderNumberPrefix, "C-")); !errors.As(err, &we) {
		t.Fatalf("changing to a prefix in use: %v, want the clash", err)
	}
	if err := a.apply(StageConfig, vals(ItemOrderNumberPrefix, "A-")); err != nil {
		t.Fatal(err)
	}
	d := install(t, w, st, "token-d", credsOK, 4, syncWithPrefix(""))
	if !d.stored().Active {
		t.Fatal("the numbering A left was not freed")
	}

	// Removing the integration releases its numbering.
	gone := b.stored()
	gone.MarkDeleted(gone.UpdatedAt, 0)
	if err := Save(context.Background(), st, gone); err != nil {
		t.Fatal(err)
	}
	if got := b.stored(); got.Numbering != "" || !got.Deleted {
		t.Fatalf("deleted profile keeps numbering %q", got.Numbering)
	}
	e := install(t, w, st, "token-e", credsOK, 4, syncWithPrefix("lw-"))
	if !e.stored().Active {
		t.Fatal("the numbering of the deleted profile was not released")
	}
}
