package linnworkssandbox

import "strings"

// postalServiceView is the spec's PostalService_WithChannelAndShippingLinks.
type postalServiceView struct {
	ID                       string                `json:"id"`
	HasMappedShippingService bool                  `json:"hasMappedShippingService"`
	Channels                 []postalChannel       `json:"Channels"`
	ShippingServices         []shippingServiceLink `json:"ShippingServices"`
	PostalServiceName        string                `json:"PostalServiceName"`
	PostalServiceTag         string                `json:"PostalServiceTag"`
	ServiceCountry           string                `json:"ServiceCountry"`
	PostalServiceCode        string                `json:"PostalServiceCode"`
	Vendor                   string                `json:"Vendor"`
	PrintModule              string                `json:"PrintModule"`
	PrintModuleTitle         string                `json:"PrintModuleTitle"`
	PkPostalServiceId        string                `json:"pkPostalServiceId"`
	TrackingNumberRequired   bool                  `json:"TrackingNumberRequired"`
	WeightRequired           bool                  `json:"WeightRequired"`
	IgnorePackagingGroup     bool                  `json:"IgnorePackagingGroup"`
	FkShippingAPIConfigId    int                   `json:"fkShippingAPIConfigId"`
	IntegratedServiceId      string                `json:"IntegratedServiceId,omitempty"`
}

type postalChannel struct {
	PkPostalServiceId string `json:"pkPostalServiceId"`
	PostalServiceName string `json:"PostalServiceName"`
	Source            string `json:"Source"`
	SubSource         string `json:"SubSource"`
}

type shippingServiceLink struct {
	PkPostalServiceId  string `json:"pkPostalServiceId"`
	PostalServiceName  string `json:"PostalServiceName"`
	Vendor             string `json:"vendor"`
	AccountId          string `json:"accountid"`
	VendorFriendlyName string `json:"vendorFriendlyName"`
}

// streamIntegrationID is the pkShippingAPIConfigId of the seeded Stream integration.
const streamIntegrationID = 1

// getPostalServices is PostalServices/GetPostalServices.
func getPostalServices(c *call) (any, error) {
	out := []postalServiceView{}
	for _, ps := range c.s.st.postal {
		v := postalServiceView{
			ID: ps.ID, PkPostalServiceId: ps.ID, PostalServiceName: ps.Name, PostalServiceTag: ps.Tag, PostalServiceCode: ps.Code,
			Vendor: ps.Vendor, ServiceCountry: ps.Country, TrackingNumberRequired: ps.TrackingNumberRequired, WeightRequired: ps.WeightRequired,
			PrintModule: "ShippingLabel", PrintModuleTitle: "Shipping Label",
			Channels:         []postalChannel{{PkPostalServiceId: ps.ID, PostalServiceName: ps.Name, Source: "SHOPIFY", SubSource: "Sandbox Shop"}},
			ShippingServices: []shippingServiceLink{},
		}
		if ps.IntegratedServiceId != "" {
			v.HasMappedShippingService = true
			v.IntegratedServiceId = ps.IntegratedServiceId
			v.FkShippingAPIConfigId = streamIntegrationID
			v.ShippingServices = append(v.ShippingServices, shippingServiceLink{PkPostalServiceId: ps.ID, PostalServiceName: ps.Name,
				Vendor: ps.Vendor, AccountId: ps.AccountId, VendorFriendlyName: "Stream"})
		}
		out = append(out, v)
	}
	return out, nil
}

// getShippingMethods is Orders/GetShippingMethods: the postal services grouped by vendor.
func getShippingMethods(c *call) (any, error) {
	type postageService struct {
		PkPostalServiceId      string `json:"pkPostalServiceId"`
		PostalServiceName      string `json:"PostalServiceName"`
		TrackingNumberRequired bool   `json:"TrackingNumberRequired"`
		Vendor                 string `json:"Vendor"`
		IntegratedServiceID    string `json:"IntegratedServiceID,omitempty"`
	}
	type shippingMethod struct {
		Vendor         string           `json:"Vendor"`
		PostalServices []postageService `json:"PostalServices"`
	}
	out := []shippingMethod{}
	index := map[string]int{}
	for _, ps := range c.s.st.postal {
		i, ok := index[ps.Vendor]
		if !ok {
			i = len(out)
			index[ps.Vendor] = i
			out = append(out, shippingMethod{Vendor: ps.Vendor, PostalServices: []postageService{}})
		}
		out[i].PostalServices = append(out[i].PostalServices, postageService{PkPostalServiceId: ps.ID, PostalServiceName: ps.Name,
			TrackingNumberRequired: ps.TrackingNumberRequired, Vendor: ps.Vendor, IntegratedServiceID: ps.IntegratedServiceId})
	}
	return out, nil
}

// getIntegrations is ShippingService/GetIntegrations (limited to one call a minute by the spec).
func getIntegrations(c *call) (any, error) {
	services := 0
	for _, ps := range c.s.st.postal {
		if ps.IntegratedServiceId != "" {
			services++
		}
	}
	return []map[string]any{{
		"pkShippingAPIConfigId": streamIntegrationID, "Vendor": StreamVendor, "VendorFriendlyName": "Stream",
		"VendorIcon": "", "AccountId": streamAccountID, "LabelFormat": "PNG", "Services": services,
		"ManifestPending": false, "LastManifestWithErrorId": 0, "ReadOnly": false, "Status": "ACTIVE",
		"QuoteEnabled": false, "QuoteOnlyIncludedServices": false,
	}}, nil
}

// cancelOrderShippingLabel is ShippingService/CancelOrderShippingLabel (body wrapped in
// "request"): clears the label and tracking number of an open order.
func cancelOrderShippingLabel(c *call) (any, error) {
	var req struct {
		Request *struct {
			PkOrderId string `json:"pkOrderId"`
		} `json:"request"`
	}
	if err := c.decode(&req); err != nil {
		return nil, err
	}
	if req.Request == nil {
		return nil, badRequest("request is required.")
	}
	type result struct {
		LabelCanceled      bool   `json:"LabelCanceled"`
		MustCancelManually bool   `json:"MustCancelManually"`
		IsError            bool   `json:"IsError"`
		ErrorMessage       string `json:"ErrorMessage"`
	}
	o, err := c.orderParam("pkOrderId", req.Request.PkOrderId)
	if err != nil {
		return nil, err
	}
	switch {
	case o.d.Processed:
		return result{IsError: true, ErrorMessage: "Order is processed; its label cannot be cancelled."}, nil
	case !o.d.GeneralInfo.LabelPrinted && o.d.ShippingInfo.TrackingNumber == "":
		return result{IsError: true, ErrorMessage: "Order has no shipping label."}, nil
	}
	o.d.GeneralInfo.LabelPrinted = false
	o.d.GeneralInfo.LabelError = ""
	o.d.ShippingInfo.TrackingNumber = ""
	c.touch(o)
	return result{LabelCanceled: true}, nil
}

// getLocation is Locations/GetLocation.
func getLocation(c *call) (any, error) {
	id, ok := normGUID(c.query("pkStockLocationId"))
	if !ok {
		return nil, badRequest("pkStockLocationId is required.")
	}
	for _, l := range c.s.st.locations {
		if strings.EqualFold(l.StockLocationId, id) {
			return l, nil
		}
	}
	return nil, badRequest("Location %s not found.", id)
}
