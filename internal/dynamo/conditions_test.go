package dynamo_test

// Each condition expression of the adapter is proven here by a write made
// from stale state that the condition must refuse. moto serializes the
// tests' writes (see shipmentsEnv.serial), so a real race proves nothing;
// instead a hook changes the stored item between the adapter's read (or its
// first, failed write) and the write the condition guards, as a concurrent
// request would, and the test checks the refusal and that the change made
// meanwhile survived.
//
// Versions only grow through the adapter, so the state, claim, manifest
// and mark conjuncts beside a version check matter only when an item is
// rewritten at the same version: by a filing's mark (which keeps the
// version), or outside the adapter (a restore, a hand repair). The tests of
// those conjuncts make such a rewrite.

import (
	"context"
	"errors"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"linnstream/internal/dynamo"
	"linnstream/internal/mototest"
	"linnstream/internal/profile"
	"linnstream/internal/profile/profiletest"
	"linnstream/internal/shipment"
	"linnstream/internal/shipment/shipmenttest"
)

// afterFailedPut runs do once, right after the first put that fails its
// condition: between a write decided from stale state and the next one.
type afterFailedPut struct {
	dynamo.ShipmentsAPI
	do   func()
	done bool
}

func (a *afterFailedPut) PutItem(ctx context.Context, in *dynamodb.PutItemInput, opt ...func(*dynamodb.Options)) (*dynamodb.PutItemOutput, error) {
	out, err := a.ShipmentsAPI.PutItem(ctx, in, opt...)
	var failed *types.ConditionalCheckFailedException
	if errors.As(err, &failed) && !a.done {
		a.done = true
		a.do()
	}
	return out, err
}

// afterGetOf runs do once, right after the first read of the item whose
// sort key is sk.
type afterGetOf struct {
	dynamo.ShipmentsAPI
	sk   string
	do   func()
	done bool
}

func (a *afterGetOf) GetItem(ctx context.Context, in *dynamodb.GetItemInput, opt ...func(*dynamodb.Options)) (*dynamodb.GetItemOutput, error) {
	out, err := a.ShipmentsAPI.GetItem(ctx, in, opt...)
	if sk, ok := in.Key["sk"].(*types.AttributeValueMemberS); ok && sk.Value == a.sk && !a.done {
		a.done = true
		a.do()
	}
	return out, err
}

// afterPutOf runs do once, right after the first successful put of an item
// whose sort key is sk and whose attribute name holds value.
type afterPutOf struct {
	dynamo.ShipmentsAPI
	sk, name, value string
	do              func()
	done            bool
}

func (a *afterPutOf) PutItem(ctx context.Context, in *dynamodb.PutItemInput, opt ...func(*dynamodb.Options)) (*dynamodb.PutItemOutput, error) {
	out, err := a.ShipmentsAPI.PutItem(ctx, in, opt...)
	sk, _ := in.Item["sk"].(*types.AttributeValueMemberS)
	v, _ := in.Item[a.name].(*types.AttributeValueMemberS)
	if err == nil && sk != nil && v != nil && sk.Value == a.sk && v.Value == a.value && !a.done {
		a.done = true
		a.do()
	}
	return out, err
}

// rewrite changes the stored item at pk, sk by hand, keeping its version.
func (e *shipmentsEnv) rewrite(t *testing.T, pk, sk string, change func(item map[string]types.AttributeValue)) {
	t.Helper()
	item := e.raw(t, pk, sk)
	if len(item) == 0 {
		t.Fatalf("no item at %s to rewrite", sk)
	}
	change(item)
	if _, err := e.db.PutItem(mototest.Context(t), &dynamodb.PutItemInput{TableName: aws.String(e.table), Item: item}); err != nil {
		t.Fatalf("rewrite %s: %v", sk, err)
	}
}

// sameItem fails the test unless the stored item at pk, sk is want.
func (e *shipmentsEnv) sameItem(t *testing.T, pk, sk string, want map[string]types.AttributeValue, what string) {
	t.Helper()
	if got := e.raw(t, pk, sk); !reflect.DeepEqual(got, want) {
		t.Fatalf("%s changed the stored item %s:\n got  %v\n want %v", what, sk, got, want)
	}
}

func sAttr(v string) types.AttributeValue { return &types.AttributeValueMemberS{Value: v} }

func rawProfile(t *testing.T, e *env, id string) map[string]types.AttributeValue {
	t.Helper()
	out, err := e.db.GetItem(mototest.Context(t), &dynamodb.GetItemInput{
		TableName:      aws.String(e.table),
		Key:            map[string]types.AttributeValue{"pk": sAttr(id)},
		ConsistentRead: aws.Bool(true),
	})
	if err != nil {
		t.Fatalf("GetItem: %v", err)
	}
	return out.Item
}

// Profiles.Create: attribute_not_exists(pk).
func TestConditionProfileCreateOverExisting(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := mototest.Context(t)
	st := e.store(nil)
	p := profiletest.NewProfile(t)
	if err := st.Create(ctx, p); err != nil {
		t.Fatal(err)
	}
	before := rawProfile(t, e, p.ID)
	again := profiletest.NewProfile(t)
	again.ID = p.ID
	again.AccountName = "Someone Else Ltd"
	if err := st.Create(ctx, again); !errors.Is(err, profile.ErrExists) {
		t.Fatalf("Create over an existing profile: %v, want ErrExists", err)
	}
	if after := rawProfile(t, e, p.ID); !reflect.DeepEqual(after, before) {
		t.Fatalf("a refused Create changed the stored profile:\n got  %v\n want %v", after, before)
	}
}

// Profiles.Update: version = the version read.
func TestConditionProfileUpdateFromStaleVersion(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := mototest.Context(t)
	st := e.store(nil)
	p := profiletest.NewProfile(t)
	if err := st.Create(ctx, p); err != nil {
		t.Fatal(err)
	}
	stale := profile.Clone(p)
	p.AccountName = "Renamed Ltd"
	if err := st.Update(ctx, p); err != nil {
		t.Fatal(err)
	}
	before := rawProfile(t, e, p.ID)
	stale.AccountName = "Stale Ltd"
	if err := st.Update(ctx, stale); !errors.Is(err, profile.ErrConflict) {
		t.Fatalf("Update from a stale version: %v, want ErrConflict", err)
	}
	if after := rawProfile(t, e, p.ID); !reflect.DeepEqual(after, before) {
		t.Fatalf("a refused Update changed the stored profile:\n got  %v\n want %v", after, before)
	}
	missing := profiletest.NewProfile(t)
	missing.Version = 1
	if err := st.Update(ctx, missing); !errors.Is(err, profile.ErrNotFound) {
		t.Fatalf("Update of a missing profile: %v, want ErrNotFound", err)
	}
	if item := rawProfile(t, e, missing.ID); len(item) != 0 {
		t.Fatal("Update of a missing profile created it")
	}
}

// claimEnv is an order whose claim by holder "A" ended at now, and a
// second request about to claim it.
type claimEnv struct {
	e     *shipmentsEnv
	st    *dynamo.Shipments
	clk   *shipmenttest.Clock
	p     string
	held  *shipment.Shipment
	taker *shipment.Shipment
}

func newClaimEnv(t *testing.T) *claimEnv {
	e := newShipmentsEnv(t)
	clk := shipmenttest.NewClock(shipmenttest.T0)
	st := e.store(nil, clk.Now)
	p := shipmenttest.ProfileID(t)
	a := shipmenttest.Pending(p, "900001", clk.Now())
	a.ClaimID = "A"
	held := shipmenttest.MustClaim(t, st, a, clk.Now(), shipment.ClaimedNew)
	clk.Advance(time.Minute) // A's lease ends exactly now
	taker := shipmenttest.Pending(p, "900001", clk.Now())
	taker.ClaimID = "B"
	return &claimEnv{e: e, st: st, clk: clk, p: p, held: held, taker: taker}
}

// claimAfter has B claim the order through a store that runs change right
// after its first write fails (the write that assumed no record), so B's
// next write is decided from the record as it was before change. It
// returns the outcome and the record B was given.
func (c *claimEnv) claimAfter(t *testing.T, change func()) (*shipment.Shipment, shipment.Claimed) {
	t.Helper()
	hook := &afterFailedPut{ShipmentsAPI: c.e.serial(), do: change}
	got, how, err := c.e.store(hook, c.clk.Now).Claim(mototest.Context(t), c.taker, c.clk.Now())
	if err != nil {
		t.Fatalf("Claim: %v", err)
	}
	if !hook.done {
		t.Fatal("the record was never changed; the test proves nothing")
	}
	return got, how
}

// Shipments.Claim of a new order: attribute_not_exists(pk).
func TestConditionClaimOverExistingRecord(t *testing.T) {
	t.Parallel()
	e := newShipmentsEnv(t)
	clk := shipmenttest.NewClock(shipmenttest.T0)
	st := e.store(nil, clk.Now)
	p := shipmenttest.ProfileID(t)
	created := shipmenttest.Created(t, st, p, "900002", clk.Now())
	before := e.raw(t, p, "ORDER#900002")
	again := shipmenttest.Pending(p, "900002", clk.Now())
	again.ClaimID = "late"
	again.StreamOrderNo = "OTHER-900002"
	got := shipmenttest.MustClaim(t, st, again, clk.Now(), shipment.NotClaimed)
	if got.ConsignmentNo != created.ConsignmentNo {
		t.Fatalf("refused claim returned consignment %q, want the stored %q", got.ConsignmentNo, created.ConsignmentNo)
	}
	e.sameItem(t, p, "ORDER#900002", before, "a claim over a created order")
}

// Shipments.Claim from a stored record: version = the version read. The
// holder renews its lease after the taker read it as ended.
func TestConditionClaimFromStaleVersion(t *testing.T) {
	t.Parallel()
	c := newClaimEnv(t)
	renewed := shipment.Clone(c.held)
	got, how := c.claimAfter(t, func() {
		renewed.LeaseUntil = c.clk.Now().Add(time.Minute)
		shipmenttest.MustUpdate(t, c.st, renewed)
	})
	if how != shipment.NotClaimed || got.ClaimID != "A" {
		t.Fatalf("claim over a renewed lease: %s, holder %q; want NotClaimed, holder A", how, got.ClaimID)
	}
	if d := shipmenttest.Diff(renewed, shipmenttest.MustGet(t, c.st, c.p, "900001")); d != "" {
		t.Fatalf("the renewed claim was overwritten: %s", d)
	}
}

// Shipments.Claim from a stored record: state = the state read.
func TestConditionClaimFromStaleState(t *testing.T) {
	t.Parallel()
	c := newClaimEnv(t)
	var before map[string]types.AttributeValue
	got, how := c.claimAfter(t, func() {
		c.e.rewrite(t, c.p, "ORDER#900001", func(it map[string]types.AttributeValue) {
			it["state"] = sAttr(string(shipment.StateCreated))
			it["consignmentNo"] = sAttr("SB-900001")
		})
		before = c.e.raw(t, c.p, "ORDER#900001")
	})
	if how != shipment.NotClaimed || got.State != shipment.StateCreated {
		t.Fatalf("claim over an order created meanwhile: %s, state %s; want NotClaimed, created", how, got.State)
	}
	c.e.sameItem(t, c.p, "ORDER#900001", before, "a claim decided from the pending record")
}

// Shipments.Claim from a stored record: claimId = the claim read.
func TestConditionClaimFromStaleHolder(t *testing.T) {
	t.Parallel()
	c := newClaimEnv(t)
	var before map[string]types.AttributeValue
	got, how := c.claimAfter(t, func() {
		c.e.rewrite(t, c.p, "ORDER#900001", func(it map[string]types.AttributeValue) {
			it["claimId"] = sAttr("C")
			it["leaseUntil"] = sAttr(c.clk.Now().Add(time.Minute).UTC().Format(time.RFC3339Nano))
		})
		before = c.e.raw(t, c.p, "ORDER#900001")
	})
	if how != shipment.NotClaimed || got.ClaimID != "C" {
		t.Fatalf("claim over another taker's claim: %s, holder %q; want NotClaimed, holder C", how, got.ClaimID)
	}
	c.e.sameItem(t, c.p, "ORDER#900001", before, "a claim decided from A's record")
}

// Shipments.Update: version = the version read.
func TestConditionUpdateFromStaleVersion(t *testing.T) {
	t.Parallel()
	e := newShipmentsEnv(t)
	clk := shipmenttest.NewClock(shipmenttest.T0)
	st := e.store(nil, clk.Now)
	p := shipmenttest.ProfileID(t)
	rec := shipmenttest.Created(t, st, p, "900003", clk.Now())
	stale := shipment.Clone(rec)
	rec.StreamStatus = "PLANNED"
	shipmenttest.MustUpdate(t, st, rec)
	before := e.raw(t, p, "ORDER#900003")
	stale.StreamStatus = "DELIVERED"
	if err := st.Update(mototest.Context(t), stale); !errors.Is(err, shipment.ErrConflict) {
		t.Fatalf("Update from a stale version: %v, want ErrConflict", err)
	}
	e.sameItem(t, p, "ORDER#900003", before, "a refused Update")
}

// cutOffFiling leaves order id marked by a filing of ref that stopped
// after marking it: the manifest pending, its lease running.
func cutOffFiling(t *testing.T, e *shipmentsEnv, clk *shipmenttest.Clock, p, ref string, ids ...string) {
	t.Helper()
	lost := &lostAfterTransaction{ShipmentsAPI: e.serial()}
	_, err := e.store(lost, clk.Now).FileManifest(mototest.Context(t), shipment.ManifestRequest{
		ProfileID: p, Reference: ref, OrderIDs: ids, FiledAt: clk.Now()})
	if !errors.Is(err, errConnectionLost) {
		t.Fatalf("cut-off filing %s: %v, want the lost connection", ref, err)
	}
	for _, id := range ids {
		if got := attrS(t, e.raw(t, p, "ORDER#"+id), "filingRef"); got != ref {
			t.Fatalf("order %s marked %q by the cut-off filing, want %s", id, got, ref)
		}
	}
}

// Shipments.Update: attribute_not_exists(filingRef). Callers never see a
// filing's mark, so their write must not drop it.
func TestConditionUpdateKeepsAFilingMark(t *testing.T) {
	t.Parallel()
	e := newShipmentsEnv(t)
	clk := shipmenttest.NewClock(shipmenttest.T0)
	st := e.store(nil, clk.Now)
	p := shipmenttest.ProfileID(t)
	shipmenttest.Created(t, st, p, "900004", clk.Now())
	cutOffFiling(t, e, clk, p, "M1", "900004")
	rec := shipmenttest.MustGet(t, st, p, "900004")
	rec.StreamStatus = "DELIVERED"
	shipmenttest.MustUpdate(t, st, rec)
	item := e.raw(t, p, "ORDER#900004")
	if got := attrS(t, item, "filingRef"); got != "M1" {
		t.Fatalf("an Update dropped the mark of a filing under way: filingRef %q", got)
	}
	if got := attrS(t, item, "streamStatus"); got != "DELIVERED" {
		t.Fatalf("Update not written: streamStatus %q", got)
	}
}

// Shipments.Update: filingRef = the mark read. Between the Update's read
// of the mark and its write, the filing that made the mark lost its lease
// and another filing marked the order: the later mark must survive.
func TestConditionUpdateKeepsAMarkMadeMeanwhile(t *testing.T) {
	t.Parallel()
	e := newShipmentsEnv(t)
	clk := shipmenttest.NewClock(shipmenttest.T0)
	st := e.store(nil, clk.Now)
	p := shipmenttest.ProfileID(t)
	shipmenttest.Created(t, st, p, "900005", clk.Now())
	cutOffFiling(t, e, clk, p, "M1", "900005")
	rec := shipmenttest.MustGet(t, st, p, "900005")
	rec.StreamStatus = "DELIVERED"
	hook := &afterFailedPut{ShipmentsAPI: e.serial(), do: func() {
		clk.Advance(3 * time.Minute)
		cutOffFiling(t, e, clk, p, "M2", "900005")
	}}
	if err := e.store(hook, clk.Now).Update(mototest.Context(t), rec); err != nil {
		t.Fatalf("Update: %v", err)
	}
	if !hook.done {
		t.Fatal("the order was never marked again; the test proves nothing")
	}
	item := e.raw(t, p, "ORDER#900005")
	if got := attrS(t, item, "filingRef"); got != "M2" {
		t.Fatalf("the Update wrote filingRef %q over the later filing's mark M2", got)
	}
	if got := attrS(t, item, "streamStatus"); got != "DELIVERED" {
		t.Fatalf("Update not written: streamStatus %q", got)
	}
}

// Shipments.MarkEvent: attribute_not_exists(pk), and an expired mark counts
// as absent (expiresAt <= now), to the second.
func TestConditionMarkEvent(t *testing.T) {
	t.Parallel()
	e := newShipmentsEnv(t)
	clk := shipmenttest.NewClock(shipmenttest.T0)
	st := e.store(nil, clk.Now)
	p := shipmenttest.ProfileID(t)
	mark := func() bool {
		t.Helper()
		first, err := st.MarkEvent(mototest.Context(t), p, "SB1#DELIVERED", time.Hour)
		if err != nil {
			t.Fatalf("MarkEvent: %v", err)
		}
		return first
	}
	if !mark() {
		t.Fatal("first mark was not first")
	}
	before := e.raw(t, p, "EVENT#SB1#DELIVERED")
	exp := attrN(t, before, "expiresAt")
	// The mark expires on the whole second after its ttl; half a second
	// before that it still holds.
	expiry := shipmenttest.T0.Add(time.Hour).Truncate(time.Second)
	if exp != strconv.FormatInt(expiry.Unix(), 10) {
		t.Fatalf("expiresAt %s, want %d", exp, expiry.Unix())
	}
	clk.Advance(expiry.Add(-500 * time.Millisecond).Sub(clk.Now()))
	if mark() {
		t.Fatal("a repeated mark inside its ttl was first")
	}
	e.sameItem(t, p, "EVENT#SB1#DELIVERED", before, "a repeated mark")
	// At the second it expires, it is gone.
	clk.Advance(500 * time.Millisecond)
	if !mark() {
		t.Fatalf("a mark at its expiry second (%s, expiresAt %s) was not first", clk.Now().Format(time.RFC3339Nano), exp)
	}
	if got := attrN(t, e.raw(t, p, "EVENT#SB1#DELIVERED"), "expiresAt"); got == exp {
		t.Fatal("the expired mark was not renewed")
	}
}

// Shipments.FileManifest, the head: attribute_not_exists(pk). Another
// request files a manifest under the same reference after this one
// checked the reference was free.
func TestConditionManifestReferenceTakenMeanwhile(t *testing.T) {
	t.Parallel()
	e := newShipmentsEnv(t)
	clk := shipmenttest.NewClock(shipmenttest.T0)
	st := e.store(nil, clk.Now)
	p := shipmenttest.ProfileID(t)
	shipmenttest.Created(t, st, p, "900006", clk.Now())
	mine := shipmenttest.Created(t, st, p, "900007", clk.Now())
	racing := &changeAfterRead{ShipmentsAPI: e.serial(), change: func() {
		if _, err := st.FileManifest(mototest.Context(t), shipment.ManifestRequest{
			ProfileID: p, Reference: "M1", OrderIDs: []string{"900006"}, FiledAt: clk.Now()}); err != nil {
			t.Errorf("the other filing: %v", err)
		}
	}}
	_, err := e.store(racing, clk.Now).FileManifest(mototest.Context(t), shipment.ManifestRequest{
		ProfileID: p, Reference: "M1", OrderIDs: []string{"900007"}, FiledAt: clk.Now()})
	if !errors.Is(err, shipment.ErrManifestExists) {
		t.Fatalf("filing under a reference taken meanwhile: %v, want ErrManifestExists", err)
	}
	if !racing.done {
		t.Fatal("the other filing never ran; the test proves nothing")
	}
	m, err := st.GetManifest(mototest.Context(t), p, "M1")
	if err != nil || len(m.Orders) != 1 || m.Orders[0].OrderID != "900006" {
		t.Fatalf("the other filing's manifest after the refusal: %+v %v", m, err)
	}
	unfiled(t, st, []*shipment.Shipment{mine})
	if _, ok := e.raw(t, p, "ORDER#900007")["filingRef"]; ok {
		t.Fatal("the refused filing marked its order")
	}
}

// Shipments.FileManifest, the final write: manifestState = pending. The
// filing's lease runs out after it marked every order, and another filing
// takes one of them before it is filed.
func TestConditionManifestAbandonedBeforeItIsFiled(t *testing.T) {
	t.Parallel()
	e := newShipmentsEnv(t)
	clk := shipmenttest.NewClock(shipmenttest.T0)
	st := e.store(nil, clk.Now)
	p := shipmenttest.ProfileID(t)
	a := shipmenttest.Created(t, st, p, "900008", clk.Now())
	b := shipmenttest.Created(t, st, p, "900009", clk.Now())
	// The orders fit one transaction: the hook runs between it and the
	// write that files the manifest.
	hook := &afterTransaction{ShipmentsAPI: e.serial(), do: func() {
		clk.Advance(3 * time.Minute)
		if _, err := st.FileManifest(mototest.Context(t), shipment.ManifestRequest{
			ProfileID: p, Reference: "M2", OrderIDs: []string{a.OrderID}, FiledAt: clk.Now()}); err != nil {
			t.Errorf("the takeover filing: %v", err)
		}
	}}
	_, err := e.store(hook, clk.Now).FileManifest(mototest.Context(t), shipment.ManifestRequest{
		ProfileID: p, Reference: "M1", OrderIDs: []string{a.OrderID, b.OrderID}, FiledAt: clk.Now()})
	if !errors.Is(err, shipment.ErrConflict) {
		t.Fatalf("filing abandoned before its last write: %v, want ErrConflict", err)
	}
	if !hook.done {
		t.Fatal("the takeover never ran; the test proves nothing")
	}
	if got := manifestState(t, e, p, "M1"); got != "abandoned" {
		t.Fatalf("manifest M1 is %q, want abandoned", got)
	}
	if _, err := st.GetManifest(mototest.Context(t), p, "M1"); !errors.Is(err, shipment.ErrNotFound) {
		t.Fatalf("the abandoned manifest can be read: %v", err)
	}
	if got := shipmenttest.MustGet(t, st, p, a.OrderID); got.ManifestRef != "M2" {
		t.Fatalf("order %s in manifest %q, want M2", a.OrderID, got.ManifestRef)
	}
	if got := shipmenttest.MustGet(t, st, p, b.OrderID); got.ManifestRef != "" {
		t.Fatalf("order %s in manifest %q, want none", b.OrderID, got.ManifestRef)
	}
}

// Shipments.FileManifest, abandoning another filing: its lease ended as
// stored (leaseUntilMs <= now), not only as read. The head is given a
// longer lease between the read and the write.
func TestConditionAbandonChecksTheLeaseStored(t *testing.T) {
	t.Parallel()
	e := newShipmentsEnv(t)
	clk := shipmenttest.NewClock(shipmenttest.T0)
	st := e.store(nil, clk.Now)
	p := shipmenttest.ProfileID(t)
	shipmenttest.Created(t, st, p, "900010", clk.Now())
	cutOffFiling(t, e, clk, p, "M1", "900010")
	clk.Advance(3 * time.Minute)
	hook := &afterGetOf{ShipmentsAPI: e.serial(), sk: "MANIFEST#M1", do: func() {
		e.rewrite(t, p, "MANIFEST#M1", func(it map[string]types.AttributeValue) {
			it["leaseUntilMs"] = &types.AttributeValueMemberN{Value: strconv.FormatInt(clk.Now().Add(time.Minute).UnixMilli(), 10)}
		})
	}}
	_, err := e.store(hook, clk.Now).FileManifest(mototest.Context(t), shipment.ManifestRequest{
		ProfileID: p, Reference: "M2", OrderIDs: []string{"900010"}, FiledAt: clk.Now()})
	var me *shipment.ManifestError
	if !errors.As(err, &me) || len(me.Problems) != 1 || !strings.Contains(me.Problems[0].Reason, "being filed into manifest M1") {
		t.Fatalf("filing an order whose filing's lease was renewed: %v, want a ManifestError saying it is being filed into M1", err)
	}
	if !hook.done {
		t.Fatal("the lease was never renewed; the test proves nothing")
	}
	if got := manifestState(t, e, p, "M1"); got != "pending" {
		t.Fatalf("manifest M1 with a live lease is %q, want pending", got)
	}
}

// fileAfterRead files order ids as M1 through a store that runs change
// right after it read the orders.
func fileAfterRead(t *testing.T, e *shipmentsEnv, clk *shipmenttest.Clock, p string, change func(), ids ...string) (*shipment.Manifest, error) {
	t.Helper()
	racing := &changeAfterRead{ShipmentsAPI: e.serial(), change: change}
	m, err := e.store(racing, clk.Now).FileManifest(mototest.Context(t), shipment.ManifestRequest{
		ProfileID: p, Reference: "M1", OrderIDs: ids, FiledAt: clk.Now()})
	if !racing.done {
		t.Fatal("the order was never changed; the test proves nothing")
	}
	return m, err
}

// The filing's mark of an order: version = the version read. An update
// made after the read (the state unchanged) must survive the filing.
func TestConditionMarkFromStaleVersion(t *testing.T) {
	t.Parallel()
	e := newShipmentsEnv(t)
	clk := shipmenttest.NewClock(shipmenttest.T0)
	st := e.store(nil, clk.Now)
	p := shipmenttest.ProfileID(t)
	rec := shipmenttest.Created(t, st, p, "900011", clk.Now())
	_, err := fileAfterRead(t, e, clk, p, func() {
		rec.StreamStatus = "PLANNED"
		shipmenttest.MustUpdate(t, st, rec)
	}, "900011")
	if err != nil {
		t.Fatalf("filing an order updated after the read: %v", err)
	}
	got := shipmenttest.MustGet(t, st, p, "900011")
	if got.StreamStatus != "PLANNED" || got.ManifestRef != "M1" {
		t.Fatalf("order after the filing: status %q manifest %q; want the update kept and M1", got.StreamStatus, got.ManifestRef)
	}
}

// markRefused fails the test unless the filing was refused naming order id
// with reason, and the stored order is before.
func markRefused(t *testing.T, e *shipmentsEnv, p, id string, err error, reason string, before map[string]types.AttributeValue) {
	t.Helper()
	var me *shipment.ManifestError
	if !errors.As(err, &me) || len(me.Problems) != 1 || me.Problems[0].OrderID != id || !strings.Contains(me.Problems[0].Reason, reason) {
		t.Fatalf("filing: %v, want a ManifestError naming %s: %q", err, id, reason)
	}
	e.sameItem(t, p, "ORDER#"+id, before, "a refused filing")
}

// The filing's mark of an order: state = created. The order is cancelled
// after the read at the same version.
func TestConditionMarkFromStaleState(t *testing.T) {
	t.Parallel()
	e := newShipmentsEnv(t)
	clk := shipmenttest.NewClock(shipmenttest.T0)
	st := e.store(nil, clk.Now)
	p := shipmenttest.ProfileID(t)
	shipmenttest.Created(t, st, p, "900012", clk.Now())
	var before map[string]types.AttributeValue
	_, err := fileAfterRead(t, e, clk, p, func() {
		e.rewrite(t, p, "ORDER#900012", func(it map[string]types.AttributeValue) { it["state"] = sAttr("cancelled") })
		before = e.raw(t, p, "ORDER#900012")
	}, "900012")
	markRefused(t, e, p, "900012", err, "cancelled", before)
}

// The filing's mark of an order: attribute_not_exists(manifestRef). The
// order is filed elsewhere after the read at the same version.
func TestConditionMarkOfAnOrderFiledMeanwhile(t *testing.T) {
	t.Parallel()
	e := newShipmentsEnv(t)
	clk := shipmenttest.NewClock(shipmenttest.T0)
	st := e.store(nil, clk.Now)
	p := shipmenttest.ProfileID(t)
	shipmenttest.Created(t, st, p, "900013", clk.Now())
	var before map[string]types.AttributeValue
	_, err := fileAfterRead(t, e, clk, p, func() {
		e.rewrite(t, p, "ORDER#900013", func(it map[string]types.AttributeValue) { it["manifestRef"] = sAttr("M0") })
		before = e.raw(t, p, "ORDER#900013")
	}, "900013")
	markRefused(t, e, p, "900013", err, "already in manifest M0", before)
}

// The filing's mark of an unmarked order: attribute_not_exists(filingRef).
// Another filing marks the order after the read (a mark keeps the
// version).
func TestConditionMarkOfAnOrderMarkedMeanwhile(t *testing.T) {
	t.Parallel()
	e := newShipmentsEnv(t)
	clk := shipmenttest.NewClock(shipmenttest.T0)
	st := e.store(nil, clk.Now)
	p := shipmenttest.ProfileID(t)
	shipmenttest.Created(t, st, p, "900014", clk.Now())
	var before map[string]types.AttributeValue
	_, err := fileAfterRead(t, e, clk, p, func() {
		cutOffFiling(t, e, clk, p, "M2", "900014")
		before = e.raw(t, p, "ORDER#900014")
	}, "900014")
	markRefused(t, e, p, "900014", err, "being filed into manifest M2", before)
}

// The filing's mark of an order marked by an abandoned filing: filingRef =
// the mark read. Another filing marks the order after the read.
func TestConditionMarkOverAMarkChangedMeanwhile(t *testing.T) {
	t.Parallel()
	e := newShipmentsEnv(t)
	clk := shipmenttest.NewClock(shipmenttest.T0)
	st := e.store(nil, clk.Now)
	p := shipmenttest.ProfileID(t)
	shipmenttest.Created(t, st, p, "900015", clk.Now())
	cutOffFiling(t, e, clk, p, "M0", "900015")
	clk.Advance(3 * time.Minute) // M0's lease is over: its mark counts for nothing
	var before map[string]types.AttributeValue
	_, err := fileAfterRead(t, e, clk, p, func() {
		cutOffFiling(t, e, clk, p, "M2", "900015")
		before = e.raw(t, p, "ORDER#900015")
	}, "900015")
	markRefused(t, e, p, "900015", err, "being filed into manifest M2", before)
	if got := manifestState(t, e, p, "M0"); got != "abandoned" {
		t.Fatalf("manifest M0 is %q, want abandoned", got)
	}
}

// fileThenChange files order id as M1 through a store that runs change
// right after the write that files the manifest, before the orders' marks
// are settled.
func fileThenChange(t *testing.T, e *shipmentsEnv, clk *shipmenttest.Clock, p, id string, change func()) {
	t.Helper()
	hook := &afterPutOf{ShipmentsAPI: e.serial(), sk: "MANIFEST#M1", name: "manifestState", value: "filed", do: change}
	if _, err := e.store(hook, clk.Now).FileManifest(mototest.Context(t), shipment.ManifestRequest{
		ProfileID: p, Reference: "M1", OrderIDs: []string{id}, FiledAt: clk.Now()}); err != nil {
		t.Fatalf("FileManifest: %v", err)
	}
	if !hook.done {
		t.Fatal("the order was never changed; the test proves nothing")
	}
}

// Settling the marks of a filed manifest: version = the version marked. An
// update made after the filing must survive the tidying.
func TestConditionSettleMarkFromStaleVersion(t *testing.T) {
	t.Parallel()
	e := newShipmentsEnv(t)
	clk := shipmenttest.NewClock(shipmenttest.T0)
	st := e.store(nil, clk.Now)
	p := shipmenttest.ProfileID(t)
	shipmenttest.Created(t, st, p, "900016", clk.Now())
	fileThenChange(t, e, clk, p, "900016", func() {
		rec := shipmenttest.MustGet(t, st, p, "900016")
		rec.StreamStatus = "DELIVERED"
		shipmenttest.MustUpdate(t, st, rec)
	})
	for _, s := range []shipment.Store{st, e.store(nil, clk.Now)} {
		got := shipmenttest.MustGet(t, s, p, "900016")
		if got.StreamStatus != "DELIVERED" || got.ManifestRef != "M1" {
			t.Fatalf("order after the filing: status %q manifest %q; want the update kept and M1", got.StreamStatus, got.ManifestRef)
		}
	}
}

// Settling the marks of a filed manifest: filingRef = the manifest's
// reference. The mark is changed after the filing at the same version.
func TestConditionSettleMarkOverAChangedMark(t *testing.T) {
	t.Parallel()
	e := newShipmentsEnv(t)
	clk := shipmenttest.NewClock(shipmenttest.T0)
	st := e.store(nil, clk.Now)
	p := shipmenttest.ProfileID(t)
	shipmenttest.Created(t, st, p, "900017", clk.Now())
	var before map[string]types.AttributeValue
	fileThenChange(t, e, clk, p, "900017", func() {
		e.rewrite(t, p, "ORDER#900017", func(it map[string]types.AttributeValue) { it["filingRef"] = sAttr("M9") })
		before = e.raw(t, p, "ORDER#900017")
	})
	e.sameItem(t, p, "ORDER#900017", before, "settling the marks of M1")
}
