package ordersync

import (
	"crypto/sha256"
	"encoding/hex"
)

// digest is the hex SHA-256 of the parts, kept apart so that ("ab","c")
// and ("a","bc") differ.
func digest(parts ...string) string {
	h := sha256.New()
	for _, p := range parts {
		h.Write([]byte(p))
		h.Write([]byte{0})
	}
	return hex.EncodeToString(h.Sum(nil))
}
