package linnworks_test

import (
	"context"
	"net/http"
	"slices"
	"testing"

	"linnstream/internal/linnworks"
)

// sessionExpiries is one Linnworks error message per session-expiry wording the client
// recognises, each holding only its own wording.
var sessionExpiries = map[string]string{
	"invalid session":           "Invalid session token",
	"session is invalid":        "The session is invalid.",
	"session token is invalid":  "Session token is invalid or has been revoked",
	"session expired":           "Session expired",
	"session has expired":       "Your session has expired, please authorise again.",
	"session token has expired": "The session token has expired",
	"session token expired":     "Session token expired",
	"session has timed out":     "The session has timed out",
	"session not found":         "Session not found",
	"unknown session":           "Unknown session token 5e55105e-0000-0000-0000-000000000001",
}

// Every wording renews the session: a 400 carrying it is followed by a new authorisation
// and the call succeeds on the fresh session. Without its wording in the list, each message
// is not recognised, so removing any wording makes its case fail.
func TestEverySessionExpiryWordingRenews(t *testing.T) {
	for _, w := range linnworks.SessionWordings {
		if _, ok := sessionExpiries[w]; !ok {
			t.Errorf("wording %q has no case", w)
		}
	}
	for wording, msg := range sessionExpiries {
		t.Run(wording, func(t *testing.T) {
			if !slices.Contains(linnworks.SessionWordings, wording) {
				t.Fatalf("the client does not recognise %q", wording)
			}
			without := slices.DeleteFunc(slices.Clone(linnworks.SessionWordings), func(w string) bool { return w == wording })
			if linnworks.SessionWorded(msg, without) {
				t.Fatalf("%q is recognised without its wording %q; the case proves nothing", msg, wording)
			}

			f := newFake(t)
			f.setHandler(func(w http.ResponseWriter, r *http.Request, n int) {
				if n == 1 {
					writeJSON(w, 400, map[string]string{"Code": "Unauthorized", "Message": msg})
					return
				}
				writeJSON(w, 200, []any{})
			})
			c := newClient(t, f)
			if _, err := c.PostalServices(context.Background(), install); err != nil {
				t.Fatalf("a 400 %q was not renewed: %v", msg, err)
			}
			if a, h := f.authHits.Load(), f.apiHits.Load(); a != 2 || h != 2 {
				t.Fatalf("authorisations %d, API calls %d; want 2 and 2", a, h)
			}
		})
	}
}

// A 400 that mentions a session without saying it expired is Linnworks refusing the data:
// no renewal, a DataError.
func TestSessionMentionWithoutExpiryIsData(t *testing.T) {
	f := newFake(t)
	f.setHandler(func(w http.ResponseWriter, r *http.Request, n int) {
		writeJSON(w, 400, map[string]string{"Message": "Order cannot be processed in this session's location"})
	})
	c := newClient(t, f)
	_, err := c.PostalServices(context.Background(), install)
	if !linnworks.IsDataError(err) {
		t.Fatalf("err = %v, want a DataError", err)
	}
	if a := f.authHits.Load(); a != 1 {
		t.Fatalf("authorisations %d, want 1", a)
	}
}

// Spellings of one install token (case, hyphens) are one account: one session, one budget.
func TestInstallTokenSpellingsShareASession(t *testing.T) {
	f := newFake(t)
	c := newClient(t, f)
	ctx := context.Background()
	for _, tok := range []string{"abcdef01-2345-4678-9abc-def012345678", "ABCDEF01-2345-4678-9ABC-DEF012345678", "abcdef0123454678" + "9abcdef012345678"} {
		if _, err := c.PostalServices(ctx, tok); err != nil {
			t.Fatalf("%s: %v", tok, err)
		}
	}
	if a := f.authHits.Load(); a != 1 {
		t.Fatalf("%d authorisations for one install token spelt three ways, want 1", a)
	}
}
