package wizard

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"

	"linnstream/internal/profile"
	"linnstream/internal/stream"
)

// Numbering returns the numbering an active profile holds: a hash of the
// identity of its Stream account and its order number prefix (in upper
// case: Stream may not tell "ab1" from "AB1"). Two profiles with one
// numbering would send Stream the same order numbers. A profile that is
// not active, or deleted, holds none ("").
func Numbering(p *profile.Profile) string {
	if !p.Active || p.Deleted {
		return ""
	}
	cfg := Settings(p)
	sum := sha256.Sum256([]byte(stream.AccountKey(cfg.Stream.BaseURL, cfg.Stream.ClientID, cfg.Stream.Party) + "\x00" + strings.ToUpper(strings.TrimSpace(cfg.OrderNumberPrefix))))
	return hex.EncodeToString(sum[:])
}

// Save writes p to st after Apply (or after it was marked deleted), moving
// its numbering hold when its activity, Stream account or prefix changed,
// all in one conditional write. When another active profile sends orders
// to the same Stream account and party with the same order number prefix,
// nothing is written and the *Error names the clash and asks for a prefix.
func Save(ctx context.Context, st profile.Store, p *profile.Profile) error {
	want := Numbering(p)
	if want == p.Numbering {
		return st.Update(ctx, p)
	}
	err := st.UpdateNumbering(ctx, p, want)
	if errors.Is(err, profile.ErrNumberingTaken) {
		return numberingClash(p)
	}
	return err
}

// numberingClash is the message of a profile whose numbering another holds.
// It names only what this profile's user entered: nothing of the other
// profile (another Linnworks account, perhaps) is told.
func numberingClash(p *profile.Profile) *Error {
	cfg := Settings(p)
	prefix := "no order number prefix"
	if v := strings.TrimSpace(cfg.OrderNumberPrefix); v != "" {
		prefix = fmt.Sprintf("the order number prefix %q", v)
	}
	return userError("another active Stream integration already sends orders to this Stream account (%s, client ID %s, party %s) with %s, so both would send Stream the same order numbers. Enter a Stream order number prefix (%s) that no other integration on this account uses, and save again",
		clip(strings.TrimSpace(cfg.Stream.BaseURL), 100), clip(strings.TrimSpace(cfg.Stream.ClientID), 60), clip(strings.TrimSpace(cfg.Stream.Party), 60), prefix, ItemOrderNumberPrefix)
}
