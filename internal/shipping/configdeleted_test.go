package shipping_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"linnstream/internal/profile"
	"linnstream/internal/wizard"
)

func TestConfigDeleted(t *testing.T) {
	for _, path := range []string{"ConfigDeleted", "ConfigDelete"} {
		t.Run(path, func(t *testing.T) {
			hs := newHarness(t, setup{})
			tok := hs.addUser()
			hs.walk(tok)
			other := hs.addUser()
			r := hs.post(path, map[string]any{"AuthorizationToken": tok})
			sameKeys(t, "ConfigDeleted response", r.obj, "IsError", "ErrorMessage")
			if r.isError() {
				t.Fatal(r.raw)
			}
			p := hs.stored(tok)
			if !p.Deleted || p.Active || len(p.Secrets) != 0 || p.Email != "" ||
				!p.ExpiresAt.Equal(hs.now.Add(30*24*time.Hour)) {
				t.Errorf("deleted profile = %+v", p)
			}
			for id := range p.Settings {
				if strings.HasPrefix(id, "SENDER_") {
					t.Errorf("personal setting %s kept", id)
				}
			}
			if p.WebhookKey == "" || p.AccountName != "ACC1" {
				t.Errorf("the record lost what identifies it until it expires: %+v", p)
			}
			// The token stops working at once, for every other endpoint.
			for _, ep := range []string{"UserConfig", "UpdateConfig"} {
				r := hs.post(ep, update(tok, "CONFIG", items("LABEL_COUNT", "3")))
				if !r.isError() || r.message() != "Authorization failed for token" {
					t.Errorf("%s after delete: %s", ep, r.raw)
				}
			}
			// Deleting again is a success and changes nothing.
			before := hs.stored(tok)
			if r := hs.post(path, map[string]any{"AuthorizationToken": tok}); r.isError() {
				t.Errorf("second delete: %s", r.raw)
			}
			hs.unchanged(tok, before, "a second delete")
			// Other profiles of the account keep working.
			if r := hs.post("UserConfig", map[string]any{"AuthorizationToken": other}); r.isError() {
				t.Errorf("another profile stopped working: %s", r.raw)
			}
			assertNoLeaks(t, hs, tok)
		})
	}
}

// conflictOnce makes the first Update of a profile lose a race, as if
// another request wrote first.
type conflictOnce struct {
	profile.Store
	done bool
}

func (c *conflictOnce) Update(ctx context.Context, p *profile.Profile) error {
	if !c.done {
		c.done = true
		cur, err := c.Store.Get(ctx, p.ID)
		if err != nil {
			return err
		}
		cur.Settings[wizard.ItemLabelCount] = "5"
		if err := c.Store.Update(ctx, cur); err != nil {
			return err
		}
	}
	return c.Store.Update(ctx, p)
}

func TestConfigDeletedRetriesAConflict(t *testing.T) {
	hs := newHarness(t, setup{wrap: func(s profile.Store) profile.Store { return &conflictOnce{Store: s} }})
	tok := hs.addUser()
	if r := hs.post("ConfigDeleted", map[string]any{"AuthorizationToken": tok}); r.isError() {
		t.Fatal(r.raw)
	}
	p := hs.stored(tok)
	if !p.Deleted || p.Settings[wizard.ItemLabelCount] != "5" {
		t.Errorf("after a conflicting write: %+v", p)
	}
}
