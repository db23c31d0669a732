package shipping

import (
	"context"
	"strconv"
	"strings"

	"linnstream/internal/profile"
	"linnstream/internal/services"
	"linnstream/internal/wizard"
)

// ServiceCatalogue lists and resolves a profile's services (Stream depots ×
// delivery methods). *services.Catalogue satisfies it.
type ServiceCatalogue interface {
	List(ctx context.Context, p *profile.Profile) ([]services.Service, error)
	Resolve(ctx context.Context, p *profile.Profile, serviceID string) (services.Service, error)
}

var _ ServiceCatalogue = (*services.Catalogue)(nil)

// Group of the per-service config items on the service settings screen.
const serviceOptionsGroup = "Stream"

// handleUserAvailableServices lists one service per Stream depot × delivery
// method, read live from Stream (through the catalogue's short cache), each
// with its per-service options and read-only properties.
func (h *Handlers) handleUserAvailableServices(ctx context.Context, c *call, _ *UserAvailableServicesRequest) (*UserAvailableServicesResponse, error) {
	svcs, err := h.listServices(ctx, c.profile)
	if err != nil {
		return nil, err
	}
	out := make([]AvailableService, 0, len(svcs))
	for _, s := range svcs {
		out = append(out, AvailableService{
			ServiceName:     s.Name,
			ServiceCode:     s.Code,
			ServiceTag:      s.OrderType,
			ServiceGroup:    s.Group,
			ServiceUniqueID: s.ID,
			ConfigItems:     serviceConfigItems(c.profile, s),
			ServiceProperty: []ServiceProperty{
				{PropertyName: "Depot", PropertyValue: s.DepotName},
				{PropertyName: "Delivery method", PropertyValue: s.Method.Name},
				{PropertyName: "Type", PropertyValue: s.OrderType},
				{PropertyName: "Stock location", PropertyValue: s.StockLocation},
			},
		})
	}
	c.log.Info("services listed", "services", len(out))
	return &UserAvailableServicesResponse{Services: out}, nil
}

// listServices returns the profile's services, or an error whose message
// tells the user what to fix: missing configuration, or Stream's reason.
func (h *Handlers) listServices(ctx context.Context, p *profile.Profile) ([]services.Service, error) {
	if h.services == nil {
		return nil, fail("services are not configured on this server")
	}
	acct := wizard.Settings(p).Stream
	if strings.TrimSpace(acct.BaseURL) == "" || strings.TrimSpace(acct.ClientID) == "" || acct.ClientSecret == "" {
		return nil, fail("the Stream API credentials are not configured; complete the integration's configuration first")
	}
	svcs, err := h.services.List(ctx, p)
	if err != nil {
		return nil, streamFailure("Stream's depots and delivery methods could not be read", err)
	}
	return svcs, nil
}

// streamFailure turns an error from Stream into the caller's message. A
// deadline or cancellation stays an error of the request, so the shared
// time-out message applies.
func streamFailure(what string, err error) error { return streamProblem(what, err) }

// serviceConfigItems are the per-service options as config items. The flat
// rate shows the rate stored for the service, if any, so what the user sees
// is what Quote charges.
func serviceConfigItems(p *profile.Profile, s services.Service) []ConfigItem {
	defs := services.OptionDefs()
	items := make([]ConfigItem, 0, len(defs))
	for _, d := range defs {
		ci := ConfigItem{
			ConfigItemID:  d.ID,
			Name:          d.Name,
			Description:   d.Description,
			GroupName:     serviceOptionsGroup,
			SortOrder:     d.SortOrder,
			SelectedValue: d.Default,
			ListValues:    []ListValue{},
			ValueType:     optionValueType(d.Kind),
		}
		if d.ID == services.OptionFlatRate {
			if rate := services.StoredFlatRate(p, s.ID); rate != 0 {
				ci.SelectedValue = strconv.FormatFloat(rate, 'f', -1, 64)
			}
		}
		if d.Pattern != "" {
			re, msg := d.Pattern, d.PatternError
			ci.RegExValidation, ci.RegExError = &re, &msg
		}
		items = append(items, ci)
	}
	return items
}

func optionValueType(k services.Kind) ValueType {
	switch k {
	case services.KindBoolean:
		return ValueBoolean
	case services.KindDouble:
		return ValueDouble
	}
	return ValueString
}
