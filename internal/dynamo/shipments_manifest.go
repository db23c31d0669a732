package dynamo

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	mrand "math/rand/v2"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"linnstream/internal/shipment"
)

// States of a manifest item.
const (
	// manifestPending: a filing holds the reference and is marking its
	// orders; the manifest is not visible yet.
	manifestPending = "pending"
	// manifestFiled: every order was marked; the manifest and its orders'
	// membership are visible.
	manifestFiled = "filed"
	// manifestAbandoned: the filing failed or ran out of its lease; its
	// marks count for nothing and the reference stays used.
	manifestAbandoned = "abandoned"
)

const (
	attrManifestState = "manifestState"
	skPart            = "#PART#"

	// manifestChunk is how many orders one filing transaction marks:
	// DynamoDB takes at most 100 actions per transaction, and two of them
	// check the manifest and write the part of its order list.
	manifestChunk = 98
	// manifestLease is how long a filing may stay pending before another
	// filing may abandon it and take its orders. It is far longer than a
	// request may run.
	manifestLease = 2 * time.Minute
	// settleTimeout bounds the writes that settle a failed filing, which
	// run even when the request's own context has ended.
	settleTimeout = 10 * time.Second
)

// manifestItem is the head of a manifest: its state and, once filed, how
// many orders its parts hold.
type manifestItem struct {
	PK        string `dynamodbav:"pk"`
	SK        string `dynamodbav:"sk"`
	Reference string `dynamodbav:"reference"`
	FiledAt   string `dynamodbav:"filedAt"`
	State     string `dynamodbav:"manifestState"`
	// WriteID is the stamp of the put that wrote the head (see attrWriteID).
	WriteID string `dynamodbav:"writeId,omitempty"`
	// LeaseUntilMs is when a pending filing may be abandoned by another,
	// in Unix milliseconds (a number, so conditions compare it in order).
	LeaseUntilMs int64 `dynamodbav:"leaseUntilMs,omitempty"`
	OrderCount   int   `dynamodbav:"orderCount"`
	Parts        int   `dynamodbav:"parts"`
	// LeftOut are the listed orders left out as already cancelled (at most
	// shipment.MaxManifestOrders short IDs, well inside an item's 400 KB).
	LeftOut []string `dynamodbav:"leftOut,omitempty"`
}

// manifestPartItem is up to manifestChunk orders of a manifest's list, in
// order; part n (from 1) holds the nth chunk.
type manifestPartItem struct {
	PK     string              `dynamodbav:"pk"`
	SK     string              `dynamodbav:"sk"`
	Orders []manifestOrderItem `dynamodbav:"orders"`
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

func manifestKey(profileID, ref string) map[string]types.AttributeValue {
	return map[string]types.AttributeValue{attrPK: str(profileID), attrSK: str(skManifest + ref)}
}

func partSK(ref string, n int) string { return fmt.Sprintf("%s%s%s%04d", skManifest, ref, skPart, n) }

// parts is how many parts hold a list of orders.
func (st *Shipments) parts(orders int) int { return (orders + st.chunk - 1) / st.chunk }

// manifestHeader reads the head of a manifest; State is "" when there is
// none. Settled manifests are remembered, so orders of a filed manifest do
// not cost a read each.
func (st *Shipments) manifestHeader(ctx context.Context, profileID, ref string) (manifestItem, error) {
	if h, ok := st.settled.Load(profileID + "\x00" + ref); ok {
		return h.(manifestItem), nil
	}
	return st.readHeader(ctx, profileID, ref)
}

// readHeader reads the head of a manifest from the table.
func (st *Shipments) readHeader(ctx context.Context, profileID, ref string) (manifestItem, error) {
	key := profileID + "\x00" + ref
	out, err := st.api.GetItem(ctx, &dynamodb.GetItemInput{
		TableName:      aws.String(st.table),
		Key:            manifestKey(profileID, ref),
		ConsistentRead: aws.Bool(true),
	})
	if err != nil {
		return manifestItem{}, fmt.Errorf("read manifest %s: %w", ref, err)
	}
	var h manifestItem
	if len(out.Item) == 0 {
		return h, nil
	}
	if err := attributevalue.UnmarshalMap(out.Item, &h); err != nil {
		return manifestItem{}, fmt.Errorf("read manifest %s: decode: %w", ref, err)
	}
	if h.State == manifestFiled || h.State == manifestAbandoned {
		st.settled.Store(key, h)
	}
	return h, nil
}

// putHeader writes the head of a manifest if cond holds; false when it did
// not.
func (st *Shipments) putHeader(ctx context.Context, h manifestItem, cond string, names map[string]string, values map[string]types.AttributeValue) (bool, error) {
	h.WriteID = ""
	av, err := attributevalue.MarshalMap(h)
	if err != nil {
		return false, fmt.Errorf("encode manifest item: %w", err)
	}
	h.WriteID = stampWrite(av)
	_, err = st.api.PutItem(ctx, &dynamodb.PutItemInput{
		TableName:                 aws.String(st.table),
		Item:                      av,
		ConditionExpression:       aws.String(cond),
		ExpressionAttributeNames:  names,
		ExpressionAttributeValues: values,
	})
	var failed *types.ConditionalCheckFailedException
	switch {
	case errors.As(err, &failed):
		cur, err := st.readHeader(ctx, h.PK, h.Reference)
		if err != nil {
			return false, err
		}
		if cur.WriteID != h.WriteID {
			// Not a resend of this put that had landed: a lost race.
			return false, nil
		}
	case err != nil:
		return false, fmt.Errorf("write manifest %s: %w", h.Reference, err)
	}
	if h.State == manifestFiled || h.State == manifestAbandoned {
		st.settled.Store(h.PK+"\x00"+h.Reference, h)
	}
	return true, nil
}

// settle moves a pending manifest to state, on condition that it is still
// pending (and, with leaseEndedBy set, that its lease ended by then).
func (st *Shipments) settle(ctx context.Context, h manifestItem, state string, leaseEndedBy time.Time) (bool, error) {
	cond := "#s = :pending"
	values := map[string]types.AttributeValue{":pending": str(manifestPending)}
	names := map[string]string{"#s": attrManifestState}
	if !leaseEndedBy.IsZero() {
		cond += " AND #l <= :now"
		names["#l"] = "leaseUntilMs"
		values[":now"] = num(leaseEndedBy.UnixMilli())
	}
	h.State = state
	h.LeaseUntilMs = 0
	return st.putHeader(ctx, h, cond, names, values)
}

// filingOrder is an order as a filing read it: the record the filing rules
// judge, and what its writes are conditional on.
type filingOrder struct {
	rec  *shipment.Shipment
	item map[string]types.AttributeValue
	mark string // the filingRef stored
	// busy is set when mark names a filing still under way.
	busy bool
}

// readForFiling reads the orders of ids consistently, in batches, as the
// filing of manifest own sees them: an order marked by a filed manifest,
// or by a pending one whose lease has not ended, is in that manifest; an
// order marked by own itself, or by an abandoned filing, is in none. A
// pending filing whose lease has ended is abandoned first.
func (st *Shipments) readForFiling(ctx context.Context, profileID, own string, ids []string) (map[string]*filingOrder, error) {
	found := make(map[string]*filingOrder, len(ids))
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
				s, mark, err := decodeShipment(av)
				if err != nil {
					return nil, err
				}
				found[s.OrderID] = &filingOrder{rec: s, item: av, mark: mark}
			}
			req = out.UnprocessedKeys
		}
	}
	for _, o := range found {
		if o.mark == "" || o.mark == own || o.rec.ManifestRef != "" {
			continue
		}
		h, err := st.manifestHeader(ctx, profileID, o.mark)
		if err != nil {
			return nil, err
		}
		if now := st.now(); h.State == manifestPending && h.LeaseUntilMs <= now.UnixMilli() {
			if _, err := st.settle(ctx, h, manifestAbandoned, now); err != nil {
				return nil, err
			}
			if h, err = st.manifestHeader(ctx, profileID, o.mark); err != nil {
				return nil, err
			}
		}
		if h.State == manifestPending || h.State == manifestFiled {
			o.rec.ManifestRef = o.mark
			o.busy = h.State == manifestPending
		}
	}
	return found, nil
}

// buildManifest applies the filing rules to the orders found, saying of an
// order that another filing under way holds that it is being filed rather
// than that it is in a manifest no one can read yet.
func buildManifest(req shipment.ManifestRequest, ids []string, found map[string]*filingOrder) (*shipment.Manifest, error) {
	recs := make(map[string]*shipment.Shipment, len(found))
	for id, o := range found {
		recs[id] = o.rec
	}
	m, _, err := shipment.BuildManifest(req, ids, recs)
	var me *shipment.ManifestError
	if errors.As(err, &me) {
		for i, p := range me.Problems {
			if o := found[p.OrderID]; o != nil && o.busy {
				me.Problems[i].Reason = fmt.Sprintf("is being filed into manifest %s by another request; try again in %d minutes", o.mark, int(manifestLease.Minutes()))
			}
		}
	}
	return m, err
}

// errFilingRace means an order changed between a filing's read and its
// write; errFilingLost that another filing abandoned this one.
var (
	errFilingRace = errors.New("an order changed while the manifest was filed")
	errFilingLost = errors.New("the manifest was abandoned by another filing after its lease ran out")
)

// FileManifest files any number of orders (up to shipment.MaxManifestOrders)
// all or nothing, in steps:
//
//  1. The reference is checked to be free, the orders are read and the
//     filing rules checked; an order that cannot be filed fails the request
//     before anything is written.
//  2. The manifest's head is written as pending, conditional on the
//     reference being free, with a lease.
//  3. The orders are marked (filingRef = the reference) in transactions of
//     manifestChunk, each with one part of the manifest's order list and a
//     check that the manifest is still pending; every mark is conditional
//     on the version, state and mark the rules were checked against. A
//     transaction lost to a concurrent change makes the filing read and
//     check every order again and mark them again.
//  4. The head is moved to filed, conditional on it being pending: this one
//     write is what files every order at once. Then the marks are settled
//     into manifestRef as an ordinary write would set it.
//
// Until step 4 no order counts as filed (reads ignore marks of a manifest
// that is not filed) and GetManifest does not find the manifest. A filing
// that fails is abandoned, which leaves its marks meaningless; one that stops
// half-way (a crash, a lost connection) stays pending until its lease ends,
// when the next filing of one of its orders abandons it. An abandoned
// reference is not used again.
func (st *Shipments) FileManifest(ctx context.Context, req shipment.ManifestRequest) (*shipment.Manifest, error) {
	ids, err := req.CheckedOrderIDs()
	if err != nil {
		return nil, err
	}
	ref := strings.TrimSpace(req.Reference)
	// A used reference is refused before the orders are read; the write of
	// the head below is what guards it.
	if h, err := st.manifestHeader(ctx, req.ProfileID, ref); err != nil {
		return nil, fmt.Errorf("file manifest %s: %w", ref, err)
	} else if h.State != "" {
		return nil, fmt.Errorf("file manifest %s: %w", ref, shipment.ErrManifestExists)
	}
	found, err := st.readForFiling(ctx, req.ProfileID, "", ids)
	if err != nil {
		return nil, fmt.Errorf("file manifest %s: %w", ref, err)
	}
	m, err := buildManifest(req, ids, found)
	if err != nil {
		return nil, err
	}
	head := manifestItem{
		PK: req.ProfileID, SK: skManifest + ref, Reference: ref, FiledAt: formatTime(m.FiledAt),
		State: manifestPending, LeaseUntilMs: st.now().Add(manifestLease).UnixMilli(),
		OrderCount: len(m.Orders), Parts: st.parts(len(m.Orders)), LeftOut: m.LeftOut,
	}
	ok, err := st.putHeader(ctx, head, "attribute_not_exists(#pk)", map[string]string{"#pk": attrPK}, nil)
	if err != nil {
		return nil, fmt.Errorf("file manifest %s: %w", ref, err)
	}
	if !ok {
		return nil, fmt.Errorf("file manifest %s: %w", ref, shipment.ErrManifestExists)
	}
	m, found, err = st.markOrders(ctx, head, req, ids, m, found)
	if err == nil {
		var ok bool
		if ok, err = st.settle(ctx, head, manifestFiled, time.Time{}); err == nil && !ok {
			err = fmt.Errorf("file manifest %s: %w: %w", ref, errFilingLost, shipment.ErrConflict)
		}
	}
	if err != nil {
		// Abandon the filing even if the request's context has ended, so
		// its orders are free at once rather than when the lease ends.
		sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), settleTimeout)
		defer cancel()
		_, _ = st.settle(sctx, head, manifestAbandoned, time.Time{})
		return nil, err
	}
	st.settleMarks(ctx, m, found)
	return m, nil
}

// markOrders marks every order of m with its reference (step 3 of
// FileManifest), reading and checking the orders again after a lost
// transaction. It returns the manifest and the orders as last checked.
func (st *Shipments) markOrders(ctx context.Context, head manifestItem, req shipment.ManifestRequest, ids []string, m *shipment.Manifest, found map[string]*filingOrder) (*shipment.Manifest, map[string]*filingOrder, error) {
	for round := 1; ; round++ {
		err := st.writeMarks(ctx, head, m, found)
		switch {
		case err == nil:
			return m, found, nil
		case !errors.Is(err, errFilingRace):
			return nil, nil, fmt.Errorf("file manifest %s: %w", m.Reference, err)
		case round == maxManifestRounds:
			return nil, nil, fmt.Errorf("file manifest %s: %d attempts lost to concurrent changes of its orders: %w", m.Reference, round, shipment.ErrConflict)
		}
		if !pause(ctx, round) {
			return nil, nil, fmt.Errorf("file manifest %s: %w", m.Reference, ctx.Err())
		}
		if found, err = st.readForFiling(ctx, req.ProfileID, m.Reference, ids); err != nil {
			return nil, nil, fmt.Errorf("file manifest %s: %w", m.Reference, err)
		}
		if m, err = buildManifest(req, ids, found); err != nil {
			return nil, nil, err
		}
		if !slices.Equal(m.LeftOut, head.LeftOut) {
			// An order was cancelled since the head was written with the
			// orders it leaves out; the head cannot change, so the filing
			// is given up and the caller may file again.
			return nil, nil, fmt.Errorf("file manifest %s: an order was cancelled while it was filed: %w", m.Reference, shipment.ErrConflict)
		}
	}
}

// writeMarks writes the transactions of step 3, one per chunk of orders.
func (st *Shipments) writeMarks(ctx context.Context, head manifestItem, m *shipment.Manifest, found map[string]*filingOrder) error {
	for part := 1; (part-1)*st.chunk < len(m.Orders); part++ {
		chunk := m.Orders[(part-1)*st.chunk : min(part*st.chunk, len(m.Orders))]
		items, err := st.markItems(head, m, part, chunk, found)
		if err != nil {
			return err
		}
		token := make([]byte, 16)
		_, _ = rand.Read(token)
		_, err = st.api.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{
			TransactItems:      items,
			ClientRequestToken: aws.String(hex.EncodeToString(token)),
		})
		var canceled *types.TransactionCanceledException
		switch {
		case err == nil:
			continue
		case !errors.As(err, &canceled):
			return fmt.Errorf("mark orders of part %d: %w", part, err)
		}
		lost, err := st.headFailed(ctx, m, canceled)
		if err != nil {
			return err
		}
		if lost {
			return fmt.Errorf("%w: %w", errFilingLost, shipment.ErrConflict)
		}
		return errFilingRace
	}
	return nil
}

// markItems is the transaction of one part: the check that the manifest is
// still pending, the part of its order list, and each order's mark.
func (st *Shipments) markItems(head manifestItem, m *shipment.Manifest, part int, chunk []shipment.ManifestOrder, found map[string]*filingOrder) ([]types.TransactWriteItem, error) {
	p := manifestPartItem{PK: m.ProfileID, SK: partSK(m.Reference, part)}
	for _, o := range chunk {
		p.Orders = append(p.Orders, manifestOrderItem(o))
	}
	pav, err := attributevalue.MarshalMap(p)
	if err != nil {
		return nil, fmt.Errorf("encode manifest part: %w", err)
	}
	hav, err := attributevalue.MarshalMap(head)
	if err != nil {
		return nil, fmt.Errorf("encode manifest item: %w", err)
	}
	// The head is put again unchanged rather than checked, so the filing
	// needs no permission beyond PutItem.
	items := []types.TransactWriteItem{
		{Put: &types.Put{
			TableName: aws.String(st.table), Item: hav,
			ConditionExpression:       aws.String("#s = :pending"),
			ExpressionAttributeNames:  map[string]string{"#s": attrManifestState},
			ExpressionAttributeValues: map[string]types.AttributeValue{":pending": str(manifestPending)},
		}},
		{Put: &types.Put{TableName: aws.String(st.table), Item: pav}},
	}
	for _, o := range chunk {
		f := found[o.OrderID]
		item := make(map[string]types.AttributeValue, len(f.item)+1)
		for k, v := range f.item {
			item[k] = v
		}
		item[attrFilingRef] = str(m.Reference)
		names := map[string]string{"#v": attrVersion, "#st": attrState, "#m": attrManifestRef, "#f": attrFilingRef}
		values := map[string]types.AttributeValue{":v": num(f.rec.Version), ":st": str(string(shipment.StateCreated))}
		cond := "#v = :v AND #st = :st AND attribute_not_exists(#m) AND "
		if f.mark == "" {
			cond += "attribute_not_exists(#f)"
		} else {
			cond += "#f = :f"
			values[":f"] = str(f.mark)
		}
		items = append(items, types.TransactWriteItem{Put: &types.Put{
			TableName: aws.String(st.table), Item: item,
			ConditionExpression: aws.String(cond), ExpressionAttributeNames: names, ExpressionAttributeValues: values,
		}})
	}
	return items, nil
}

// headFailed tells whether a cancelled transaction of a filing failed on
// its check of the manifest: from the cancellation reasons, or, when there
// are none, by reading the manifest.
func (st *Shipments) headFailed(ctx context.Context, m *shipment.Manifest, canceled *types.TransactionCanceledException) (bool, error) {
	if reasons := canceled.CancellationReasons; len(reasons) > 0 {
		return aws.ToString(reasons[0].Code) == "ConditionalCheckFailed", nil
	}
	h, err := st.manifestHeader(ctx, m.ProfileID, m.Reference)
	if err != nil {
		return false, err
	}
	return h.State != manifestPending, nil
}

// settleMarks turns the marks of a filed manifest into the orders'
// manifestRef, a new version and the filing time, as BuildManifest describes
// them, in transactions of 100. It is tidying only: reads already count the
// marked orders as filed, so a write lost here (to a concurrent update, a
// lost connection) changes nothing callers see.
func (st *Shipments) settleMarks(ctx context.Context, m *shipment.Manifest, found map[string]*filingOrder) {
	for start := 0; start < len(m.Orders); start += 100 {
		var items []types.TransactWriteItem
		for _, o := range m.Orders[start:min(start+100, len(m.Orders))] {
			f := found[o.OrderID]
			item := make(map[string]types.AttributeValue, len(f.item))
			for k, v := range f.item {
				item[k] = v
			}
			delete(item, attrFilingRef)
			item[attrManifestRef] = str(m.Reference)
			item[attrUpdatedAt] = str(formatTime(m.FiledAt))
			item[attrVersion] = num(f.rec.Version + 1)
			items = append(items, types.TransactWriteItem{Put: &types.Put{
				TableName: aws.String(st.table), Item: item,
				ConditionExpression:       aws.String("#v = :v AND #f = :f"),
				ExpressionAttributeNames:  map[string]string{"#v": attrVersion, "#f": attrFilingRef},
				ExpressionAttributeValues: map[string]types.AttributeValue{":v": num(f.rec.Version), ":f": str(m.Reference)},
			}})
		}
		_, _ = st.api.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: items})
	}
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

// GetManifest returns a filed manifest: its head and its parts. A manifest
// still being filed, or abandoned, is not found.
func (st *Shipments) GetManifest(ctx context.Context, profileID, reference string) (*shipment.Manifest, error) {
	if profileID == "" || reference == "" {
		return nil, fmt.Errorf("get manifest %q: %w", reference, shipment.ErrNotFound)
	}
	h, err := st.manifestHeader(ctx, profileID, reference)
	if err != nil {
		return nil, fmt.Errorf("get manifest %s: %w", reference, err)
	}
	if h.State != manifestFiled {
		return nil, fmt.Errorf("get manifest %s: %w", reference, shipment.ErrNotFound)
	}
	filedAt, err := parseTime("filedAt", h.FiledAt)
	if err != nil {
		return nil, fmt.Errorf("get manifest %s: %w", reference, err)
	}
	m := &shipment.Manifest{ProfileID: h.PK, Reference: h.Reference, FiledAt: filedAt, LeftOut: h.LeftOut}
	for n := 1; n <= h.Parts; n++ {
		out, err := st.api.GetItem(ctx, &dynamodb.GetItemInput{
			TableName:      aws.String(st.table),
			Key:            map[string]types.AttributeValue{attrPK: str(profileID), attrSK: str(partSK(reference, n))},
			ConsistentRead: aws.Bool(true),
		})
		if err != nil {
			return nil, fmt.Errorf("get manifest %s part %d: %w", reference, n, err)
		}
		var p manifestPartItem
		if err := attributevalue.UnmarshalMap(out.Item, &p); err != nil {
			return nil, fmt.Errorf("get manifest %s part %d: decode: %w", reference, n, err)
		}
		for _, o := range p.Orders {
			m.Orders = append(m.Orders, shipment.ManifestOrder(o))
		}
	}
	if len(m.Orders) != h.OrderCount {
		return nil, fmt.Errorf("get manifest %s: its parts hold %d orders, its head says %d", reference, len(m.Orders), h.OrderCount)
	}
	return m, nil
}
