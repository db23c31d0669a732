package shipping

import (
	"context"
	"errors"
	"fmt"

	"linnstream/internal/profile"
	"linnstream/internal/wizard"
)

// handleConfigDeleted retires the profile. Linnworks treats deletion as a
// notification that happens whatever we answer, so the handler is
// idempotent: deleting a deleted profile succeeds, and a concurrent write is
// retried rather than reported.
func (h *Handlers) handleConfigDeleted(ctx context.Context, c *call, _ *ConfigDeletedRequest) (*ConfigDeletedResponse, error) {
	p := c.profile
	for range 3 {
		if p.Deleted {
			c.log.Info("profile already deleted")
			return &ConfigDeletedResponse{}, nil
		}
		wizard.Forget(p)
		p.MarkDeleted(h.now().UTC(), h.retention)
		// Save releases the profile's order numbering with the same write.
		err := wizard.Save(ctx, h.store, p)
		switch {
		case err == nil:
			c.log.Info("profile deleted", "expires_at", p.ExpiresAt)
			return &ConfigDeletedResponse{}, nil
		case errors.Is(err, profile.ErrNotFound):
			c.log.Info("profile already gone")
			return &ConfigDeletedResponse{}, nil
		case !errors.Is(err, profile.ErrConflict):
			return nil, fmt.Errorf("delete profile: %w", err)
		}
		if p, err = h.store.Get(ctx, p.ID); err != nil {
			if errors.Is(err, profile.ErrNotFound) {
				return &ConfigDeletedResponse{}, nil
			}
			return nil, fmt.Errorf("delete profile: %w", err)
		}
	}
	return nil, errors.New("delete profile: changed by other requests three times in a row")
}
