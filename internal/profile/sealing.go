package profile

import (
	"context"
	"encoding/json"
	"fmt"

	"linnstream/internal/secrets"
)

// SealSecrets returns p.Secrets as one blob sealed by s and bound to p.ID,
// the form in which every Store keeps them. A profile without secrets
// (never configured, or deleted) gives nil: nothing is stored.
func SealSecrets(ctx context.Context, s secrets.Sealer, p *Profile) ([]byte, error) {
	if len(p.Secrets) == 0 {
		return nil, nil
	}
	plain, err := json.Marshal(p.Secrets)
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
// blob gives nil secrets.
func OpenSecrets(ctx context.Context, s secrets.Sealer, id string, blob []byte) (map[string]string, error) {
	if len(blob) == 0 {
		return nil, nil
	}
	plain, err := s.Open(ctx, blob, id)
	if err != nil {
		return nil, fmt.Errorf("open secrets of profile %s: %w", short(id), err)
	}
	defer clear(plain)
	var m map[string]string
	if err := json.Unmarshal(plain, &m); err != nil {
		// The JSON error could quote a secret; say only what failed.
		return nil, fmt.Errorf("open secrets of profile %s: sealed secrets are not a JSON object of strings", short(id))
	}
	return m, nil
}
