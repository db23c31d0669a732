// Package embedded keeps linnstream's data in one bbolt file on disk for the
// local runtime (make run): the same stores as the DynamoDB adapter, with no
// AWS account. Each kind of record has its own buckets in the file.
package embedded

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	bolt "go.etcd.io/bbolt"
	bolterrors "go.etcd.io/bbolt/errors"
)

// FileName is the name of the database file inside the data directory.
const FileName = "linnstream.db"

// DB is the open database file. It is safe for concurrent use; open it
// once per process and Close it on exit.
type DB struct {
	bolt *bolt.DB
}

// ErrInUse is returned by Open when another process has the store open (the
// file lock is held), typically `make run` on the same data directory.
var ErrInUse = errors.New("in use by another process")

// Open opens (creating if needed) the database in dir. Only one process may
// have it open; another gets an error after a short wait.
func Open(dir string) (*DB, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("open embedded store: %w", err)
	}
	path := filepath.Join(dir, FileName)
	b, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: 2 * time.Second})
	if errors.Is(err, bolterrors.ErrTimeout) {
		return nil, fmt.Errorf("open embedded store %s: %w", path, ErrInUse)
	}
	if err != nil {
		return nil, fmt.Errorf("open embedded store %s: %w", path, err)
	}
	db := &DB{bolt: b}
	if err := db.bolt.Update(func(tx *bolt.Tx) error {
		// A file written before the open shipments index existed gets it
		// built from its records, so the dispatch poll sees them.
		backfill := tx.Bucket(bucketShipments) != nil && tx.Bucket(bucketOpenShipments) == nil
		for _, name := range allBuckets {
			if _, err := tx.CreateBucketIfNotExists(name); err != nil {
				return fmt.Errorf("create bucket %s: %w", name, err)
			}
		}
		if backfill {
			return indexOpenShipments(tx)
		}
		return nil
	}); err != nil {
		b.Close()
		return nil, fmt.Errorf("open embedded store %s: %w", path, err)
	}
	return db, nil
}

// Close closes the database file.
func (db *DB) Close() error {
	if err := db.bolt.Close(); err != nil {
		return fmt.Errorf("close embedded store: %w", err)
	}
	return nil
}

// Path returns the database file's path.
func (db *DB) Path() string { return db.bolt.Path() }

// allBuckets lists the top-level buckets Open creates; each store adds its
// own.
var allBuckets = [][]byte{bucketProfiles, bucketProfileWebhooks, bucketLegacyWebhooks, bucketProfileNumbering, bucketProfilesSyncing,
	bucketProfilesPolling, bucketShipments, bucketStreamOrders, bucketManifests, bucketShipmentMarks,
	bucketOpenShipments, bucketPollCursors}
