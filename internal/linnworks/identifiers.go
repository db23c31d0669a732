package linnworks

import (
	"context"
	"net/http"
	"strings"
)

var (
	epGetIdentifiers        = endpoint{http.MethodGet, "OpenOrders/GetIdentifiers", true}
	epGetIdentifiersByOrder = endpoint{http.MethodPost, "OpenOrders/GetIdentifiersByOrderIds", true}
	epSaveIdentifier        = endpoint{http.MethodPost, "OpenOrders/SaveIdentifier", false}
	epAssignIdentifier      = endpoint{http.MethodPost, "OpenOrders/AssignOrderIdentifier", true}
	epUnassignIdentifier    = endpoint{http.MethodPost, "OpenOrders/UnassignOrderIdentifier", true}
)

// Identifiers lists the identifiers defined on the account, system and custom.
func (c *Client) Identifiers(ctx context.Context, token string) ([]Identifier, error) {
	var ids []Identifier
	if err := c.call(ctx, token, epGetIdentifiers, nil, nil, &ids); err != nil {
		return nil, err
	}
	return ids, nil
}

// OrderIdentifiers lists the identifiers assigned to the given orders.
func (c *Client) OrderIdentifiers(ctx context.Context, token string, orderIDs []string) ([]OrderIdentifier, error) {
	if err := checkGUIDs(epGetIdentifiersByOrder.path, "OrderIds", orderIDs); err != nil {
		return nil, err
	}
	if len(orderIDs) == 0 {
		return nil, nil
	}
	var out []OrderIdentifier
	if err := c.call(ctx, token, epGetIdentifiersByOrder, nil, struct {
		OrderIDs []string `json:"OrderIds"`
	}{orderIDs}, &out); err != nil {
		return nil, err
	}
	return out, nil
}

// SaveIdentifier creates an identifier (IdentifierID zero: Name, Tag and ImageURL are
// required) or updates an existing one, and returns it as saved. It is not retried after an
// ambiguous failure, since a retried create could duplicate the identifier.
func (c *Client) SaveIdentifier(ctx context.Context, token string, id Identifier) (Identifier, error) {
	op := epSaveIdentifier.path
	if strings.TrimSpace(id.Tag) == "" || strings.TrimSpace(id.Name) == "" {
		return Identifier{}, &DataError{Op: op, Message: "identifier needs a Tag and a Name"}
	}
	if id.IdentifierID == 0 && id.ImageURL == "" {
		return Identifier{}, &DataError{Op: op, Message: "a new identifier needs an ImageUrl"}
	}
	if err := checkOptionalGUID(op, "ImageId", id.ImageID); err != nil {
		return Identifier{}, err
	}
	var saved Identifier
	if err := c.call(ctx, token, epSaveIdentifier, nil, struct {
		Identifier Identifier `json:"Identifier"`
	}{id}, &saved); err != nil {
		return Identifier{}, err
	}
	return saved, nil
}

// AssignIdentifier puts the identifier tag on the orders. Assigning is idempotent: orders that
// already carry it are reported in NotChanged.
func (c *Client) AssignIdentifier(ctx context.Context, token, tag string, orderIDs ...string) (AssignResult, error) {
	return c.changeIdentifier(ctx, token, epAssignIdentifier, tag, orderIDs)
}

// UnassignIdentifier takes the identifier tag off the orders.
func (c *Client) UnassignIdentifier(ctx context.Context, token, tag string, orderIDs ...string) (AssignResult, error) {
	return c.changeIdentifier(ctx, token, epUnassignIdentifier, tag, orderIDs)
}

func (c *Client) changeIdentifier(ctx context.Context, token string, ep endpoint, tag string, orderIDs []string) (AssignResult, error) {
	if strings.TrimSpace(tag) == "" {
		return AssignResult{}, &DataError{Op: ep.path, Message: "identifier tag is empty"}
	}
	if len(orderIDs) == 0 {
		return AssignResult{}, &DataError{Op: ep.path, Message: "no order ids"}
	}
	if err := checkGUIDs(ep.path, "OrderIds", orderIDs); err != nil {
		return AssignResult{}, err
	}
	var res AssignResult
	if err := c.call(ctx, token, ep, nil, struct {
		OrderIDs []string `json:"OrderIds"`
		Tag      string   `json:"Tag"`
	}{orderIDs, tag}, &res); err != nil {
		return AssignResult{}, err
	}
	return res, nil
}
