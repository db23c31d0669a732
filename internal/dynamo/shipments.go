package dynamo

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	mrand "math/rand/v2"
	"strconv"
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
	streamOrderIndex = "streamOrder-index"
	skOrder          = "ORDER#"
	skManifest       = "MANIFEST#"
	skEvent          = "EVENT#"
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
// for manifests and EVENT#<key> for event marks (which alone carry the
// expiresAt TTL). Shipments carry streamOrderKey = <profile ID>#<Stream
// order number> for the streamOrder-index. Every guarding write is a
// conditional put or a transaction.
type Shipments struct {
	api   ShipmentsAPI
	table string
	now   func() time.Time
}

var _ shipment.Store = (*Shipments)(nil)

// NewShipments returns the shipment store in table; now is the clock of
// event expiry (nil means time.Now).
func NewShipments(api ShipmentsAPI, table string, now func() time.Time) *Shipments {
	if now == nil {
		now = time.Now
	}
	return &Shipments{api: api, table: table, now: now}
}

// shipmentItem is a shipment as the table keeps it. Times are RFC 3339
// strings with nanoseconds, in UTC; empty values are left out.
type shipmentItem struct {
	PK                string        `dynamodbav:"pk"`
	SK                string        `dynamodbav:"sk"`
	StreamOrderKey    string        `dynamodbav:"streamOrderKey,omitempty"`
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
	LastEventAt       string        `dynamodbav:"lastEventAt,omitempty"`
	LastError         string        `dynamodbav:"lastError,omitempty"`
	ClaimID           string        `dynamodbav:"claimId,omitempty"`
	LeaseUntil        string        `dynamodbav:"leaseUntil,omitempty"`
	CreatedAt         string        `dynamodbav:"createdAt"`
	UpdatedAt         string        `dynamodbav:"updatedAt"`
	Version           int64         `dynamodbav:"version"`
}

type packageItem struct {
	SequenceNumber int     `dynamodbav:"sequenceNumber"`
	TrackingNumber string  `dynamodbav:"trackingNumber,omitempty"`
	WeightGrams    float64 `dynamodbav:"weightGrams"`
}

type manifestItem struct {
	PK        string              `dynamodbav:"pk"`
	SK        string              `dynamodbav:"sk"`
	Reference string              `dynamodbav:"reference"`
	FiledAt   string              `dynamodbav:"filedAt"`
	Orders    []manifestOrderItem `dynamodbav:"orders"`
}

type manifestOrderItem struct {
	OrderID           string  `dynamodbav:"orderId"`
	OrderReference    string  `dynamodbav:"orderReference,omitempty"`
	StreamOrderNo     string  `dynamodbav:"streamOrderNo,omitempty"`
	ConsignmentNo     string  `dynamodbav:"consignmentNo,omitempty"`
	TrackingID        string  `dynamodbav:"trackingId,omitempty"`
	ServiceName       string  `dynamodbav:"serviceName,omitempty"`
	ConsigneeName     string  `dynamodbav:"consigneeName,omitempty"`
	ConsigneePostcode string  `dynamodbav:"consigneePostcode,omitempty"`
	Packages          int     `dynamodbav:"packages"`
	WeightGrams       float64 `dynamodbav:"weightGrams"`
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
		LastEventAt: formatTime(s.LastEventAt), LastError: s.LastError,
		ClaimID: s.ClaimID, LeaseUntil: formatTime(s.LeaseUntil),
		CreatedAt: formatTime(s.CreatedAt), UpdatedAt: formatTime(s.UpdatedAt),
		Version: s.Version,
	}
	if s.StreamOrderNo != "" {
		it.StreamOrderKey = streamOrderKey(s.ProfileID, s.StreamOrderNo)
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

func decodeShipment(av map[string]types.AttributeValue) (*shipment.Shipment, error) {
	var it shipmentItem
	if err := attributevalue.UnmarshalMap(av, &it); err != nil {
		return nil, fmt.Errorf("decode shipment item: %w", err)
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
	var err error
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
			return nil, fmt.Errorf("decode shipment item %s: %w", it.OrderID, err)
		}
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

// putShipment writes s if the condition holds. It returns the item stored
// instead when the condition fails (nil if there is none) and ok false.
func (st *Shipments) putShipment(ctx context.Context, s *shipment.Shipment, cond string, names map[string]string, values map[string]types.AttributeValue) (ok bool, current *shipment.Shipment, err error) {
	av, err := encodeShipment(s)
	if err != nil {
		return false, nil, err
	}
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
		cur, err := decodeShipment(failed.Item)
		return false, cur, err
	}
	// Not every DynamoDB implementation returns the old item; read it.
	cur, err := st.get(ctx, s.ProfileID, s.OrderID)
	if errors.Is(err, shipment.ErrNotFound) {
		return false, nil, nil
	}
	return false, cur, err
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

func (st *Shipments) get(ctx context.Context, profileID, orderID string) (*shipment.Shipment, error) {
	out, err := st.api.GetItem(ctx, &dynamodb.GetItemInput{
		TableName:      aws.String(st.table),
		Key:            orderKey(profileID, orderID),
		ConsistentRead: aws.Bool(true),
	})
	if err != nil {
		return nil, err
	}
	if len(out.Item) == 0 {
		return nil, shipment.ErrNotFound
	}
	return decodeShipment(out.Item)
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

// Update replaces the shipment if its stored version is s.Version.
func (st *Shipments) Update(ctx context.Context, s *shipment.Shipment) error {
	if err := shipment.CheckRecord(s); err != nil {
		return err
	}
	next := shipment.Clone(s)
	next.Version = s.Version + 1
	ok, cur, err := st.putShipment(ctx, next, "#v = :v",
		map[string]string{"#v": attrVersion}, map[string]types.AttributeValue{":v": num(s.Version)})
	switch {
	case err != nil:
		return fmt.Errorf("update shipment %s: %w", s.OrderID, err)
	case ok:
		s.Version = next.Version
		return nil
	case cur == nil:
		return fmt.Errorf("update shipment %s: %w", s.OrderID, shipment.ErrNotFound)
	}
	return fmt.Errorf("update shipment %s at version %d (stored %d): %w", s.OrderID, s.Version, cur.Version, shipment.ErrConflict)
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

// readOrders reads the shipments of ids consistently, in batches.
func (st *Shipments) readOrders(ctx context.Context, profileID string, ids []string) (map[string]*shipment.Shipment, error) {
	found := make(map[string]*shipment.Shipment, len(ids))
	for start := 0; start < len(ids); start += 100 {
		keys := make([]map[string]types.AttributeValue, 0, 100)
		for _, id := range ids[start:min(start+100, len(ids))] {
			keys = append(keys, orderKey(profileID, id))
		}
		req := map[string]types.KeysAndAttributes{st.table: {Keys: keys, ConsistentRead: aws.Bool(true)}}
		for round := 0; len(req) > 0; round++ {
			if round == maxBatchGetRounds {
				return nil, fmt.Errorf("read %d orders: DynamoDB left keys unprocessed after %d rounds", len(ids), round)
			}
			if round > 0 && !pause(ctx, round) {
				return nil, ctx.Err()
			}
			out, err := st.api.BatchGetItem(ctx, &dynamodb.BatchGetItemInput{RequestItems: req})
			if err != nil {
				return nil, fmt.Errorf("read orders: %w", err)
			}
			for _, av := range out.Responses[st.table] {
				s, err := decodeShipment(av)
				if err != nil {
					return nil, err
				}
				found[s.OrderID] = s
			}
			req = out.UnprocessedKeys
		}
	}
	return found, nil
}

// pause waits a short jittered time before retry round (1-based); false if
// ctx ended.
func pause(ctx context.Context, round int) bool {
	d := time.Duration(round) * 10 * time.Millisecond
	t := time.NewTimer(d/2 + mrand.N(d/2+1))
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}

// FileManifest files the orders in one transaction: the manifest put
// (conditional on the reference being free) and one put per order,
// conditional on the version, state and manifest the rules were checked
// against. The reads only prepare the snapshot and the error; the guard is
// the transaction's conditions. A transaction lost to a concurrent change is
// prepared again from fresh reads.
func (st *Shipments) FileManifest(ctx context.Context, req shipment.ManifestRequest) (*shipment.Manifest, error) {
	ids, err := req.CheckedOrderIDs()
	if err != nil {
		return nil, err
	}
	for round := 0; round < maxManifestRounds; round++ {
		if round > 0 && !pause(ctx, round) {
			return nil, fmt.Errorf("file manifest %s: %w", req.Reference, ctx.Err())
		}
		found, err := st.readOrders(ctx, req.ProfileID, ids)
		if err != nil {
			return nil, fmt.Errorf("file manifest %s: %w", req.Reference, err)
		}
		m, filed, err := shipment.BuildManifest(req, ids, found)
		if err != nil {
			return nil, err
		}
		items, err := st.manifestWrites(m, filed)
		if err != nil {
			return nil, fmt.Errorf("file manifest %s: %w", m.Reference, err)
		}
		token := make([]byte, 16)
		_, _ = rand.Read(token)
		_, err = st.api.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{
			TransactItems:      items,
			ClientRequestToken: aws.String(hex.EncodeToString(token)),
		})
		if err == nil {
			return m, nil
		}
		var canceled *types.TransactionCanceledException
		if !errors.As(err, &canceled) {
			return nil, fmt.Errorf("file manifest %s: %w", m.Reference, err)
		}
		taken, err := st.manifestTaken(ctx, req.ProfileID, m.Reference, canceled)
		if err != nil {
			return nil, fmt.Errorf("file manifest %s: %w", m.Reference, err)
		}
		if taken {
			return nil, fmt.Errorf("file manifest %s: %w", m.Reference, shipment.ErrManifestExists)
		}
	}
	return nil, fmt.Errorf("file manifest %s: %d attempts lost to concurrent changes of its orders: %w", req.Reference, maxManifestRounds, shipment.ErrConflict)
}

func (st *Shipments) manifestWrites(m *shipment.Manifest, filed []*shipment.Shipment) ([]types.TransactWriteItem, error) {
	mi := manifestItem{PK: m.ProfileID, SK: skManifest + m.Reference, Reference: m.Reference, FiledAt: formatTime(m.FiledAt)}
	for _, o := range m.Orders {
		mi.Orders = append(mi.Orders, manifestOrderItem(o))
	}
	mav, err := attributevalue.MarshalMap(mi)
	if err != nil {
		return nil, fmt.Errorf("encode manifest item: %w", err)
	}
	items := []types.TransactWriteItem{{Put: &types.Put{
		TableName:                aws.String(st.table),
		Item:                     mav,
		ConditionExpression:      aws.String("attribute_not_exists(#pk)"),
		ExpressionAttributeNames: map[string]string{"#pk": attrPK},
	}}}
	for _, s := range filed {
		av, err := encodeShipment(s)
		if err != nil {
			return nil, err
		}
		items = append(items, types.TransactWriteItem{Put: &types.Put{
			TableName:                aws.String(st.table),
			Item:                     av,
			ConditionExpression:      aws.String("#v = :v AND #st = :st AND attribute_not_exists(#m)"),
			ExpressionAttributeNames: map[string]string{"#v": attrVersion, "#st": attrState, "#m": attrManifestRef},
			ExpressionAttributeValues: map[string]types.AttributeValue{
				":v": num(s.Version - 1), ":st": str(string(shipment.StateCreated)),
			},
		}})
	}
	return items, nil
}

// manifestTaken tells whether a cancelled filing failed on its manifest
// put: from the cancellation reasons, or, when there are none, by reading.
func (st *Shipments) manifestTaken(ctx context.Context, profileID, ref string, canceled *types.TransactionCanceledException) (bool, error) {
	if reasons := canceled.CancellationReasons; len(reasons) > 0 {
		return aws.ToString(reasons[0].Code) == "ConditionalCheckFailed", nil
	}
	_, err := st.GetManifest(ctx, profileID, ref)
	if errors.Is(err, shipment.ErrNotFound) {
		return false, nil
	}
	return err == nil, err
}

// GetManifest returns a filed manifest.
func (st *Shipments) GetManifest(ctx context.Context, profileID, reference string) (*shipment.Manifest, error) {
	if profileID == "" || reference == "" {
		return nil, fmt.Errorf("get manifest %q: %w", reference, shipment.ErrNotFound)
	}
	out, err := st.api.GetItem(ctx, &dynamodb.GetItemInput{
		TableName:      aws.String(st.table),
		Key:            map[string]types.AttributeValue{attrPK: str(profileID), attrSK: str(skManifest + reference)},
		ConsistentRead: aws.Bool(true),
	})
	if err != nil {
		return nil, fmt.Errorf("get manifest %s: %w", reference, err)
	}
	if len(out.Item) == 0 {
		return nil, fmt.Errorf("get manifest %s: %w", reference, shipment.ErrNotFound)
	}
	var mi manifestItem
	if err := attributevalue.UnmarshalMap(out.Item, &mi); err != nil {
		return nil, fmt.Errorf("get manifest %s: decode: %w", reference, err)
	}
	filedAt, err := parseTime("filedAt", mi.FiledAt)
	if err != nil {
		return nil, fmt.Errorf("get manifest %s: %w", reference, err)
	}
	m := &shipment.Manifest{ProfileID: mi.PK, Reference: mi.Reference, FiledAt: filedAt}
	for _, o := range mi.Orders {
		m.Orders = append(m.Orders, shipment.ManifestOrder(o))
	}
	return m, nil
}

// MarkEvent puts the event's mark unless one that has not expired exists;
// DynamoDB's TTL removes marks some time after expiresAt, and the condition
// treats an expired mark still present as absent.
func (st *Shipments) MarkEvent(ctx context.Context, profileID, key string, ttl time.Duration) (bool, error) {
	if err := shipment.CheckEvent(profileID, key, ttl); err != nil {
		return false, err
	}
	now := st.now()
	_, err := st.api.PutItem(ctx, &dynamodb.PutItemInput{
		TableName: aws.String(st.table),
		Item: map[string]types.AttributeValue{
			attrPK:        str(profileID),
			attrSK:        str(skEvent + key),
			attrExpiresAt: num(shipment.EventExpiry(now, ttl).Unix()),
		},
		ConditionExpression:       aws.String("attribute_not_exists(#pk) OR #e <= :now"),
		ExpressionAttributeNames:  map[string]string{"#pk": attrPK, "#e": attrExpiresAt},
		ExpressionAttributeValues: map[string]types.AttributeValue{":now": num(now.Unix())},
	})
	var failed *types.ConditionalCheckFailedException
	if errors.As(err, &failed) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("mark event %s: %w", key, err)
	}
	return true, nil
}
