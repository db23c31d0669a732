package dynamo

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"linnstream/internal/shipment"
)

// Attribute names, sort key prefixes and the index of the shipments table,
// agreed with template.yaml.
const (
	attrSK           = "sk"
	attrStreamOrder  = "streamOrderKey"
	attrState        = "state"
	attrClaimID      = "claimId"
	attrManifestRef  = "manifestRef"
	attrFilingRef    = "filingRef"
	attrUpdatedAt    = "updatedAt"
	streamOrderIndex = "streamOrder-index"
	// attrOpenProfile (the profile ID) and attrOpenKey (shipment.OpenKey)
	// are set only on open shipments: openIndex is sparse, holding just
	// those, so the dispatch poll never reads closed or old records.
	attrOpenProfile = "openProfile"
	attrOpenKey     = "openKey"
	openIndex       = "open-index"
	attrCursor      = "cursor"
	skOrder         = "ORDER#"
	skPoll          = "POLL"
	skManifest      = "MANIFEST#"
	skEvent         = "EVENT#"
)

// Retry bounds of the shipments store.
const (
	maxClaimRounds    = 5
	maxManifestRounds = 5
	maxBatchGetRounds = 8
)

// ShipmentsAPI is the part of the DynamoDB client the shipment store uses.
type ShipmentsAPI interface {
	API
	BatchGetItem(ctx context.Context, in *dynamodb.BatchGetItemInput, optFns ...func(*dynamodb.Options)) (*dynamodb.BatchGetItemOutput, error)
	TransactWriteItems(ctx context.Context, in *dynamodb.TransactWriteItemsInput, optFns ...func(*dynamodb.Options)) (*dynamodb.TransactWriteItemsOutput, error)
}

var _ ShipmentsAPI = (*dynamodb.Client)(nil)

// Shipments is a shipment.Store in the shipments table: partition pk = the
// profile ID; sort key ORDER#<OrderId> for shipments, MANIFEST#<reference>
// for manifests (MANIFEST#<reference>#PART#<n> for the parts of their
// order lists) and EVENT#<key> for event marks (which alone carry the
// expiresAt TTL). Shipments carry streamOrderKey = <profile ID>#<Stream
// order number> for the streamOrder-index, and open shipments openProfile
// and openKey for the open-index. The item POLL holds the dispatch poll's
// cursor. Every guarding write is a conditional put or a transaction.
//
// A shipment being filed into a manifest carries filingRef, the manifest's
// reference, until the filing is settled; callers never see it. The order
// counts as filed once that manifest is (see FileManifest), and every write
// keeps the mark.
type Shipments struct {
	api   ShipmentsAPI
	table string
	now   func() time.Time
	// settled caches the manifests known to be filed or abandoned, which
	// never change again, by profile ID and reference.
	settled sync.Map
	// chunk is how many orders one filing transaction marks: manifestChunk,
	// or fewer in tests, which file manifests in several parts without
	// holding a hundred orders (moto copies the table for every item of a
	// transaction, so large filings are slow there).
	chunk int
}

var _ shipment.Store = (*Shipments)(nil)

// NewShipments returns the shipment store in table; now is the clock of
// event expiry (nil means time.Now).
func NewShipments(api ShipmentsAPI, table string, now func() time.Time) *Shipments {
	if now == nil {
		now = time.Now
	}
	return &Shipments{api: api, table: table, now: now, chunk: manifestChunk}
}

// shipmentItem is a shipment as the table keeps it. Times are RFC 3339
// strings with nanoseconds, in UTC; empty values are left out.
type shipmentItem struct {
	PK                string        `dynamodbav:"pk"`
	SK                string        `dynamodbav:"sk"`
	StreamOrderKey    string        `dynamodbav:"streamOrderKey,omitempty"`
	OpenProfile       string        `dynamodbav:"openProfile,omitempty"`
	OpenKey           string        `dynamodbav:"openKey,omitempty"`
	OrderID           string        `dynamodbav:"orderId"`
	OrderReference    string        `dynamodbav:"orderReference,omitempty"`
	ServiceID         string        `dynamodbav:"serviceId,omitempty"`
	ServiceName       string        `dynamodbav:"serviceName,omitempty"`
	Depot             string        `dynamodbav:"depot,omitempty"`
	DeliveryMethod    string        `dynamodbav:"deliveryMethod,omitempty"`
	ConsigneeName     string        `dynamodbav:"consigneeName,omitempty"`
	ConsigneePostcode string        `dynamodbav:"consigneePostcode,omitempty"`
	Packages          []packageItem `dynamodbav:"packages,omitempty"`
	TotalWeightGrams  float64       `dynamodbav:"totalWeightGrams,omitempty"`
	StreamOrderNo     string        `dynamodbav:"streamOrderNo,omitempty"`
	ConsignmentNo     string        `dynamodbav:"consignmentNo,omitempty"`
	CustomerOrderNo   string        `dynamodbav:"customerOrderNo,omitempty"`
	TrackingID        string        `dynamodbav:"trackingId,omitempty"`
	TrackingURL       string        `dynamodbav:"trackingUrl,omitempty"`
	State             string        `dynamodbav:"state"`
	Origin            string        `dynamodbav:"origin,omitempty"`
	Run               string        `dynamodbav:"run,omitempty"`
	Day               string        `dynamodbav:"day,omitempty"`
	Sequence          int           `dynamodbav:"sequence,omitempty"`
	StreamStatus      string        `dynamodbav:"streamStatus,omitempty"`
	ManifestRef       string        `dynamodbav:"manifestRef,omitempty"`
	FilingRef         string        `dynamodbav:"filingRef,omitempty"`
	LastEventAt       string        `dynamodbav:"lastEventAt,omitempty"`
	LastError         string        `dynamodbav:"lastError,omitempty"`
	Applied           *appliedItem  `dynamodbav:"applied,omitempty"`
	ClaimID           string        `dynamodbav:"claimId,omitempty"`
	LeaseUntil        string        `dynamodbav:"leaseUntil,omitempty"`
	CreatedAt         string        `dynamodbav:"createdAt"`
	UpdatedAt         string        `dynamodbav:"updatedAt"`
	Version           int64         `dynamodbav:"version"`
}

// appliedItem is shipment.Applied as the table keeps it: one map
// attribute, left out while the write-back has applied nothing.
type appliedItem struct {
	LinnworksOrderID string            `dynamodbav:"linnworksOrderId,omitempty"`
	TrackingNumber   string            `dynamodbav:"trackingNumber,omitempty"`
	Identifiers      []string          `dynamodbav:"identifiers,omitempty"`
	Notes            []string          `dynamodbav:"notes,omitempty"`
	Properties       map[string]string `dynamodbav:"properties,omitempty"`
	ProcessedAt      string            `dynamodbav:"processedAt,omitempty"`
	At               string            `dynamodbav:"at,omitempty"`
}

func encodeApplied(a shipment.Applied) *appliedItem {
	it := appliedItem{LinnworksOrderID: a.LinnworksOrderID, TrackingNumber: a.TrackingNumber,
		Identifiers: a.Identifiers, Notes: a.Notes, Properties: a.Properties,
		ProcessedAt: formatTime(a.ProcessedAt), At: formatTime(a.At)}
	if it.LinnworksOrderID == "" && it.TrackingNumber == "" && len(it.Identifiers) == 0 && len(it.Notes) == 0 &&
		len(it.Properties) == 0 && it.ProcessedAt == "" && it.At == "" {
		return nil
	}
	return &it
}

func decodeApplied(it *appliedItem) (shipment.Applied, error) {
	if it == nil {
		return shipment.Applied{}, nil
	}
	a := shipment.Applied{LinnworksOrderID: it.LinnworksOrderID, TrackingNumber: it.TrackingNumber,
		Identifiers: it.Identifiers, Notes: it.Notes, Properties: it.Properties}
	var err error
	if a.ProcessedAt, err = parseTime("applied.processedAt", it.ProcessedAt); err != nil {
		return a, err
	}
	if a.At, err = parseTime("applied.at", it.At); err != nil {
		return a, err
	}
	return a, nil
}

type packageItem struct {
	SequenceNumber int     `dynamodbav:"sequenceNumber"`
	TrackingNumber string  `dynamodbav:"trackingNumber,omitempty"`
	WeightGrams    float64 `dynamodbav:"weightGrams"`
}

func formatTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339Nano)
}

func parseTime(field, s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("attribute %s: %w", field, err)
	}
	return t, nil
}

func orderKey(profileID, orderID string) map[string]types.AttributeValue {
	return map[string]types.AttributeValue{
		attrPK: &types.AttributeValueMemberS{Value: profileID},
		attrSK: &types.AttributeValueMemberS{Value: skOrder + orderID},
	}
}

func streamOrderKey(profileID, orderNo string) string { return profileID + "#" + orderNo }

func encodeShipment(s *shipment.Shipment) (map[string]types.AttributeValue, error) {
	it := shipmentItem{
		PK: s.ProfileID, SK: skOrder + s.OrderID, OrderID: s.OrderID,
		OrderReference: s.OrderReference, ServiceID: s.ServiceID, ServiceName: s.ServiceName,
		Depot: s.Depot, DeliveryMethod: s.DeliveryMethod,
		ConsigneeName: s.ConsigneeName, ConsigneePostcode: s.ConsigneePostcode,
		TotalWeightGrams: s.TotalWeightGrams,
		StreamOrderNo:    s.StreamOrderNo, ConsignmentNo: s.ConsignmentNo, CustomerOrderNo: s.CustomerOrderNo,
		TrackingID: s.TrackingID, TrackingURL: s.TrackingURL,
		State: string(s.State), Origin: string(s.Origin),
		Run: s.Run, Day: s.Day, Sequence: s.Sequence, StreamStatus: s.StreamStatus, ManifestRef: s.ManifestRef,
		LastEventAt: formatTime(s.LastEventAt), LastError: s.LastError, Applied: encodeApplied(s.Applied),
		ClaimID: s.ClaimID, LeaseUntil: formatTime(s.LeaseUntil),
		CreatedAt: formatTime(s.CreatedAt), UpdatedAt: formatTime(s.UpdatedAt),
		Version: s.Version,
	}
	if s.StreamOrderNo != "" {
		it.StreamOrderKey = streamOrderKey(s.ProfileID, s.StreamOrderNo)
	}
	if s.Open() {
		it.OpenProfile, it.OpenKey = s.ProfileID, shipment.OpenKey(s)
	}
	for _, p := range s.Packages {
		it.Packages = append(it.Packages, packageItem{SequenceNumber: p.SequenceNumber, TrackingNumber: p.TrackingNumber, WeightGrams: p.WeightGrams})
	}
	av, err := attributevalue.MarshalMap(it)
	if err != nil {
		return nil, fmt.Errorf("encode shipment item: %w", err)
	}
	return av, nil
}

// decodeShipment returns the shipment of an item as stored, and the
// manifest it is being filed into (its filingRef), if any.
func decodeShipment(av map[string]types.AttributeValue) (*shipment.Shipment, string, error) {
	var it shipmentItem
	if err := attributevalue.UnmarshalMap(av, &it); err != nil {
		return nil, "", fmt.Errorf("decode shipment item: %w", err)
	}
	s := &shipment.Shipment{
		ProfileID: it.PK, OrderID: it.OrderID,
		Details: shipment.Details{
			OrderReference: it.OrderReference, ServiceID: it.ServiceID, ServiceName: it.ServiceName,
			Depot: it.Depot, DeliveryMethod: it.DeliveryMethod,
			ConsigneeName: it.ConsigneeName, ConsigneePostcode: it.ConsigneePostcode,
			TotalWeightGrams: it.TotalWeightGrams,
		},
		StreamOrderNo: it.StreamOrderNo, ConsignmentNo: it.ConsignmentNo, CustomerOrderNo: it.CustomerOrderNo,
		TrackingID: it.TrackingID, TrackingURL: it.TrackingURL,
		State: shipment.State(it.State), Origin: shipment.Origin(it.Origin),
		Run: it.Run, Day: it.Day, Sequence: it.Sequence, StreamStatus: it.StreamStatus, ManifestRef: it.ManifestRef,
		LastError: it.LastError, ClaimID: it.ClaimID, Version: it.Version,
	}
	for _, p := range it.Packages {
		s.Packages = append(s.Packages, shipment.Package{SequenceNumber: p.SequenceNumber, TrackingNumber: p.TrackingNumber, WeightGrams: p.WeightGrams})
	}
	applied, err := decodeApplied(it.Applied)
	if err != nil {
		return nil, "", fmt.Errorf("decode shipment item %s: %w", it.OrderID, err)
	}
	s.Applied = applied
	for _, f := range []struct {
		name string
		src  string
		dst  *time.Time
	}{
		{"lastEventAt", it.LastEventAt, &s.LastEventAt},
		{"leaseUntil", it.LeaseUntil, &s.LeaseUntil},
		{"createdAt", it.CreatedAt, &s.CreatedAt},
		{"updatedAt", it.UpdatedAt, &s.UpdatedAt},
	} {
		if *f.dst, err = parseTime(f.name, f.src); err != nil {
			return nil, "", fmt.Errorf("decode shipment item %s: %w", it.OrderID, err)
		}
	}
	return s, it.FilingRef, nil
}

// view returns the shipment of a stored item as callers see it: an order
// whose filingRef names a manifest that was filed is in that manifest; a
// pending or abandoned filing leaves it in none.
func (st *Shipments) view(ctx context.Context, av map[string]types.AttributeValue) (*shipment.Shipment, error) {
	s, mark, err := decodeShipment(av)
	if err != nil || mark == "" || s.ManifestRef != "" {
		return s, err
	}
	h, err := st.manifestHeader(ctx, s.ProfileID, mark)
	if err != nil {
		return nil, fmt.Errorf("shipment %s: %w", s.OrderID, err)
	}
	if h.State == manifestFiled {
		s.ManifestRef = mark
	}
	return s, nil
}

func num(n int64) types.AttributeValue {
	return &types.AttributeValueMemberN{Value: strconv.FormatInt(n, 10)}
}

func str(s string) types.AttributeValue { return &types.AttributeValueMemberS{Value: s} }

// unchanged is the condition that the stored shipment is still stored: no
// item when stored is nil, else the same version, state and claim.
func unchanged(stored *shipment.Shipment) (string, map[string]string, map[string]types.AttributeValue) {
	if stored == nil {
		return "attribute_not_exists(#pk)", map[string]string{"#pk": attrPK}, nil
	}
	names := map[string]string{"#v": attrVersion, "#st": attrState, "#c": attrClaimID}
	values := map[string]types.AttributeValue{":v": num(stored.Version), ":st": str(string(stored.State))}
	cond := "#v = :v AND #st = :st AND "
	if stored.ClaimID == "" {
		cond += "attribute_not_exists(#c)"
	} else {
		cond += "#c = :c"
		values[":c"] = str(stored.ClaimID)
	}
	return cond, names, values
}

// putItem writes the item of order orderID if the condition holds. When
// the condition fails it returns false and the item stored instead (nil if
// there is none).
func (st *Shipments) putItem(ctx context.Context, profileID, orderID string, av map[string]types.AttributeValue, cond string, names map[string]string, values map[string]types.AttributeValue) (ok bool, current map[string]types.AttributeValue, err error) {
	id := stampWrite(av)
	_, err = st.api.PutItem(ctx, &dynamodb.PutItemInput{
		TableName:                           aws.String(st.table),
		Item:                                av,
		ConditionExpression:                 aws.String(cond),
		ExpressionAttributeNames:            names,
		ExpressionAttributeValues:           values,
		ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld,
	})
	var failed *types.ConditionalCheckFailedException
	switch {
	case err == nil:
		return true, nil, nil
	case !errors.As(err, &failed):
		return false, nil, err
	case len(failed.Item) > 0:
		current = failed.Item
	default:
		// Not every DynamoDB implementation returns the old item; read it.
		current, err = st.getItem(ctx, orderKey(profileID, orderID))
		if errors.Is(err, shipment.ErrNotFound) {
			return false, nil, nil
		}
		if err != nil {
			return false, nil, err
		}
	}
	if landed(current, id) {
		// The SDK resent a put that had landed: the write is ours.
		return true, nil, nil
	}
	return false, current, nil
}

// putShipment writes s if the condition holds. It returns the shipment
// stored instead when the condition fails (nil if there is none) and ok
// false.
func (st *Shipments) putShipment(ctx context.Context, s *shipment.Shipment, cond string, names map[string]string, values map[string]types.AttributeValue) (ok bool, current *shipment.Shipment, err error) {
	av, err := encodeShipment(s)
	if err != nil {
		return false, nil, err
	}
	ok, cur, err := st.putItem(ctx, s.ProfileID, s.OrderID, av, cond, names, values)
	if err != nil || ok || cur == nil {
		return ok, nil, err
	}
	current, err = st.view(ctx, cur)
	return false, current, err
}

// Claim applies shipment.TakeOver; each write is conditional on the record
// it was decided from, and a lost race is decided again from the winner.
func (st *Shipments) Claim(ctx context.Context, s *shipment.Shipment, now time.Time) (*shipment.Shipment, shipment.Claimed, error) {
	if err := shipment.CheckClaim(s, now); err != nil {
		return nil, shipment.NotClaimed, err
	}
	var stored *shipment.Shipment // assume none: the common case costs one write
	for range maxClaimRounds {
		next, how := shipment.TakeOver(stored, s, now)
		if how == shipment.NotClaimed {
			return next, how, nil
		}
		cond, names, values := unchanged(stored)
		ok, cur, err := st.putShipment(ctx, next, cond, names, values)
		if err != nil {
			return nil, shipment.NotClaimed, fmt.Errorf("claim shipment %s: %w", s.OrderID, err)
		}
		if ok {
			return next, how, nil
		}
		stored = cur
	}
	return nil, shipment.NotClaimed, fmt.Errorf("claim shipment %s: %d rounds lost to concurrent writes: %w", s.OrderID, maxClaimRounds, shipment.ErrConflict)
}

// getItem reads the item at key by a strongly consistent read;
// shipment.ErrNotFound if there is none.
func (st *Shipments) getItem(ctx context.Context, key map[string]types.AttributeValue) (map[string]types.AttributeValue, error) {
	out, err := st.api.GetItem(ctx, &dynamodb.GetItemInput{
		TableName:      aws.String(st.table),
		Key:            key,
		ConsistentRead: aws.Bool(true),
	})
	if err != nil {
		return nil, err
	}
	if len(out.Item) == 0 {
		return nil, shipment.ErrNotFound
	}
	return out.Item, nil
}

func (st *Shipments) get(ctx context.Context, profileID, orderID string) (*shipment.Shipment, error) {
	av, err := st.getItem(ctx, orderKey(profileID, orderID))
	if err != nil {
		return nil, err
	}
	return st.view(ctx, av)
}

// Get returns the shipment by a strongly consistent read.
func (st *Shipments) Get(ctx context.Context, profileID, orderID string) (*shipment.Shipment, error) {
	if profileID == "" || orderID == "" {
		return nil, fmt.Errorf("get shipment %q: %w", orderID, shipment.ErrNotFound)
	}
	s, err := st.get(ctx, profileID, orderID)
	if err != nil {
		return nil, fmt.Errorf("get shipment %s of profile %s: %w", orderID, shipment.ShortID(profileID), err)
	}
	return s, nil
}

// maxUpdateRounds bounds the writes of one Update: a plain put, and a put
// that keeps (or clears) the stored item's filingRef.
const maxUpdateRounds = 3

// Update replaces the shipment if its stored version is s.Version. The
// stored filingRef is kept while its manifest is pending or filed, and
// dropped once the manifest was abandoned.
func (st *Shipments) Update(ctx context.Context, s *shipment.Shipment) error {
	if err := shipment.CheckRecord(s); err != nil {
		return err
	}
	next := shipment.Clone(s)
	next.Version = s.Version + 1
	av, err := encodeShipment(next)
	if err != nil {
		return fmt.Errorf("update shipment %s: %w", s.OrderID, err)
	}
	names := map[string]string{"#v": attrVersion, "#f": attrFilingRef}
	values := map[string]types.AttributeValue{":v": num(s.Version)}
	cond := "#v = :v AND attribute_not_exists(#f)"
	for range maxUpdateRounds {
		ok, cur, err := st.putItem(ctx, s.ProfileID, s.OrderID, av, cond, names, values)
		switch {
		case err != nil:
			return fmt.Errorf("update shipment %s: %w", s.OrderID, err)
		case ok:
			s.Version = next.Version
			return nil
		case cur == nil:
			return fmt.Errorf("update shipment %s: %w", s.OrderID, shipment.ErrNotFound)
		}
		stored, mark, err := decodeShipment(cur)
		if err != nil {
			return fmt.Errorf("update shipment %s: %w", s.OrderID, err)
		}
		if stored.Version != s.Version {
			return fmt.Errorf("update shipment %s at version %d (stored %d): %w", s.OrderID, s.Version, stored.Version, shipment.ErrConflict)
		}
		// The version matches, so a filing mark came or went: write again,
		// conditional on the mark now stored.
		delete(av, attrFilingRef)
		if mark == "" {
			cond = "#v = :v AND attribute_not_exists(#f)"
			delete(values, ":f")
			continue
		}
		h, err := st.manifestHeader(ctx, s.ProfileID, mark)
		if err != nil {
			return fmt.Errorf("update shipment %s: %w", s.OrderID, err)
		}
		if h.State == manifestPending || h.State == manifestFiled {
			av[attrFilingRef] = str(mark)
		}
		cond = "#v = :v AND #f = :f"
		values[":f"] = str(mark)
	}
	return fmt.Errorf("update shipment %s: %d writes lost to concurrent filing: %w", s.OrderID, maxUpdateRounds, shipment.ErrConflict)
}

// ByStreamOrder finds the shipment through the streamOrder-index. The index
// is eventually consistent, so every record it names is read again from the
// table and kept only if it still has the number.
func (st *Shipments) ByStreamOrder(ctx context.Context, profileID, orderNo string) (*shipment.Shipment, error) {
	if profileID == "" || orderNo == "" {
		return nil, fmt.Errorf("shipment by stream order %q: %w", orderNo, shipment.ErrNotFound)
	}
	out, err := st.api.Query(ctx, &dynamodb.QueryInput{
		TableName:                 aws.String(st.table),
		IndexName:                 aws.String(streamOrderIndex),
		KeyConditionExpression:    aws.String("#k = :k"),
		ExpressionAttributeNames:  map[string]string{"#k": attrStreamOrder, "#pk": attrPK, "#sk": attrSK},
		ExpressionAttributeValues: map[string]types.AttributeValue{":k": str(streamOrderKey(profileID, orderNo))},
		ProjectionExpression:      aws.String("#pk, #sk"),
		Limit:                     aws.Int32(10),
	})
	if err != nil {
		return nil, fmt.Errorf("shipment by stream order %s: query index: %w", orderNo, err)
	}
	var found []*shipment.Shipment
	for _, it := range out.Items {
		pk, ok1 := it[attrPK].(*types.AttributeValueMemberS)
		sk, ok2 := it[attrSK].(*types.AttributeValueMemberS)
		if !ok1 || !ok2 || pk.Value != profileID || len(sk.Value) <= len(skOrder) || sk.Value[:len(skOrder)] != skOrder {
			continue
		}
		s, err := st.get(ctx, profileID, sk.Value[len(skOrder):])
		if errors.Is(err, shipment.ErrNotFound) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("shipment by stream order %s: %w", orderNo, err)
		}
		found = append(found, s)
	}
	return shipment.PickByStreamOrder(found, orderNo)
}

// MarkEvent puts the event's mark unless one that has not expired exists;
// DynamoDB's TTL removes marks some time after expiresAt, and the condition
// treats an expired mark still present as absent.
func (st *Shipments) MarkEvent(ctx context.Context, profileID, key string, ttl time.Duration) (bool, error) {
	if err := shipment.CheckEvent(profileID, key, ttl); err != nil {
		return false, err
	}
	now := st.now()
	item := map[string]types.AttributeValue{
		attrPK:        str(profileID),
		attrSK:        str(skEvent + key),
		attrExpiresAt: num(shipment.EventExpiry(now, ttl).Unix()),
	}
	id := stampWrite(item)
	_, err := st.api.PutItem(ctx, &dynamodb.PutItemInput{
		TableName:                           aws.String(st.table),
		Item:                                item,
		ConditionExpression:                 aws.String("attribute_not_exists(#pk) OR #e <= :now"),
		ExpressionAttributeNames:            map[string]string{"#pk": attrPK, "#e": attrExpiresAt},
		ExpressionAttributeValues:           map[string]types.AttributeValue{":now": num(now.Unix())},
		ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld,
	})
	var failed *types.ConditionalCheckFailedException
	if errors.As(err, &failed) {
		stored := failed.Item
		if len(stored) == 0 {
			// Not every DynamoDB implementation returns the old item; read it.
			stored, err = st.getItem(ctx, map[string]types.AttributeValue{attrPK: str(profileID), attrSK: str(skEvent + key)})
			if err != nil && !errors.Is(err, shipment.ErrNotFound) {
				return false, fmt.Errorf("mark event %s: %w", key, err)
			}
		}
		// A resent put that had landed leaves our own mark: the first.
		return landed(stored, id), nil
	}
	if err != nil {
		return false, fmt.Errorf("mark event %s: %w", key, err)
	}
	return true, nil
}

// ListOpen queries the sparse open-index (keys only) for a page, then reads
// each record by a strongly consistent read, keeping those still open.
func (st *Shipments) ListOpen(ctx context.Context, profileID string, since time.Time, after string, limit int) (shipment.OpenPage, error) {
	if err := shipment.CheckListOpen(profileID, limit); err != nil {
		return shipment.OpenPage{}, err
	}
	from, inclusive := shipment.OpenFrom(since, after)
	op := ">"
	if inclusive {
		op = ">="
	}
	out, err := st.api.Query(ctx, &dynamodb.QueryInput{
		TableName:                 aws.String(st.table),
		IndexName:                 aws.String(openIndex),
		KeyConditionExpression:    aws.String("#p = :p AND #k " + op + " :k"),
		ExpressionAttributeNames:  map[string]string{"#p": attrOpenProfile, "#k": attrOpenKey},
		ExpressionAttributeValues: map[string]types.AttributeValue{":p": str(profileID), ":k": str(from)},
		Limit:                     aws.Int32(int32(limit)),
	})
	if err != nil {
		return shipment.OpenPage{}, fmt.Errorf("list open shipments: query index: %w", err)
	}
	var page shipment.OpenPage
	for _, it := range out.Items {
		sk, ok := it[attrSK].(*types.AttributeValueMemberS)
		key, ok2 := it[attrOpenKey].(*types.AttributeValueMemberS)
		if !ok || !ok2 || !strings.HasPrefix(sk.Value, skOrder) {
			continue
		}
		page.Next = key.Value
		s, err := st.get(ctx, profileID, strings.TrimPrefix(sk.Value, skOrder))
		if errors.Is(err, shipment.ErrNotFound) {
			continue
		}
		if err != nil {
			return shipment.OpenPage{}, fmt.Errorf("list open shipments: %w", err)
		}
		// The index lags writes: a record closed since is left out.
		if s.Open() {
			page.Shipments = append(page.Shipments, s)
		}
	}
	if len(out.LastEvaluatedKey) == 0 {
		page.Next = ""
	}
	return page, nil
}

// PollCursor reads the profile's POLL item.
func (st *Shipments) PollCursor(ctx context.Context, profileID string) (string, error) {
	if profileID == "" {
		return "", nil
	}
	av, err := st.getItem(ctx, pollKey(profileID))
	if errors.Is(err, shipment.ErrNotFound) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("read poll cursor: %w", err)
	}
	c, _ := av[attrCursor].(*types.AttributeValueMemberS)
	if c == nil {
		return "", nil
	}
	return c.Value, nil
}

// SetPollCursor puts the profile's POLL item; for "" it has no cursor.
func (st *Shipments) SetPollCursor(ctx context.Context, profileID, cursor string) error {
	if profileID == "" {
		return errors.New("store poll cursor: no profile ID")
	}
	item := pollKey(profileID)
	if cursor != "" {
		item[attrCursor] = str(cursor)
	}
	_, err := st.api.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(st.table), Item: item})
	if err != nil {
		return fmt.Errorf("store poll cursor: %w", err)
	}
	return nil
}

func pollKey(profileID string) map[string]types.AttributeValue {
	return map[string]types.AttributeValue{attrPK: str(profileID), attrSK: str(skPoll)}
}
