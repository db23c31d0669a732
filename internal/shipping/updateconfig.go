package shipping

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"linnstream/internal/profile"
	"linnstream/internal/wizard"
)

const msgConflict = "the configuration was changed by another request; reload and try again"

// handleUpdateConfig validates the values of the current stage and, if all
// pass, saves them and the next stage in one conditional write.
func (h *Handlers) handleUpdateConfig(ctx context.Context, c *call, req *UpdateConfigRequest) (*UpdateConfigResponse, error) {
	if strings.TrimSpace(req.ConfigStatus) == "" {
		return nil, fail("ConfigStatus is required")
	}
	if req.ConfigItems == nil {
		return nil, fail("ConfigItems is required")
	}
	values := make([]wizard.Value, 0, len(req.ConfigItems))
	for i, it := range req.ConfigItems {
		if strings.TrimSpace(it.ConfigItemID) == "" {
			return nil, fail("ConfigItems[%d].ConfigItemId is required", i)
		}
		values = append(values, wizard.Value{ID: it.ConfigItemID, Value: it.SelectedValue})
	}
	p := c.profile
	w := h.wizardFor(c)
	from := w.StageOf(p)
	if err := w.Apply(ctx, p, req.ConfigStatus, values); err != nil {
		return nil, err
	}
	// A live check may have used up the deadline; do not write after the
	// caller has been told the request failed.
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("save stage %s: %w", from, err)
	}
	p.UpdatedAt = h.now().UTC()
	// Save holds the profile's order numbering on its Stream account in the
	// same conditional write, refusing a clash with another profile.
	switch err := wizard.Save(ctx, h.store, p); {
	case errors.Is(err, profile.ErrConflict):
		return nil, fail(msgConflict)
	case errors.Is(err, profile.ErrNotFound):
		return nil, fail(msgAuthFailed)
	case err != nil:
		return nil, fmt.Errorf("save stage %s: %w", from, err)
	}
	c.log.Info("config stage saved", "stage", from, "next", p.Stage, "active", p.Active)
	return &UpdateConfigResponse{}, nil
}
