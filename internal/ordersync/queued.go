package ordersync

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"

	"linnstream/internal/queue"
	"linnstream/internal/writeback"
)

// queued is m as a FIFO message of the write-back queue: grouped by
// profile and Stream reference (Linnworks order for a refusal), so one
// order's messages apply in order, and de-duplicated on the whole body, so
// a message sent twice within the queue's window is queued once.
func queued(m writeback.Message) (queue.Message, error) {
	body, err := json.Marshal(m)
	if err != nil {
		return queue.Message{}, fmt.Errorf("encode write-back message: %w", err)
	}
	key := "ref\x00" + m.Ref
	if m.Ref == "" {
		key = "order\x00" + m.OrderID
	}
	return queue.Message{Group: digest(m.ProfileID, key), DedupID: digest(string(body)), Body: body}, nil
}

func digest(parts ...string) string {
	h := sha256.New()
	for _, p := range parts {
		h.Write([]byte(p))
		h.Write([]byte{0})
	}
	return hex.EncodeToString(h.Sum(nil))
}
