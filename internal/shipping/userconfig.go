package shipping

import (
	"context"

	"linnstream/internal/wizard"
)

// handleUserConfig returns the profile's current stage with its items and
// current values. Password items never carry their value.
func (h *Handlers) handleUserConfig(_ context.Context, c *call, _ *UserConfigRequest) (*UserConfigResponse, error) {
	v := h.wizardFor(c).View(c.profile)
	items := make([]ConfigItem, 0, len(v.Fields))
	for _, f := range v.Fields {
		items = append(items, configItem(f))
	}
	return &UserConfigResponse{
		IsConfigActive: v.Active,
		ConfigStatus:   v.Status,
		ConfigStage: ConfigStage{
			WizardStepDescription: v.Description,
			WizardStepTitle:       v.Title,
			ConfigItems:           items,
		},
		WizardStepDescription: v.Description,
	}, nil
}

// configItem is the wire form of a wizard field.
func configItem(f wizard.Field) ConfigItem {
	ci := ConfigItem{
		ConfigItemID:    f.ID,
		Name:            f.Name,
		Description:     f.Description,
		GroupName:       f.Group,
		SortOrder:       f.SortOrder,
		SelectedValue:   f.Value,
		MustBeSpecified: f.Required,
		ReadOnly:        f.ReadOnly,
		ListValues:      make([]ListValue, 0, len(f.Options)),
		ValueType:       ValueType(f.Type),
	}
	if f.Secret() {
		ci.SelectedValue = ""
	}
	if f.Pattern != "" {
		re, msg := f.Pattern, f.PatternError
		ci.RegExValidation, ci.RegExError = &re, &msg
	}
	for _, o := range f.Options {
		ci.ListValues = append(ci.ListValues, ListValue{Display: o.Display, Value: o.Value})
	}
	return ci
}

// wizardFor is the wizard that builds URLs for this request: the configured
// one when it knows its public base URL, otherwise one based on the address
// the request came to.
func (h *Handlers) wizardFor(c *call) *wizard.Wizard {
	if h.wizard.HasBaseURL() {
		return h.wizard
	}
	if w, err := h.wizard.WithBaseURL(c.baseURL); err == nil {
		return w
	}
	return h.wizard
}
