package dynamo_test

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"linnstream/internal/dynamo"
	"linnstream/internal/mototest"
	"linnstream/internal/shipment"
	"linnstream/internal/shipment/shipmenttest"
)

// shipmentsEnv is a shipments table on the test server.
type shipmentsEnv struct {
	db    *dynamodb.Client
	table string
	// chunk, if set, is how many orders the env's stores mark per filing
	// transaction.
	chunk int
}

func newShipmentsEnv(t *testing.T) *shipmentsEnv {
	t.Helper()
	srv := mototest.Get(t)
	return &shipmentsEnv{db: srv.DynamoDB(), table: mototest.ShipmentsTable(t)}
}

func (e *shipmentsEnv) store(api dynamo.ShipmentsAPI, now func() time.Time) *dynamo.Shipments {
	if api == nil {
		api = e.serial()
	}
	st := dynamo.NewShipments(api, e.table, now)
	if e.chunk > 0 {
		dynamo.SetManifestChunk(st, e.chunk)
	}
	return st
}

// serial returns the test server's client with its writes serialized.
// DynamoDB applies each conditional write atomically and runs transactions
// with serializable isolation; moto_server, which handles requests on
// threads, does neither: a conditional put checks and writes without a
// lock, and a transaction copies the table first and restores the copy
// when a condition fails, undoing writes made meanwhile. Serializing writes
// gives the tests the atomicity the adapter relies on; moto still evaluates
// every condition, and reads still run alongside.
func (e *shipmentsEnv) serial() dynamo.ShipmentsAPI {
	return &serialWrites{ShipmentsAPI: e.db}
}

type serialWrites struct {
	dynamo.ShipmentsAPI
	mu sync.Mutex
}

func (s *serialWrites) PutItem(ctx context.Context, in *dynamodb.PutItemInput, opt ...func(*dynamodb.Options)) (*dynamodb.PutItemOutput, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.ShipmentsAPI.PutItem(ctx, in, opt...)
}

func (s *serialWrites) TransactWriteItems(ctx context.Context, in *dynamodb.TransactWriteItemsInput, opt ...func(*dynamodb.Options)) (*dynamodb.TransactWriteItemsOutput, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.ShipmentsAPI.TransactWriteItems(ctx, in, opt...)
}

// perCase returns stores that give each case of a suite its own table, its
// client's writes serialized and then wrapped by wrap (if not nil). moto
// copies the whole table for every item of a transaction, so a table that
// collects every case's items makes a suite's later filings crawl.
func perCase(wrap func(dynamo.ShipmentsAPI) dynamo.ShipmentsAPI) shipmenttest.NewStore {
	return func(t *testing.T, now func() time.Time) shipment.Store {
		e := newShipmentsEnv(t)
		api := e.serial()
		if wrap != nil {
			api = wrap(api)
		}
		return e.store(api, now)
	}
}

func TestShipmentsContract(t *testing.T) {
	t.Parallel()
	shipmenttest.Run(t, perCase(nil))
}

func TestShipmentsProtocol(t *testing.T) {
	t.Parallel()
	shipmenttest.RunProtocol(t, perCase(nil))
}

func (e *shipmentsEnv) raw(t *testing.T, pk, sk string) map[string]types.AttributeValue {
	t.Helper()
	out, err := e.db.GetItem(mototest.Context(t), &dynamodb.GetItemInput{
		TableName:      aws.String(e.table),
		Key:            map[string]types.AttributeValue{"pk": &types.AttributeValueMemberS{Value: pk}, "sk": &types.AttributeValueMemberS{Value: sk}},
		ConsistentRead: aws.Bool(true),
	})
	if err != nil {
		t.Fatalf("GetItem: %v", err)
	}
	return out.Item
}

func attrS(t *testing.T, item map[string]types.AttributeValue, name string) string {
	t.Helper()
	v, ok := item[name].(*types.AttributeValueMemberS)
	if !ok {
		t.Fatalf("attribute %s is %T, want a string", name, item[name])
	}
	return v.Value
}

func attrN(t *testing.T, item map[string]types.AttributeValue, name string) string {
	t.Helper()
	v, ok := item[name].(*types.AttributeValueMemberN)
	if !ok {
		t.Fatalf("attribute %s is %T, want a number", name, item[name])
	}
	return v.Value
}

func TestShipmentItemsFollowTheAgreedLayout(t *testing.T) {
	t.Parallel()
	e := newShipmentsEnv(t)
	clk := shipmenttest.NewClock(shipmenttest.T0)
	st := e.store(nil, clk.Now)
	p := shipmenttest.ProfileID(t)
	rec := shipmenttest.Created(t, st, p, "100001", clk.Now())

	item := e.raw(t, p, "ORDER#100001")
	if len(item) == 0 {
		t.Fatal("no item at sk ORDER#100001")
	}
	if got := attrS(t, item, "streamOrderKey"); got != p+"#"+rec.StreamOrderNo {
		t.Fatalf("streamOrderKey %q, want <profile>#<Stream order number>", got)
	}
	if got := attrS(t, item, "state"); got != "created" {
		t.Fatalf("state %q", got)
	}
	if got := attrN(t, item, "version"); got != "2" {
		t.Fatalf("version %s, want 2", got)
	}
	if _, ok := item["expiresAt"]; ok {
		t.Fatal("a shipment item has expiresAt; TTL would delete it")
	}
	if _, ok := item["claimId"]; ok {
		t.Fatal("a settled shipment keeps its claim ID")
	}

	if _, err := st.FileManifest(mototest.Context(t), shipment.ManifestRequest{ProfileID: p, Reference: "STRM-20260619-001", OrderIDs: []string{"100001"}, FiledAt: clk.Now()}); err != nil {
		t.Fatal(err)
	}
	man := e.raw(t, p, "MANIFEST#STRM-20260619-001")
	if len(man) == 0 || attrS(t, man, "reference") != "STRM-20260619-001" {
		t.Fatalf("manifest item: %v", man)
	}
	if _, ok := man["streamOrderKey"]; ok {
		t.Fatal("a manifest item is in the stream order index")
	}

	if first, err := st.MarkEvent(mototest.Context(t), p, "SB1#DELIVERED", 48*time.Hour); err != nil || !first {
		t.Fatalf("MarkEvent: %v %v", first, err)
	}
	ev := e.raw(t, p, "EVENT#SB1#DELIVERED")
	if want := strconv.FormatInt(shipmenttest.T0.Add(48*time.Hour).Unix(), 10); attrN(t, ev, "expiresAt") != want {
		t.Fatalf("event expiresAt %s, want %s (epoch seconds)", attrN(t, ev, "expiresAt"), want)
	}
}

// lossyShipmentsAPI drops the old item from failed conditional writes and
// the reasons of cancelled transactions, as some DynamoDB implementations do.
type lossyShipmentsAPI struct{ dynamo.ShipmentsAPI }

func (n lossyShipmentsAPI) PutItem(ctx context.Context, in *dynamodb.PutItemInput, opt ...func(*dynamodb.Options)) (*dynamodb.PutItemOutput, error) {
	out, err := n.ShipmentsAPI.PutItem(ctx, in, opt...)
	var failed *types.ConditionalCheckFailedException
	if errors.As(err, &failed) {
		failed.Item = nil
	}
	return out, err
}

// TransactWriteItems drops the cancellation reasons of failed transactions.
func (n lossyShipmentsAPI) TransactWriteItems(ctx context.Context, in *dynamodb.TransactWriteItemsInput, opt ...func(*dynamodb.Options)) (*dynamodb.TransactWriteItemsOutput, error) {
	out, err := n.ShipmentsAPI.TransactWriteItems(ctx, in, opt...)
	var canceled *types.TransactionCanceledException
	if errors.As(err, &canceled) {
		canceled.CancellationReasons = nil
	}
	return out, err
}

func TestShipmentsContractWithoutOldItemsOrReasons(t *testing.T) {
	t.Parallel()
	shipmenttest.Run(t, perCase(func(api dynamo.ShipmentsAPI) dynamo.ShipmentsAPI { return lossyShipmentsAPI{api} }))
}

// staleStreamIndex answers index queries with the keys it was given, as a
// lagging global secondary index might.
type staleStreamIndex struct {
	dynamo.ShipmentsAPI
	keys [][2]string
}

func (s staleStreamIndex) Query(context.Context, *dynamodb.QueryInput, ...func(*dynamodb.Options)) (*dynamodb.QueryOutput, error) {
	out := &dynamodb.QueryOutput{}
	for _, k := range s.keys {
		out.Items = append(out.Items, map[string]types.AttributeValue{
			"pk": &types.AttributeValueMemberS{Value: k[0]}, "sk": &types.AttributeValueMemberS{Value: k[1]}})
	}
	return out, nil
}

func TestByStreamOrderRereadsStaleIndex(t *testing.T) {
	t.Parallel()
	e := newShipmentsEnv(t)
	clk := shipmenttest.NewClock(shipmenttest.T0)
	st := e.store(nil, clk.Now)
	p := shipmenttest.ProfileID(t)
	a := shipmenttest.Created(t, st, p, "100002", clk.Now())
	shipmenttest.Created(t, st, p, "100003", clk.Now())
	other := shipmenttest.ProfileID(t)
	shipmenttest.Created(t, st, other, "100002", clk.Now())

	// The index lists a record whose number is another, one that is gone,
	// another profile's record, a manifest, and the right one.
	lagging := e.store(staleStreamIndex{ShipmentsAPI: e.serial(), keys: [][2]string{
		{p, "ORDER#100003"}, {p, "ORDER#999999"}, {other, "ORDER#100002"}, {p, "MANIFEST#X"}, {p, "ORDER#100002"},
	}}, clk.Now)
	got, err := lagging.ByStreamOrder(mototest.Context(t), p, a.StreamOrderNo)
	if err != nil {
		t.Fatalf("ByStreamOrder: %v", err)
	}
	if d := shipmenttest.Diff(a, got); d != "" {
		t.Fatalf("ByStreamOrder through a stale index: %s", d)
	}
	onlyStale := e.store(staleStreamIndex{ShipmentsAPI: e.serial(), keys: [][2]string{{p, "ORDER#100003"}, {other, "ORDER#100002"}}}, clk.Now)
	if _, err := onlyStale.ByStreamOrder(mototest.Context(t), p, a.StreamOrderNo); !errors.Is(err, shipment.ErrNotFound) {
		t.Fatalf("ByStreamOrder with only stale entries: %v, want ErrNotFound", err)
	}
}

// changeAfterRead runs change once, right after the first batch read, as a
// concurrent request between the read and the transaction would.
type changeAfterRead struct {
	dynamo.ShipmentsAPI
	change func()
	done   bool
}

func (c *changeAfterRead) BatchGetItem(ctx context.Context, in *dynamodb.BatchGetItemInput, opt ...func(*dynamodb.Options)) (*dynamodb.BatchGetItemOutput, error) {
	out, err := c.ShipmentsAPI.BatchGetItem(ctx, in, opt...)
	if !c.done {
		c.done = true
		c.change()
	}
	return out, err
}

func TestManifestTransactionGuardsAgainstChangesAfterTheRead(t *testing.T) {
	t.Parallel()
	e := newShipmentsEnv(t)
	clk := shipmenttest.NewClock(shipmenttest.T0)
	st := e.store(nil, clk.Now)
	p := shipmenttest.ProfileID(t)
	shipmenttest.Created(t, st, p, "100004", clk.Now())
	b := shipmenttest.Created(t, st, p, "100005", clk.Now())
	racing := &changeAfterRead{ShipmentsAPI: e.serial(), change: func() {
		b.State = shipment.StateCancelled
		shipmenttest.MustUpdate(t, st, b)
	}}
	_, err := e.store(racing, clk.Now).FileManifest(mototest.Context(t), shipment.ManifestRequest{
		ProfileID: p, Reference: "STRM-20260619-001", OrderIDs: []string{"100004", "100005"}, FiledAt: clk.Now()})
	// The order cancelled after the head named the orders left out changes
	// that list, which the head cannot: the filing is given up.
	if !errors.Is(err, shipment.ErrConflict) {
		t.Fatalf("manifest of an order cancelled after the read: %v, want ErrConflict", err)
	}
	if _, gerr := st.GetManifest(mototest.Context(t), p, "STRM-20260619-001"); !errors.Is(gerr, shipment.ErrNotFound) {
		t.Fatalf("the given-up manifest can be read: %v", gerr)
	}
	if !racing.done {
		t.Fatal("the change was never made; the test proves nothing")
	}
	if got := shipmenttest.MustGet(t, st, p, "100004"); got.ManifestRef != "" || got.Version != 2 {
		t.Fatalf("order 100004 was filed into %q (version %d) by a manifest that failed", got.ManifestRef, got.Version)
	}
	if _, err := st.GetManifest(mototest.Context(t), p, "STRM-20260619-001"); !errors.Is(err, shipment.ErrNotFound) {
		t.Fatalf("the failed manifest was stored: %v", err)
	}
}

// afterTransaction runs do once, right after the first transaction that
// succeeds: between two parts of a filing.
type afterTransaction struct {
	dynamo.ShipmentsAPI
	do   func()
	done bool
}

func (a *afterTransaction) TransactWriteItems(ctx context.Context, in *dynamodb.TransactWriteItemsInput, opt ...func(*dynamodb.Options)) (*dynamodb.TransactWriteItemsOutput, error) {
	out, err := a.ShipmentsAPI.TransactWriteItems(ctx, in, opt...)
	if err == nil && !a.done {
		a.done = true
		a.do()
	}
	return out, err
}

// lostAfterTransaction loses the connection for good after the first
// transaction that succeeds, as a crash between two parts of a filing would:
// nothing is written after it.
type lostAfterTransaction struct {
	dynamo.ShipmentsAPI
	lost bool
}

var errConnectionLost = errors.New("connection lost")

func (l *lostAfterTransaction) TransactWriteItems(ctx context.Context, in *dynamodb.TransactWriteItemsInput, opt ...func(*dynamodb.Options)) (*dynamodb.TransactWriteItemsOutput, error) {
	if l.lost {
		return nil, errConnectionLost
	}
	out, err := l.ShipmentsAPI.TransactWriteItems(ctx, in, opt...)
	l.lost = err == nil
	return out, err
}

func (l *lostAfterTransaction) PutItem(ctx context.Context, in *dynamodb.PutItemInput, opt ...func(*dynamodb.Options)) (*dynamodb.PutItemOutput, error) {
	if l.lost {
		return nil, errConnectionLost
	}
	return l.ShipmentsAPI.PutItem(ctx, in, opt...)
}

func (l *lostAfterTransaction) GetItem(ctx context.Context, in *dynamodb.GetItemInput, opt ...func(*dynamodb.Options)) (*dynamodb.GetItemOutput, error) {
	if l.lost {
		return nil, errConnectionLost
	}
	return l.ShipmentsAPI.GetItem(ctx, in, opt...)
}

func (l *lostAfterTransaction) BatchGetItem(ctx context.Context, in *dynamodb.BatchGetItemInput, opt ...func(*dynamodb.Options)) (*dynamodb.BatchGetItemOutput, error) {
	if l.lost {
		return nil, errConnectionLost
	}
	return l.ShipmentsAPI.BatchGetItem(ctx, in, opt...)
}

// Filings in parts: the tests of what happens between two transactions of
// one filing give it partsChunk orders per transaction rather than a
// hundred (the contract's FileManifestManyOrders files that many with the
// real chunk), and file partsOrders orders, three parts.
const (
	partsChunk  = 2
	partsOrders = 5
)

// partsEnv is a shipments table whose stores file manifests in parts of
// partsChunk orders.
func partsEnv(t *testing.T) *shipmentsEnv {
	e := newShipmentsEnv(t)
	e.chunk = partsChunk
	return e
}

// manyOrders writes partsOrders created orders, more than one filing
// transaction of a partsEnv marks, and returns them with their IDs.
func manyOrders(t *testing.T, st shipment.Store, p string, first int, now time.Time) ([]*shipment.Shipment, []string) {
	t.Helper()
	recs := shipmenttest.CreatedMany(t, st, p, first, partsOrders, now)
	ids := make([]string, len(recs))
	for i, r := range recs {
		ids[i] = r.OrderID
	}
	return recs, ids
}

// unfiled fails the test unless every record reads back as it was: in no
// manifest, at the same version.
func unfiled(t *testing.T, st shipment.Store, recs []*shipment.Shipment) {
	t.Helper()
	for _, r := range recs {
		if d := shipmenttest.Diff(r, shipmenttest.MustGet(t, st, r.ProfileID, r.OrderID)); d != "" {
			t.Fatalf("order %s changed by a manifest that was not filed: %s", r.OrderID, d)
		}
	}
}

func manifestState(t *testing.T, e *shipmentsEnv, p, ref string) string {
	t.Helper()
	return attrS(t, e.raw(t, p, "MANIFEST#"+ref), "manifestState")
}

func TestManifestFailingPartWayFilesNoOrder(t *testing.T) {
	t.Parallel()
	e := partsEnv(t)
	clk := shipmenttest.NewClock(shipmenttest.T0)
	st := e.store(nil, clk.Now)
	p := shipmenttest.ProfileID(t)
	recs, ids := manyOrders(t, st, p, 810000, clk.Now())
	// The last order, in the filing's last transaction, is cancelled
	// once the first transaction has marked its orders.
	last := shipment.Clone(recs[len(recs)-1])
	hook := &afterTransaction{ShipmentsAPI: e.serial(), do: func() {
		last.State = shipment.StateCancelled
		shipmenttest.MustUpdate(t, st, last)
	}}
	_, err := e.store(hook, clk.Now).FileManifest(mototest.Context(t), shipment.ManifestRequest{
		ProfileID: p, Reference: "STRM-20260619-001", OrderIDs: ids, FiledAt: clk.Now()})
	// Cancelled half-way, the order would be left out of a manifest whose
	// head already counts it: the filing is given up.
	if !errors.Is(err, shipment.ErrConflict) {
		t.Fatalf("manifest whose last order was cancelled half-way: %v, want ErrConflict", err)
	}
	if !hook.done {
		t.Fatal("the filing wrote no transaction before failing; the test proves nothing")
	}
	if item := e.raw(t, p, "ORDER#"+ids[0]); attrS(t, item, "filingRef") != "STRM-20260619-001" {
		t.Fatal("the first order was never marked; the test proves nothing")
	}
	unfiled(t, st, recs[:len(recs)-1])
	if _, err := st.GetManifest(mototest.Context(t), p, "STRM-20260619-001"); !errors.Is(err, shipment.ErrNotFound) {
		t.Fatalf("the failed manifest can be read: %v", err)
	}
	if got := manifestState(t, e, p, "STRM-20260619-001"); got != "abandoned" {
		t.Fatalf("failed manifest is %q, want abandoned", got)
	}

	// An update of a marked order drops the meaningless mark.
	first := shipmenttest.MustGet(t, st, p, ids[0])
	first.StreamStatus = "IN_TRANSIT"
	shipmenttest.MustUpdate(t, st, first)
	if _, ok := e.raw(t, p, "ORDER#"+ids[0])["filingRef"]; ok {
		t.Fatal("an update kept the mark of an abandoned manifest")
	}

	// The orders are free at once for the next manifest.
	good := ids[:len(ids)-1]
	if _, err := st.FileManifest(mototest.Context(t), shipment.ManifestRequest{
		ProfileID: p, Reference: "STRM-20260619-002", OrderIDs: good, FiledAt: clk.Now()}); err != nil {
		t.Fatalf("manifest after an abandoned one: %v", err)
	}
	for _, id := range good {
		if got := shipmenttest.MustGet(t, st, p, id); got.ManifestRef != "STRM-20260619-002" {
			t.Fatalf("order %s in manifest %q, want STRM-20260619-002", id, got.ManifestRef)
		}
	}
}

func TestManifestCutOffPartWayIsNotFiledAndIsTakenOverAfterItsLease(t *testing.T) {
	t.Parallel()
	e := partsEnv(t)
	clk := shipmenttest.NewClock(shipmenttest.T0)
	st := e.store(nil, clk.Now)
	p := shipmenttest.ProfileID(t)
	recs, ids := manyOrders(t, st, p, 820000, clk.Now())
	lost := &lostAfterTransaction{ShipmentsAPI: e.serial()}
	_, err := e.store(lost, clk.Now).FileManifest(mototest.Context(t), shipment.ManifestRequest{
		ProfileID: p, Reference: "STRM-20260619-001", OrderIDs: ids, FiledAt: clk.Now()})
	if !errors.Is(err, errConnectionLost) {
		t.Fatalf("filing cut off after its first transaction: %v, want the lost connection", err)
	}
	if got := manifestState(t, e, p, "STRM-20260619-001"); got != "pending" {
		t.Fatalf("cut-off manifest is %q, want it left pending", got)
	}
	if item := e.raw(t, p, "ORDER#"+ids[0]); attrS(t, item, "filingRef") != "STRM-20260619-001" {
		t.Fatal("the first order was never marked; the test proves nothing")
	}
	// No reader sees any order filed, nor the manifest.
	unfiled(t, st, recs)
	if _, err := st.GetManifest(mototest.Context(t), p, "STRM-20260619-001"); !errors.Is(err, shipment.ErrNotFound) {
		t.Fatalf("the cut-off manifest can be read: %v", err)
	}

	// While its lease runs, its marked orders are named as being filed.
	req := shipment.ManifestRequest{ProfileID: p, Reference: "STRM-20260619-002", OrderIDs: ids, FiledAt: clk.Now()}
	_, err = st.FileManifest(mototest.Context(t), req)
	var me *shipment.ManifestError
	if !errors.As(err, &me) || len(me.Problems) != partsChunk || me.Problems[0].OrderID != ids[0] ||
		!strings.Contains(me.Problems[0].Reason, "being filed into manifest STRM-20260619-001") {
		t.Fatalf("filing the orders again during the lease: %v; want a ManifestError naming the %d marked orders as being filed", err, partsChunk)
	}
	// Once the lease has run out, the next filing takes them.
	clk.Advance(2*time.Minute + time.Second)
	m, err := st.FileManifest(mototest.Context(t), req)
	if err != nil || len(m.Orders) != len(ids) {
		t.Fatalf("filing the orders after the lease: %v", err)
	}
	if got := manifestState(t, e, p, "STRM-20260619-001"); got != "abandoned" {
		t.Fatalf("cut-off manifest is %q after the takeover, want abandoned", got)
	}
	if _, err := st.GetManifest(mototest.Context(t), p, "STRM-20260619-001"); !errors.Is(err, shipment.ErrNotFound) {
		t.Fatalf("the cut-off manifest can be read after the takeover: %v", err)
	}
	for _, id := range ids {
		if got := shipmenttest.MustGet(t, st, p, id); got.ManifestRef != "STRM-20260619-002" {
			t.Fatalf("order %s in manifest %q, want STRM-20260619-002", id, got.ManifestRef)
		}
	}
}

func TestManifestFilingThatOutlivesItsLeaseLosesToTheTakeover(t *testing.T) {
	t.Parallel()
	e := partsEnv(t)
	clk := shipmenttest.NewClock(shipmenttest.T0)
	st := e.store(nil, clk.Now)
	p := shipmenttest.ProfileID(t)
	recs, ids := manyOrders(t, st, p, 830000, clk.Now())
	// After the slow filing's first transaction its lease runs out, and
	// another filing takes one of its orders.
	var other *shipment.Manifest
	hook := &afterTransaction{ShipmentsAPI: e.serial(), do: func() {
		clk.Advance(3 * time.Minute)
		var err error
		other, err = st.FileManifest(mototest.Context(t), shipment.ManifestRequest{
			ProfileID: p, Reference: "STRM-20260619-002", OrderIDs: ids[:1], FiledAt: clk.Now()})
		if err != nil {
			t.Errorf("the takeover filing: %v", err)
		}
	}}
	_, err := e.store(hook, clk.Now).FileManifest(mototest.Context(t), shipment.ManifestRequest{
		ProfileID: p, Reference: "STRM-20260619-001", OrderIDs: ids, FiledAt: clk.Now()})
	if !errors.Is(err, shipment.ErrConflict) {
		t.Fatalf("filing that outlived its lease: %v, want ErrConflict", err)
	}
	if other == nil {
		t.Fatal("the takeover filing did not run; the test proves nothing")
	}
	if got := shipmenttest.MustGet(t, st, p, ids[0]); got.ManifestRef != "STRM-20260619-002" {
		t.Fatalf("order %s in manifest %q, want STRM-20260619-002", ids[0], got.ManifestRef)
	}
	unfiled(t, st, recs[1:])
	if _, err := st.GetManifest(mototest.Context(t), p, "STRM-20260619-001"); !errors.Is(err, shipment.ErrNotFound) {
		t.Fatalf("the slow manifest can be read: %v", err)
	}
}

func TestManifestKeepsOrdersUpdatedWhileItIsFiled(t *testing.T) {
	t.Parallel()
	e := partsEnv(t)
	clk := shipmenttest.NewClock(shipmenttest.T0)
	st := e.store(nil, clk.Now)
	p := shipmenttest.ProfileID(t)
	_, ids := manyOrders(t, st, p, 840000, clk.Now())
	// An event updates a marked order between the filing's transactions;
	// it does not see the order filed yet, and its write keeps the mark.
	hook := &afterTransaction{ShipmentsAPI: e.serial(), do: func() {
		rec := shipmenttest.MustGet(t, st, p, ids[0])
		if rec.ManifestRef != "" {
			t.Errorf("order %s reads as filed into %q before the manifest is", ids[0], rec.ManifestRef)
		}
		rec.StreamStatus = "DELIVERED"
		shipmenttest.MustUpdate(t, st, rec)
	}}
	if _, err := e.store(hook, clk.Now).FileManifest(mototest.Context(t), shipment.ManifestRequest{
		ProfileID: p, Reference: "STRM-20260619-001", OrderIDs: ids, FiledAt: clk.Now()}); err != nil {
		t.Fatalf("FileManifest: %v", err)
	}
	if !hook.done {
		t.Fatal("the update never ran; the test proves nothing")
	}
	// A fresh store, with nothing cached, reads the same.
	for _, s := range []shipment.Store{st, e.store(nil, clk.Now)} {
		got := shipmenttest.MustGet(t, s, p, ids[0])
		if got.ManifestRef != "STRM-20260619-001" || got.StreamStatus != "DELIVERED" {
			t.Fatalf("order updated during the filing: manifest %q status %q", got.ManifestRef, got.StreamStatus)
		}
	}
	m, err := e.store(nil, clk.Now).GetManifest(mototest.Context(t), p, "STRM-20260619-001")
	if err != nil || len(m.Orders) != len(ids) {
		t.Fatalf("GetManifest: %v", err)
	}
}

// resentManifestPuts sends every write of a manifest's head twice and
// answers with the second outcome, as when the first was applied, its reply
// lost and the SDK sent it again.
type resentManifestPuts struct {
	dynamo.ShipmentsAPI
	resent int
}

func (r *resentManifestPuts) PutItem(ctx context.Context, in *dynamodb.PutItemInput, opt ...func(*dynamodb.Options)) (*dynamodb.PutItemOutput, error) {
	out, err := r.ShipmentsAPI.PutItem(ctx, in, opt...)
	if sk, ok := in.Item["sk"].(*types.AttributeValueMemberS); err == nil && ok && strings.HasPrefix(sk.Value, "MANIFEST#") {
		r.resent++
		return r.ShipmentsAPI.PutItem(ctx, in, opt...)
	}
	return out, err
}

func TestManifestSurvivesResentWrites(t *testing.T) {
	t.Parallel()
	e := newShipmentsEnv(t)
	clk := shipmenttest.NewClock(shipmenttest.T0)
	st := e.store(nil, clk.Now)
	p := shipmenttest.ProfileID(t)
	a := shipmenttest.Created(t, st, p, "850001", clk.Now())
	resent := &resentManifestPuts{ShipmentsAPI: e.serial()}
	m, err := e.store(resent, clk.Now).FileManifest(mototest.Context(t), shipment.ManifestRequest{
		ProfileID: p, Reference: "STRM-20260619-001", OrderIDs: []string{a.OrderID}, FiledAt: clk.Now()})
	if err != nil || len(m.Orders) != 1 {
		t.Fatalf("filing whose head writes were sent twice: %v", err)
	}
	if resent.resent < 2 {
		t.Fatalf("%d head writes were sent twice, want the pending and the filed one", resent.resent)
	}
	if got := shipmenttest.MustGet(t, st, p, a.OrderID); got.ManifestRef != "STRM-20260619-001" {
		t.Fatalf("order in manifest %q", got.ManifestRef)
	}
	if _, err := st.GetManifest(mototest.Context(t), p, "STRM-20260619-001"); err != nil {
		t.Fatalf("GetManifest: %v", err)
	}
}
