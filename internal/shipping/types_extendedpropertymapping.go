package shipping

// ExtendedPropertyMappingRequest asks which extended properties the
// integration reads.
type ExtendedPropertyMappingRequest struct {
	Auth
}

// PropertyMapping is one extended property the integration reads (§6.6).
type PropertyMapping struct {
	PropertyTitle       string `json:"PropertyTitle"`
	PropertyName        string `json:"PropertyName"`
	PropertyDescription string `json:"PropertyDescription"`
	// PropertyType is ORDER or ITEM.
	PropertyType string `json:"PropertyType"`
}

// ExtendedPropertyMappingResponse lists the properties.
type ExtendedPropertyMappingResponse struct {
	Items []PropertyMapping `json:"Items"`
	Result
}
