package embedded

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"time"

	bolt "go.etcd.io/bbolt"

	"linnstream/internal/shipment"
)

// Buckets of shipments. Keys start with the profile ID and a NUL byte, so
// each profile's records are apart from every other's.
var (
	bucketShipments     = []byte("shipments")               // <profile>\0<OrderId> -> record
	bucketStreamOrders  = []byte("shipments.byStreamOrder") // <profile>\0<Stream orderNo> -> OrderId
	bucketManifests     = []byte("shipments.manifests")     // <profile>\0<reference> -> manifest
	bucketShipmentMarks = []byte("shipments.eventMarks")    // <profile>\0<event key> -> expiry, epoch seconds
	bucketOpenShipments = []byte("shipments.open")          // <profile>\0<shipment.OpenKey> -> OrderId, open shipments only
	bucketPollCursors   = []byte("shipments.pollCursors")   // <profile> -> the dispatch poll's cursor
)

// Shipments is a shipment.Store in the database file. Each call is one
// bbolt read-write transaction, so checks and writes are atomic.
type Shipments struct {
	db  *DB
	now func() time.Time
}

var _ shipment.Store = (*Shipments)(nil)

// NewShipments returns the shipment store of db; now is the clock of event
// expiry (nil means time.Now).
func NewShipments(db *DB, now func() time.Time) *Shipments {
	if now == nil {
		now = time.Now
	}
	return &Shipments{db: db, now: now}
}

func recordKey(profileID, id string) []byte {
	return []byte(profileID + "\x00" + id)
}

// shipmentRecord is a shipment as the file keeps it.
type shipmentRecord struct {
	ProfileID         string             `json:"profileId"`
	OrderID           string             `json:"orderId"`
	OrderReference    string             `json:"orderReference,omitempty"`
	ServiceID         string             `json:"serviceId,omitempty"`
	ServiceName       string             `json:"serviceName,omitempty"`
	Depot             string             `json:"depot,omitempty"`
	DeliveryMethod    string             `json:"deliveryMethod,omitempty"`
	ConsigneeName     string             `json:"consigneeName,omitempty"`
	ConsigneePostcode string             `json:"consigneePostcode,omitempty"`
	Packages          []shipment.Package `json:"packages,omitempty"`
	TotalWeightGrams  float64            `json:"totalWeightGrams,omitempty"`
	StreamOrderNo     string             `json:"streamOrderNo,omitempty"`
	ConsignmentNo     string             `json:"consignmentNo,omitempty"`
	CustomerOrderNo   string             `json:"customerOrderNo,omitempty"`
	TrackingID        string             `json:"trackingId,omitempty"`
	TrackingURL       string             `json:"trackingUrl,omitempty"`
	State             shipment.State     `json:"state"`
	Origin            shipment.Origin    `json:"origin,omitempty"`
	Run               string             `json:"run,omitempty"`
	Day               string             `json:"day,omitempty"`
	Sequence          int                `json:"sequence,omitempty"`
	StreamStatus      string             `json:"streamStatus,omitempty"`
	ManifestRef       string             `json:"manifestRef,omitempty"`
	LastEventAt       time.Time          `json:"lastEventAt,omitzero"`
	LastError         string             `json:"lastError,omitempty"`
	Applied           *appliedRecord     `json:"applied,omitempty"`
	ClaimID           string             `json:"claimId,omitempty"`
	LeaseUntil        time.Time          `json:"leaseUntil,omitzero"`
	CreatedAt         time.Time          `json:"createdAt"`
	UpdatedAt         time.Time          `json:"updatedAt"`
	Version           int64              `json:"version"`
}

// appliedRecord is shipment.Applied as the file keeps it.
type appliedRecord struct {
	LinnworksOrderID string            `json:"linnworksOrderId,omitempty"`
	TrackingNumber   string            `json:"trackingNumber,omitempty"`
	Identifiers      []string          `json:"identifiers,omitempty"`
	Notes            []string          `json:"notes,omitempty"`
	Properties       map[string]string `json:"properties,omitempty"`
	ProcessedAt      time.Time         `json:"processedAt,omitzero"`
	At               time.Time         `json:"at,omitzero"`
}

func encodeApplied(a shipment.Applied) *appliedRecord {
	r := appliedRecord{LinnworksOrderID: a.LinnworksOrderID, TrackingNumber: a.TrackingNumber,
		Identifiers: a.Identifiers, Notes: a.Notes, Properties: a.Properties, ProcessedAt: a.ProcessedAt, At: a.At}
	if r.LinnworksOrderID == "" && r.TrackingNumber == "" && len(r.Identifiers) == 0 && len(r.Notes) == 0 &&
		len(r.Properties) == 0 && r.ProcessedAt.IsZero() && r.At.IsZero() {
		return nil
	}
	return &r
}

func decodeApplied(r *appliedRecord) shipment.Applied {
	if r == nil {
		return shipment.Applied{}
	}
	return shipment.Applied{LinnworksOrderID: r.LinnworksOrderID, TrackingNumber: r.TrackingNumber,
		Identifiers: slices.Clone(r.Identifiers), Notes: slices.Clone(r.Notes), Properties: maps.Clone(r.Properties),
		ProcessedAt: r.ProcessedAt, At: r.At}
}

func encodeShipment(s *shipment.Shipment) ([]byte, error) {
	data, err := json.Marshal(shipmentRecord{
		ProfileID: s.ProfileID, OrderID: s.OrderID,
		OrderReference: s.OrderReference, ServiceID: s.ServiceID, ServiceName: s.ServiceName,
		Depot: s.Depot, DeliveryMethod: s.DeliveryMethod,
		ConsigneeName: s.ConsigneeName, ConsigneePostcode: s.ConsigneePostcode,
		Packages: s.Packages, TotalWeightGrams: s.TotalWeightGrams,
		StreamOrderNo: s.StreamOrderNo, ConsignmentNo: s.ConsignmentNo, CustomerOrderNo: s.CustomerOrderNo,
		TrackingID: s.TrackingID, TrackingURL: s.TrackingURL,
		State: s.State, Origin: s.Origin,
		Run: s.Run, Day: s.Day, Sequence: s.Sequence, StreamStatus: s.StreamStatus, ManifestRef: s.ManifestRef,
		LastEventAt: s.LastEventAt, LastError: s.LastError, Applied: encodeApplied(s.Applied),
		ClaimID: s.ClaimID, LeaseUntil: s.LeaseUntil,
		CreatedAt: s.CreatedAt, UpdatedAt: s.UpdatedAt, Version: s.Version,
	})
	if err != nil {
		return nil, fmt.Errorf("encode shipment record: %w", err)
	}
	return data, nil
}

func decodeShipment(data []byte) (*shipment.Shipment, error) {
	var r shipmentRecord
	if err := json.Unmarshal(data, &r); err != nil {
		return nil, fmt.Errorf("decode shipment record: %w", err)
	}
	return &shipment.Shipment{
		ProfileID: r.ProfileID, OrderID: r.OrderID,
		Details: shipment.Details{
			OrderReference: r.OrderReference, ServiceID: r.ServiceID, ServiceName: r.ServiceName,
			Depot: r.Depot, DeliveryMethod: r.DeliveryMethod,
			ConsigneeName: r.ConsigneeName, ConsigneePostcode: r.ConsigneePostcode,
			Packages: slices.Clone(r.Packages), TotalWeightGrams: r.TotalWeightGrams,
		},
		StreamOrderNo: r.StreamOrderNo, ConsignmentNo: r.ConsignmentNo, CustomerOrderNo: r.CustomerOrderNo,
		TrackingID: r.TrackingID, TrackingURL: r.TrackingURL,
		State: r.State, Origin: r.Origin,
		Run: r.Run, Day: r.Day, Sequence: r.Sequence, StreamStatus: r.StreamStatus, ManifestRef: r.ManifestRef,
		LastEventAt: r.LastEventAt, LastError: r.LastError, Applied: decodeApplied(r.Applied),
		ClaimID: r.ClaimID, LeaseUntil: r.LeaseUntil,
		CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt, Version: r.Version,
	}, nil
}

// readShipment returns the stored record, or nil when there is none.
func readShipment(tx *bolt.Tx, profileID, orderID string) (*shipment.Shipment, error) {
	v := tx.Bucket(bucketShipments).Get(recordKey(profileID, orderID))
	if v == nil {
		return nil, nil
	}
	return decodeShipment(v)
}

// writeShipment stores s in place of old (nil if none), keeping the Stream
// order number index and the open shipments index in step.
func writeShipment(tx *bolt.Tx, old, s *shipment.Shipment) error {
	data, err := encodeShipment(s)
	if err != nil {
		return err
	}
	if err := tx.Bucket(bucketShipments).Put(recordKey(s.ProfileID, s.OrderID), data); err != nil {
		return err
	}
	open := tx.Bucket(bucketOpenShipments)
	if old != nil && old.Open() {
		if err := open.Delete(recordKey(old.ProfileID, shipment.OpenKey(old))); err != nil {
			return err
		}
	}
	if s.Open() {
		if err := open.Put(recordKey(s.ProfileID, shipment.OpenKey(s)), []byte(s.OrderID)); err != nil {
			return err
		}
	}
	idx := tx.Bucket(bucketStreamOrders)
	if old != nil && old.StreamOrderNo != "" && old.StreamOrderNo != s.StreamOrderNo {
		k := recordKey(old.ProfileID, old.StreamOrderNo)
		if string(idx.Get(k)) == old.OrderID {
			if err := idx.Delete(k); err != nil {
				return err
			}
		}
	}
	if s.StreamOrderNo != "" {
		return idx.Put(recordKey(s.ProfileID, s.StreamOrderNo), []byte(s.OrderID))
	}
	return nil
}

// indexOpenShipments adds every open shipment to the open shipments index.
func indexOpenShipments(tx *bolt.Tx) error {
	open := tx.Bucket(bucketOpenShipments)
	return tx.Bucket(bucketShipments).ForEach(func(_, v []byte) error {
		s, err := decodeShipment(v)
		if err != nil {
			return err
		}
		if !s.Open() {
			return nil
		}
		return open.Put(recordKey(s.ProfileID, shipment.OpenKey(s)), []byte(s.OrderID))
	})
}

// Claim applies shipment.TakeOver to the stored record in one transaction.
func (st *Shipments) Claim(ctx context.Context, s *shipment.Shipment, now time.Time) (*shipment.Shipment, shipment.Claimed, error) {
	if err := shipment.CheckClaim(s, now); err != nil {
		return nil, shipment.NotClaimed, err
	}
	if err := ctx.Err(); err != nil {
		return nil, shipment.NotClaimed, fmt.Errorf("claim shipment %s: %w", s.OrderID, err)
	}
	var (
		next *shipment.Shipment
		how  shipment.Claimed
	)
	err := st.db.bolt.Update(func(tx *bolt.Tx) error {
		stored, err := readShipment(tx, s.ProfileID, s.OrderID)
		if err != nil {
			return err
		}
		next, how = shipment.TakeOver(stored, s, now)
		if how == shipment.NotClaimed {
			return nil
		}
		return writeShipment(tx, stored, next)
	})
	if err != nil {
		return nil, shipment.NotClaimed, fmt.Errorf("claim shipment %s: %w", s.OrderID, err)
	}
	return next, how, nil
}

// Get returns the shipment of the order.
func (st *Shipments) Get(ctx context.Context, profileID, orderID string) (*shipment.Shipment, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("get shipment %s: %w", orderID, err)
	}
	var s *shipment.Shipment
	err := st.db.bolt.View(func(tx *bolt.Tx) error {
		var err error
		if s, err = readShipment(tx, profileID, orderID); err == nil && s == nil {
			err = shipment.ErrNotFound
		}
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("get shipment %s of profile %s: %w", orderID, shipment.ShortID(profileID), err)
	}
	return s, nil
}

// Update replaces the shipment if its stored version is s.Version.
func (st *Shipments) Update(ctx context.Context, s *shipment.Shipment) error {
	if err := shipment.CheckRecord(s); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("update shipment %s: %w", s.OrderID, err)
	}
	next := shipment.Clone(s)
	next.Version = s.Version + 1
	err := st.db.bolt.Update(func(tx *bolt.Tx) error {
		stored, err := readShipment(tx, s.ProfileID, s.OrderID)
		switch {
		case err != nil:
			return err
		case stored == nil:
			return shipment.ErrNotFound
		case stored.Version != s.Version:
			return fmt.Errorf("at version %d (stored %d): %w", s.Version, stored.Version, shipment.ErrConflict)
		}
		return writeShipment(tx, stored, next)
	})
	if err != nil {
		return fmt.Errorf("update shipment %s: %w", s.OrderID, err)
	}
	s.Version = next.Version
	return nil
}

// ByStreamOrder returns the shipment the index names for the number, if
// it still has it.
func (st *Shipments) ByStreamOrder(ctx context.Context, profileID, orderNo string) (*shipment.Shipment, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("shipment by stream order %s: %w", orderNo, err)
	}
	var found []*shipment.Shipment
	err := st.db.bolt.View(func(tx *bolt.Tx) error {
		if orderNo == "" {
			return nil
		}
		id := tx.Bucket(bucketStreamOrders).Get(recordKey(profileID, orderNo))
		if id == nil {
			return nil
		}
		s, err := readShipment(tx, profileID, string(id))
		if s != nil {
			found = append(found, s)
		}
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("shipment by stream order %s: %w", orderNo, err)
	}
	return shipment.PickByStreamOrder(found, orderNo)
}

// manifestRecord is a manifest as the file keeps it.
type manifestRecord struct {
	ProfileID string                   `json:"profileId"`
	Reference string                   `json:"reference"`
	FiledAt   time.Time                `json:"filedAt"`
	Orders    []shipment.ManifestOrder `json:"orders"`
	LeftOut   []string                 `json:"leftOut,omitempty"`
}

// FileManifest files the orders in one transaction.
func (st *Shipments) FileManifest(ctx context.Context, req shipment.ManifestRequest) (*shipment.Manifest, error) {
	ids, err := req.CheckedOrderIDs()
	if err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("file manifest %s: %w", req.Reference, err)
	}
	var m *shipment.Manifest
	err = st.db.bolt.Update(func(tx *bolt.Tx) error {
		found := make(map[string]*shipment.Shipment, len(ids))
		for _, id := range ids {
			s, err := readShipment(tx, req.ProfileID, id)
			if err != nil {
				return err
			}
			if s != nil {
				found[id] = s
			}
		}
		built, filed, err := shipment.BuildManifest(req, ids, found)
		if err != nil {
			return err
		}
		mb := tx.Bucket(bucketManifests)
		mk := recordKey(req.ProfileID, built.Reference)
		if mb.Get(mk) != nil {
			return fmt.Errorf("file manifest %s: %w", built.Reference, shipment.ErrManifestExists)
		}
		data, err := json.Marshal(manifestRecord{ProfileID: built.ProfileID, Reference: built.Reference, FiledAt: built.FiledAt, Orders: built.Orders, LeftOut: built.LeftOut})
		if err != nil {
			return fmt.Errorf("encode manifest record: %w", err)
		}
		if err := mb.Put(mk, data); err != nil {
			return err
		}
		for _, s := range filed {
			if err := writeShipment(tx, found[s.OrderID], s); err != nil {
				return err
			}
		}
		m = built
		return nil
	})
	if err != nil {
		var me *shipment.ManifestError
		if errors.As(err, &me) || errors.Is(err, shipment.ErrManifestExists) {
			return nil, err
		}
		return nil, fmt.Errorf("file manifest %s: %w", req.Reference, err)
	}
	return m, nil
}

// GetManifest returns a filed manifest.
func (st *Shipments) GetManifest(ctx context.Context, profileID, reference string) (*shipment.Manifest, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("get manifest %s: %w", reference, err)
	}
	var r manifestRecord
	err := st.db.bolt.View(func(tx *bolt.Tx) error {
		v := tx.Bucket(bucketManifests).Get(recordKey(profileID, reference))
		if v == nil {
			return shipment.ErrNotFound
		}
		return json.Unmarshal(v, &r)
	})
	if err != nil {
		return nil, fmt.Errorf("get manifest %s: %w", reference, err)
	}
	return &shipment.Manifest{ProfileID: r.ProfileID, Reference: r.Reference, FiledAt: r.FiledAt, Orders: r.Orders, LeftOut: r.LeftOut}, nil
}

// MarkEvent stores the event's mark unless one that has not expired exists.
// Expired marks are overwritten rather than swept.
func (st *Shipments) MarkEvent(ctx context.Context, profileID, key string, ttl time.Duration) (bool, error) {
	if err := shipment.CheckEvent(profileID, key, ttl); err != nil {
		return false, err
	}
	if err := ctx.Err(); err != nil {
		return false, fmt.Errorf("mark event %s: %w", key, err)
	}
	now := st.now()
	first := false
	err := st.db.bolt.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketShipmentMarks)
		k := recordKey(profileID, key)
		if v := b.Get(k); v != nil {
			exp, err := strconv.ParseInt(string(v), 10, 64)
			if err != nil {
				return fmt.Errorf("decode event mark: %w", err)
			}
			if exp > now.Unix() {
				return nil
			}
		}
		first = true
		return b.Put(k, []byte(strconv.FormatInt(shipment.EventExpiry(now, ttl).Unix(), 10)))
	})
	if err != nil {
		return false, fmt.Errorf("mark event %s: %w", key, err)
	}
	return first, nil
}

// ListOpen reads a page of the profile's open shipments from the open
// shipments index, then each record.
func (st *Shipments) ListOpen(ctx context.Context, profileID string, since time.Time, after string, limit int) (shipment.OpenPage, error) {
	if err := shipment.CheckListOpen(profileID, limit); err != nil {
		return shipment.OpenPage{}, err
	}
	if err := ctx.Err(); err != nil {
		return shipment.OpenPage{}, fmt.Errorf("list open shipments: %w", err)
	}
	from, inclusive := shipment.OpenFrom(since, after)
	prefix := recordKey(profileID, "")
	var page shipment.OpenPage
	err := st.db.bolt.View(func(tx *bolt.Tx) error {
		c := tx.Bucket(bucketOpenShipments).Cursor()
		start := recordKey(profileID, from)
		for k, v := c.Seek(start); k != nil && bytes.HasPrefix(k, prefix); k, v = c.Next() {
			if !inclusive && bytes.Equal(k, start) {
				continue
			}
			if len(page.Shipments) == limit {
				page.Next = shipment.OpenKey(page.Shipments[limit-1])
				return nil
			}
			s, err := readShipment(tx, profileID, string(v))
			if err != nil {
				return err
			}
			if s == nil || !s.Open() {
				return fmt.Errorf("open shipments index names order %s, which is not open", v)
			}
			page.Shipments = append(page.Shipments, s)
		}
		return nil
	})
	if err != nil {
		return shipment.OpenPage{}, fmt.Errorf("list open shipments: %w", err)
	}
	return page, nil
}

// PollCursor returns the profile's poll cursor.
func (st *Shipments) PollCursor(ctx context.Context, profileID string) (string, error) {
	if err := ctx.Err(); err != nil {
		return "", fmt.Errorf("read poll cursor: %w", err)
	}
	var cursor string
	err := st.db.bolt.View(func(tx *bolt.Tx) error {
		cursor = string(tx.Bucket(bucketPollCursors).Get([]byte(profileID)))
		return nil
	})
	if err != nil {
		return "", fmt.Errorf("read poll cursor: %w", err)
	}
	return cursor, nil
}

// SetPollCursor stores the profile's poll cursor; "" deletes it.
func (st *Shipments) SetPollCursor(ctx context.Context, profileID, cursor string) error {
	if profileID == "" {
		return errors.New("store poll cursor: no profile ID")
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("store poll cursor: %w", err)
	}
	err := st.db.bolt.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketPollCursors)
		if cursor == "" {
			return b.Delete([]byte(profileID))
		}
		return b.Put([]byte(profileID), []byte(cursor))
	})
	if err != nil {
		return fmt.Errorf("store poll cursor: %w", err)
	}
	return nil
}
