package shipment_test

import (
	"testing"
	"time"

	"linnstream/internal/shipment"
	"linnstream/internal/shipment/shipmenttest"
)

func newMemStore(_ *testing.T, now func() time.Time) shipment.Store { return shipment.NewMemStore(now) }

func TestMemStoreContract(t *testing.T) { shipmenttest.Run(t, newMemStore) }

func TestMemStoreProtocol(t *testing.T) { shipmenttest.RunProtocol(t, newMemStore) }
