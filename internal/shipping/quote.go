package shipping

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strings"
	"time"

	"linnstream/internal/services"
	"linnstream/internal/streamorder"
)

// quoteDateFormat is how Quote writes CollectionDate and
// EstimatedDeliveryDate: ISO-8601 in UTC, to the second. The contract
// (§3.3) leaves the format open between .NET's "/Date(ms)/" and ISO-8601;
// the public API types the same fields as date-time and Newtonsoft reads
// both, so the standard form is used.
const quoteDateFormat = "2006-01-02T15:04:05Z"

// handleQuote quotes every usable service for the consignment: the
// profile's DELIVERY services, since a quote is for taking the parcels to
// the address given (COLLECTION methods fetch goods from a customer and do
// not ship to one). Stream publishes neither prices nor transit times, so
// the cost is the service's flat rate (Cost excludes tax; no tax is added)
// and the dates follow Stream's next-day model: collection now, delivery the
// next working day (Monday to Friday).
//
// A Quote request carries no service config, so the flat rate is the one
// stored on the profile for the service (services.StoredFlatRate), 0 when
// none is stored.
func (h *Handlers) handleQuote(ctx context.Context, c *call, req *QuoteRequest) (*QuoteResponse, error) {
	currency, err := checkQuote(req)
	if err != nil {
		return nil, err
	}
	svcs, err := h.listServices(ctx, c.profile)
	if err != nil {
		return nil, err
	}
	now := h.now().UTC().Truncate(time.Second)
	collection := now
	delivery := nextWorkingDay(collection)
	items := make([]QuoteItem, 0, len(svcs))
	for _, s := range svcs {
		if s.OrderType != services.OrderTypeDelivery {
			continue
		}
		cost := services.StoredFlatRate(c.profile, s.ID)
		items = append(items, QuoteItem{
			ServiceName:           s.Name,
			ServiceCode:           s.Code,
			ServiceID:             s.ID,
			ServiceTag:            s.OrderType,
			CollectionDate:        collection.Format(quoteDateFormat),
			EstimatedDeliveryDate: delivery.Format(quoteDateFormat),
			Cost:                  cost,
			Tax:                   0,
			TotalCost:             cost,
			Currency:              currency,
			PropertyItem: []QuotePropertyItem{
				{Title: "Depot", Value: s.DepotName},
				{Title: "Delivery method", Value: s.Method.Name},
			},
			Options: []QuoteOption{},
		})
	}
	c.log.Info("quoted", "quotes", len(items), "packages", len(req.Packages))
	return &QuoteResponse{QuoteItems: items}, nil
}

// nextWorkingDay is the start (00:00 UTC) of the first Monday-to-Friday day
// after t.
func nextWorkingDay(t time.Time) time.Time {
	d := time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC).AddDate(0, 0, 1)
	for d.Weekday() == time.Saturday || d.Weekday() == time.Sunday {
		d = d.AddDate(0, 0, 1)
	}
	return d
}

// checkQuote validates what a quote depends on and returns the currency,
// upper-case.
func checkQuote(req *QuoteRequest) (string, error) {
	if strings.TrimSpace(req.CountryCode) == "" {
		return "", fail("CountryCode is required")
	}
	if strings.TrimSpace(req.Postalcode) == "" {
		return "", fail("Postalcode is required")
	}
	// Linnworks' class makes OrderCurrency optional (it sends null when the
	// order has none); quotes are then in the currency labels assume.
	cur := strings.TrimSpace(req.OrderCurrency)
	if cur == "" {
		cur = DefaultCurrency
	}
	if !isLetters(cur, 3) {
		return "", fail("OrderCurrency must be a 3-letter currency code, not %q", clipValue(cur))
	}
	if math.IsNaN(req.OrderValue) || req.OrderValue < 0 {
		return "", fail("OrderValue must not be negative")
	}
	if len(req.Packages) == 0 {
		return "", fail("Packages must list at least one package")
	}
	// The consignment is held to the rules its label would be: a quote for
	// parcels no label could ship is no quote.
	err := streamorder.CheckQuote(streamorder.Order{
		Reference:          req.OrderReference,
		Recipient:          recipient(req.Address),
		DeliveryNote:       req.DeliveryNote,
		Packages:           orderPackages(req.Packages),
		ExtendedProperties: properties(req.OrderExtendedProperties),
	})
	var be *streamorder.Error
	if errors.As(err, &be) {
		return "", fail("The consignment cannot be quoted: %s", strings.Join(be.Problems, "; "))
	} else if err != nil {
		return "", fmt.Errorf("check quote: %w", err)
	}
	return strings.ToUpper(cur), nil
}

func isLetters(s string, n int) bool {
	if len(s) != n {
		return false
	}
	for _, r := range s {
		if (r < 'A' || r > 'Z') && (r < 'a' || r > 'z') {
			return false
		}
	}
	return true
}

// clip shortens a value echoed in a message.
func clipValue(s string) string {
	const max = 40
	if r := []rune(s); len(r) > max {
		return string(r[:max]) + "…"
	}
	return s
}
