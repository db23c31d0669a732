package linnworkssandbox

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
)

// PostalServiceRequest is the body of admin POST postalservices: a postal
// service as a Linnworks user creates it and, when IntegratedServiceID is
// set, links it to a shipping integration's service. Real Linnworks makes
// that link when the user maps a postal service to one of an installed
// integration's services; each installation (profile) has its own service
// ids, so the link is per profile.
type PostalServiceRequest struct {
	Name                string `json:"name"`
	IntegratedServiceID string `json:"integratedServiceId"`
	Vendor              string `json:"vendor"`
}

// AdminPostalService is a postal service as the admin API answers it.
type AdminPostalService struct {
	ID                  string `json:"id"`
	Name                string `json:"name"`
	IntegratedServiceID string `json:"integratedServiceId,omitempty"`
	Vendor              string `json:"vendor"`
}

// AddPostalService creates a postal service and returns it with its new id.
// A name already in use is refused, as Linnworks refuses it.
func (s *Sandbox) AddPostalService(req PostalServiceRequest) (AdminPostalService, error) {
	name := strings.TrimSpace(req.Name)
	if name == "" {
		return AdminPostalService{}, fmt.Errorf("name is required")
	}
	vendor := strings.TrimSpace(req.Vendor)
	if vendor == "" {
		return AdminPostalService{}, fmt.Errorf("vendor is required")
	}
	linked := ""
	if strings.TrimSpace(req.IntegratedServiceID) != "" {
		id, ok := normGUID(req.IntegratedServiceID)
		if !ok {
			return AdminPostalService{}, fmt.Errorf("integratedServiceId %q is not a GUID", req.IntegratedServiceID)
		}
		linked = id
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, taken := s.st.postalByName(name); taken {
		return AdminPostalService{}, fmt.Errorf("a postal service named %q already exists", name)
	}
	ps := postalService{ID: newGUID(), Name: name, Tag: name, Code: name, Vendor: vendor, Country: "GB",
		TrackingNumberRequired: true, IntegratedServiceId: linked}
	if linked != "" {
		ps.AccountId = streamAccountID
	}
	s.st.postal = append(s.st.postal, ps)
	return AdminPostalService{ID: ps.ID, Name: ps.Name, IntegratedServiceID: linked, Vendor: vendor}, nil
}

// AddressChange holds the address fields of admin POST
// orders/{NumOrderId}/address; a field left out (nil) is kept.
type AddressChange struct {
	FullName     *string `json:"FullName"`
	Company      *string `json:"Company"`
	Address1     *string `json:"Address1"`
	Address2     *string `json:"Address2"`
	Address3     *string `json:"Address3"`
	Town         *string `json:"Town"`
	Region       *string `json:"Region"`
	PostCode     *string `json:"PostCode"`
	Country      *string `json:"Country"`
	CountryID    *string `json:"CountryId"`
	EmailAddress *string `json:"EmailAddress"`
	PhoneNumber  *string `json:"PhoneNumber"`
}

// ChangeAddress changes the delivery address of an open order, as an
// operator correcting it in Linnworks does, and returns the order. A
// processed order is refused: Linnworks freezes it.
func (s *Sandbox) ChangeAddress(numOrderID int, ch AddressChange) (AdminOrder, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	o, ok := s.st.byNum[numOrderID]
	switch {
	case !ok:
		return AdminOrder{}, errOrderNotFound
	case o.d.Processed:
		return AdminOrder{}, fmt.Errorf("order %d is processed; its address cannot change", numOrderID)
	}
	a := &o.d.CustomerInfo.Address
	for _, f := range []struct {
		v   *string
		dst *string
	}{
		{ch.FullName, &a.FullName}, {ch.Company, &a.Company}, {ch.Address1, &a.Address1}, {ch.Address2, &a.Address2},
		{ch.Address3, &a.Address3}, {ch.Town, &a.Town}, {ch.Region, &a.Region}, {ch.PostCode, &a.PostCode},
		{ch.Country, &a.Country}, {ch.CountryID, &a.CountryId}, {ch.EmailAddress, &a.EmailAddress}, {ch.PhoneNumber, &a.PhoneNumber},
	} {
		if f.v != nil {
			*f.dst = *f.v
		}
	}
	o.lastUpdated = s.now()
	return s.st.adminOrder(o), nil
}

// addressFields are the field names an address change accepts, keyed
// lower-case: a name is taken in any case ("postcode" for PostCode), as
// admin POST orders takes its fields, and any other name is refused, so an
// operator who misspells a field is told rather than sees nothing change.
var addressFields = map[string]string{"fullname": "FullName", "company": "Company", "address1": "Address1",
	"address2": "Address2", "address3": "Address3", "town": "Town", "region": "Region", "postcode": "PostCode",
	"country": "Country", "countryid": "CountryId", "emailaddress": "EmailAddress", "phonenumber": "PhoneNumber"}

func decodeAddressChange(r *http.Request) (AddressChange, error) {
	var raw map[string]json.RawMessage
	if err := decodeAdmin(r, &raw); err != nil {
		return AddressChange{}, err
	}
	if len(raw) == 0 {
		return AddressChange{}, errors.New("name at least one address field")
	}
	named := make(map[string]json.RawMessage, len(raw))
	for k, v := range raw {
		name, ok := addressFields[strings.ToLower(k)]
		if !ok {
			return AddressChange{}, fmt.Errorf("%q is not an address field (FullName, Company, Address1-3, Town, Region, PostCode, Country, CountryId, EmailAddress, PhoneNumber)", k)
		}
		if _, twice := named[name]; twice {
			return AddressChange{}, fmt.Errorf("%s is named twice", name)
		}
		named[name] = v
	}
	b, _ := json.Marshal(named) // re-encoding decoded JSON cannot fail
	var ch AddressChange
	if err := json.Unmarshal(b, &ch); err != nil {
		return AddressChange{}, fmt.Errorf("decode address: %w", err)
	}
	return ch, nil
}

var errOrderNotFound = errors.New("order not found")

// serveMapping serves the admin operations of this file; it reports whether
// it handled the request.
func (s *Sandbox) serveMapping(w http.ResponseWriter, r *http.Request, rest string) bool {
	switch {
	case rest == "postalservices" && r.Method == http.MethodPost:
		var req PostalServiceRequest
		if err := decodeAdmin(r, &req); err != nil {
			adminError(w, http.StatusBadRequest, err.Error())
			return true
		}
		ps, err := s.AddPostalService(req)
		if err != nil {
			adminError(w, http.StatusBadRequest, err.Error())
			return true
		}
		writeJSON(w, http.StatusCreated, ps)
		return true
	case strings.HasPrefix(rest, "orders/") && strings.HasSuffix(rest, "/address") && r.Method == http.MethodPost:
		num, err := strconv.Atoi(strings.TrimSuffix(strings.TrimPrefix(rest, "orders/"), "/address"))
		if err != nil || num <= 0 {
			adminError(w, http.StatusBadRequest, "the order is named by its NumOrderId")
			return true
		}
		ch, err := decodeAddressChange(r)
		if err != nil {
			adminError(w, http.StatusBadRequest, err.Error())
			return true
		}
		o, err := s.ChangeAddress(num, ch)
		switch {
		case errors.Is(err, errOrderNotFound):
			adminError(w, http.StatusNotFound, "order not found")
		case err != nil:
			adminError(w, http.StatusConflict, err.Error())
		default:
			writeJSON(w, http.StatusOK, o)
		}
		return true
	}
	return false
}
