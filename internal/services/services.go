// Package services is the catalogue of shipping services a profile offers
// Linnworks: one service per Stream depot × delivery method, read live from
// Stream's depot list and cached briefly per Stream account. A service's id
// is derived from the account, depot and method ids alone, so it stays the
// same across calls (and across renames) and new depots or methods appear
// without any change here.
package services

import (
	"crypto/sha1"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"

	"linnstream/internal/stream"
)

// Order types of a service: which leg of a Stream order its method drives.
const (
	OrderTypeDelivery   = "DELIVERY"
	OrderTypeCollection = "COLLECTION"
)

// Service is one Stream depot × delivery method offered to Linnworks.
type Service struct {
	// ID is the ServiceUniqueId: a name-based (SHA-1, version 5) UUID of the
	// Stream account's base URL and client id, the depot id and the method
	// id, in lower-case hyphenated form.
	ID string
	// Name is the guide's naming, "<Method> (<Depot name>)".
	Name string
	// Code is a short code naming the depot and method ids,
	// "STREAM-<depot id>-<method id>".
	Code string
	// Group is the depot name; Linnworks groups services by it.
	Group string
	// DepotName is the depot's name (its address name, else "Depot <id>").
	DepotName string
	Depot     stream.Depot
	Method    stream.DeliveryMethod
	// OrderType is OrderTypeDelivery or OrderTypeCollection, from the
	// method's type; the method name goes into deliveryMethod or
	// collectionMethod accordingly.
	OrderType string
	// StockLocation is the depot's stock-location name (Stream's
	// stockLocation on order items), or its id when it has no name.
	StockLocation string
}

// ErrUnknownService is matched (errors.Is) by the error of Resolve for an id
// that names no service of the profile's Stream account.
var ErrUnknownService = errors.New("unknown service")

// UnknownServiceError is the error of Resolve for an id that names no
// current service, even after a fresh read of Stream's depots.
type UnknownServiceError struct {
	ID string
}

func (e *UnknownServiceError) Error() string {
	return fmt.Sprintf("service %q is not one of the Stream account's depot and delivery method services; reload the services in Linnworks", e.ID)
}

// Is makes the error match ErrUnknownService.
func (e *UnknownServiceError) Is(target error) bool { return target == ErrUnknownService }

// namespace is the UUID namespace of service ids (a fixed random UUID).
var namespace = [16]byte{0x6f, 0x1c, 0x2a, 0x8e, 0x53, 0xd4, 0x4b, 0x07, 0x9a, 0x31, 0x0e, 0x7b, 0xc2, 0x58, 0x94, 0xad}

// accountName identifies a Stream account in service ids: the base URL as
// Stream's client normalises it (trimmed, no trailing slash), lower-cased,
// and the client id. The secret and party do not enter, so rotating a secret
// keeps every service id.
func accountName(acct stream.Account) string {
	base := strings.ToLower(strings.TrimRight(strings.TrimSpace(acct.BaseURL), "/"))
	return base + "\x00" + strings.TrimSpace(acct.ClientID)
}

// ServiceID returns the ServiceUniqueId of a depot × method of an account.
func ServiceID(acct stream.Account, depotID, methodID stream.ID) string {
	return uuid5(accountName(acct) + "\x00" + string(depotID) + "\x00" + string(methodID))
}

// uuid5 returns the RFC 9562 version 5 UUID of name in namespace.
func uuid5(name string) string {
	h := sha1.New()
	h.Write(namespace[:])
	h.Write([]byte(name))
	var u [16]byte
	copy(u[:], h.Sum(nil))
	u[6] = u[6]&0x0f | 0x50
	u[8] = u[8]&0x3f | 0x80
	s := hex.EncodeToString(u[:])
	return s[0:8] + "-" + s[8:12] + "-" + s[12:16] + "-" + s[16:20] + "-" + s[20:32]
}

// normaliseID reduces a GUID to its 32 lower-case hex digits, accepting the
// hyphenated, braced and bare forms Linnworks may send back; "" when id is
// not a GUID.
func normaliseID(id string) string {
	id = strings.TrimSpace(id)
	id = strings.TrimPrefix(strings.TrimSuffix(id, "}"), "{")
	id = strings.ToLower(strings.ReplaceAll(id, "-", ""))
	if len(id) != 32 {
		return ""
	}
	if _, err := hex.DecodeString(id); err != nil {
		return ""
	}
	return id
}

// depotName is what a depot is called: its address name, else its contact
// name, else its id.
func depotName(d stream.Depot) string {
	if n := strings.TrimSpace(d.Address.Name); n != "" {
		return n
	}
	if n := strings.TrimSpace(d.Contact.Name); n != "" {
		return n
	}
	return "Depot " + string(d.ID)
}

// build turns an account's depots into services, in Stream's order. Methods
// whose type is neither DELIVERY nor COLLECTION, and depots or methods
// without an id, are left out: no order could be created for them, and no
// stable id derived.
func build(acct stream.Account, depots []stream.Depot) []Service {
	var out []Service
	seen := map[string]bool{}
	for _, d := range depots {
		if strings.TrimSpace(string(d.ID)) == "" {
			continue
		}
		name := depotName(d)
		stock := strings.TrimSpace(d.StockLocation.Name)
		if stock == "" {
			stock = strings.TrimSpace(string(d.StockLocation.ID))
		}
		for _, m := range d.DeliveryMethods {
			typ := strings.ToUpper(strings.TrimSpace(m.Type))
			if strings.TrimSpace(string(m.ID)) == "" || (typ != OrderTypeDelivery && typ != OrderTypeCollection) {
				continue
			}
			id := ServiceID(acct, d.ID, m.ID)
			if seen[id] {
				continue
			}
			seen[id] = true
			method := strings.TrimSpace(m.Name)
			if method == "" {
				method = "Method " + string(m.ID)
			}
			out = append(out, Service{
				ID:            id,
				Name:          method + " (" + name + ")",
				Code:          "STREAM-" + string(d.ID) + "-" + string(m.ID),
				Group:         name,
				DepotName:     name,
				Depot:         d,
				Method:        m,
				OrderType:     typ,
				StockLocation: stock,
			})
		}
	}
	return out
}
