package profile

import (
	"context"
	"encoding/json"
	"fmt"

	"linnstream/internal/secrets"
)

// Sealed is what a Store keeps sealed for a profile: its Secrets and its
// WebhookKey, in one blob bound to the profile's ID, so reading a profile
// costs one Open (one KMS Decrypt in AWS) whatever it holds.
//
// The webhook key is sealed rather than hashed alone because the wizard must
// show it again (the WEBHOOK_URL) and subscribe Stream with it; the stores
// index only WebhookKeyHash, so finding a profile by its key never opens
// anything.
type Sealed struct {
	Secrets    map[string]string
	WebhookKey string
}

// sealedVersion marks the current sealed form: a JSON object
// {"v":2,"secrets":{...},"webhookKey":"..."}. Blobs sealed before the
// webhook key was sealed hold a bare JSON object of secrets, whose values
// are all strings, so the number 2 under "v" never occurs in them.
const sealedVersion = 2

type sealedForm struct {
	V          int               `json:"v"`
	Secrets    map[string]string `json:"secrets,omitempty"`
	WebhookKey string            `json:"webhookKey,omitempty"`
}

// SealSecrets returns p.Secrets and p.WebhookKey as one blob sealed by s and
// bound to p.ID, the form in which every Store keeps them. A profile with
// neither (never configured and without a key) gives nil: nothing is
// stored.
func SealSecrets(ctx context.Context, s secrets.Sealer, p *Profile) ([]byte, error) {
	if len(p.Secrets) == 0 && p.WebhookKey == "" {
		return nil, nil
	}
	plain, err := json.Marshal(sealedForm{V: sealedVersion, Secrets: p.Secrets, WebhookKey: p.WebhookKey})
	if err != nil {
		return nil, fmt.Errorf("seal secrets of profile %s: %w", p.Short(), err)
	}
	defer clear(plain)
	blob, err := s.Seal(ctx, plain, p.ID)
	if err != nil {
		return nil, fmt.Errorf("seal secrets of profile %s: %w", p.Short(), err)
	}
	return blob, nil
}

// OpenSecrets reverses SealSecrets for the profile with the ID; an empty
// blob gives nothing. It also opens blobs of the earlier form, secrets
// only, which give an empty WebhookKey: their profiles still keep the key
// in plaintext, and the store reading them takes it from there.
func OpenSecrets(ctx context.Context, s secrets.Sealer, id string, blob []byte) (Sealed, error) {
	if len(blob) == 0 {
		return Sealed{}, nil
	}
	plain, err := s.Open(ctx, blob, id)
	if err != nil {
		return Sealed{}, fmt.Errorf("open secrets of profile %s: %w", short(id), err)
	}
	defer clear(plain)
	// The JSON errors could quote a secret; say only what failed.
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(plain, &fields); err != nil {
		return Sealed{}, fmt.Errorf("open secrets of profile %s: sealed secrets are not a JSON object", short(id))
	}
	if v, ok := fields["v"]; ok && string(v) == "2" {
		var f sealedForm
		if err := json.Unmarshal(plain, &f); err != nil {
			return Sealed{}, fmt.Errorf("open secrets of profile %s: sealed secrets are not in the sealed form", short(id))
		}
		return Sealed{Secrets: f.Secrets, WebhookKey: f.WebhookKey}, nil
	}
	var m map[string]string
	if err := json.Unmarshal(plain, &m); err != nil {
		return Sealed{}, fmt.Errorf("open secrets of profile %s: sealed secrets are not a JSON object of strings", short(id))
	}
	return Sealed{Secrets: m}, nil
}
