package shipping

import (
	"context"

	"linnstream/internal/streamorder"
)

// handleExtendedPropertyMapping lists exactly the extended properties
// GenerateLabel reads, from the one list the Stream order builder keeps, so
// the two cannot drift apart.
func (h *Handlers) handleExtendedPropertyMapping(_ context.Context, _ *call, _ *ExtendedPropertyMappingRequest) (*ExtendedPropertyMappingResponse, error) {
	props := streamorder.Properties()
	items := make([]PropertyMapping, 0, len(props))
	for _, p := range props {
		items = append(items, PropertyMapping{
			PropertyTitle:       p.Title,
			PropertyName:        p.Name,
			PropertyDescription: p.Description,
			PropertyType:        string(p.Level),
		})
	}
	return &ExtendedPropertyMappingResponse{Items: items}, nil
}
