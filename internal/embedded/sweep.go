package embedded

import (
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	bolt "go.etcd.io/bbolt"
)

// Sweep deletes what DynamoDB's TTL would have deleted by now: profiles
// whose expiry (set when the integration was removed) has passed, with
// their webhook key, and event marks that have expired. It returns how
// many records went. The local runtime sweeps at start and then hourly;
// every read already treats such records as absent or settled, so a sweep
// only keeps the file from growing.
func (db *DB) Sweep(now time.Time) (int, error) {
	n := 0
	err := db.bolt.Update(func(tx *bolt.Tx) error {
		profiles := tx.Bucket(bucketProfiles)
		var gone [][]byte
		// Index entries of the swept profiles: key hash (or, in the legacy
		// index, plaintext key) → swept profile ID.
		goneHooks, goneLegacy := map[string]string{}, map[string]string{}
		err := profiles.ForEach(func(k, v []byte) error {
			var r profileRecord
			if err := json.Unmarshal(v, &r); err != nil {
				return fmt.Errorf("decode profile: %w", err)
			}
			if !r.ExpiresAt.IsZero() && !r.ExpiresAt.After(now) {
				gone = append(gone, k)
				if r.WebhookKeyHash != "" {
					goneHooks[r.WebhookKeyHash] = string(k)
				}
				if r.LegacyWebhookKey != "" {
					goneLegacy[r.LegacyWebhookKey] = string(k)
				}
			}
			return nil
		})
		if err != nil {
			return err
		}
		syncing := tx.Bucket(bucketProfilesSyncing)
		polling := tx.Bucket(bucketProfilesPolling)
		for _, k := range gone {
			if err := profiles.Delete(k); err != nil {
				return err
			}
			if err := syncing.Delete(k); err != nil {
				return err
			}
			if err := polling.Delete(k); err != nil {
				return err
			}
		}
		for _, idx := range []struct {
			bucket  *bolt.Bucket
			entries map[string]string
		}{{tx.Bucket(bucketProfileWebhooks), goneHooks}, {tx.Bucket(bucketLegacyWebhooks), goneLegacy}} {
			for key, profileID := range idx.entries {
				// Only the entry that still names the swept profile.
				if id := idx.bucket.Get([]byte(key)); id != nil && string(id) == profileID {
					if err := idx.bucket.Delete([]byte(key)); err != nil {
						return err
					}
				}
			}
		}
		n += len(gone)

		marks := tx.Bucket(bucketShipmentMarks)
		var expired [][]byte
		err = marks.ForEach(func(k, v []byte) error {
			exp, err := strconv.ParseInt(string(v), 10, 64)
			if err != nil {
				return fmt.Errorf("decode event mark: %w", err)
			}
			if exp <= now.Unix() {
				expired = append(expired, k)
			}
			return nil
		})
		if err != nil {
			return err
		}
		for _, k := range expired {
			if err := marks.Delete(k); err != nil {
				return err
			}
		}
		n += len(expired)
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("sweep embedded store: %w", err)
	}
	return n, nil
}
