package dynamo_test

import (
	"context"
	"sync/atomic"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"linnstream/internal/dynamo"
	"linnstream/internal/profile"
	"linnstream/internal/profile/profiletest"
	"linnstream/internal/shipment/shipmenttest"
)

// resend sends every put twice and answers with the second outcome, as when
// the first was applied, its reply lost (a 500, a timeout, a reset
// connection) and the SDK sent it again. The second put fails its
// condition, since the first changed what it checks; with dropOld the
// failure comes without the stored item, as some implementations answer.
func resend(ctx context.Context, put func() (*dynamodb.PutItemOutput, error), count *atomic.Int64, dropOld bool) (*dynamodb.PutItemOutput, error) {
	if out, err := put(); err != nil {
		return out, err
	}
	count.Add(1)
	out, err := put()
	if failed, ok := err.(*types.ConditionalCheckFailedException); ok && dropOld {
		failed.Item = nil
	}
	return out, err
}

type resentProfilePuts struct {
	dynamo.API
	dropOld bool
	resent  atomic.Int64
}

func (r *resentProfilePuts) PutItem(ctx context.Context, in *dynamodb.PutItemInput, opt ...func(*dynamodb.Options)) (*dynamodb.PutItemOutput, error) {
	return resend(ctx, func() (*dynamodb.PutItemOutput, error) { return r.API.PutItem(ctx, in, opt...) }, &r.resent, r.dropOld)
}

// resentShipmentPuts is resentProfilePuts for a shipments table; the cases
// of a suite each have their own table and share the count.
type resentShipmentPuts struct {
	dynamo.ShipmentsAPI
	dropOld bool
	resent  *atomic.Int64
}

func (r *resentShipmentPuts) PutItem(ctx context.Context, in *dynamodb.PutItemInput, opt ...func(*dynamodb.Options)) (*dynamodb.PutItemOutput, error) {
	return resend(ctx, func() (*dynamodb.PutItemOutput, error) { return r.ShipmentsAPI.PutItem(ctx, in, opt...) }, r.resent, r.dropOld)
}

// A put the SDK resent after it landed is the caller's success, not a lost
// race: Create is not "exists", Update is not "conflict", a first event
// mark is not a duplicate. The whole contract holds with every put resent.
func TestResentPutsAreRecognisedAsOurOwn(t *testing.T) {
	t.Parallel()
	for _, dropOld := range []bool{false, true} {
		name := "old item returned"
		if dropOld {
			name = "old item not returned"
		}
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			t.Run("profiles", func(t *testing.T) {
				e := newEnv(t)
				api := &resentProfilePuts{API: &serialProfileWrites{API: e.db}, dropOld: dropOld}
				profiletest.Run(t, func(t *testing.T) profile.Store { return e.store(api) })
				if api.resent.Load() == 0 {
					t.Fatal("no put was resent; the test proves nothing")
				}
			})
			t.Run("shipments", func(t *testing.T) {
				var resent atomic.Int64
				shipmenttest.Run(t, perCase(func(api dynamo.ShipmentsAPI) dynamo.ShipmentsAPI {
					return &resentShipmentPuts{ShipmentsAPI: api, dropOld: dropOld, resent: &resent}
				}))
				if resent.Load() == 0 {
					t.Fatal("no put was resent; the test proves nothing")
				}
			})
		})
	}
}
