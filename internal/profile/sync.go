package profile

import (
	"encoding/json"
	"fmt"
	"maps"
	"strings"
)

// SettingOrderSync is the ConfigItemId of the order sync switch. Stores
// index the profiles that sync orders (SyncsOrders), so the scheduler finds
// them without reading every profile.
const SettingOrderSync = "ORDER_SYNC_ENABLED"

// SyncsOrders reports whether the order sync should run for p: the profile
// is configured, not uninstalled, and its order sync switch is on (stored
// as the wizard stores booleans, "true").
func (p *Profile) SyncsOrders() bool {
	return p.Active && !p.Deleted && strings.TrimSpace(p.Settings[SettingOrderSync]) == "true"
}

// SyncState is what the order sync keeps on a profile between runs.
type SyncState struct {
	// Last is the summary of the latest run; zero before the first.
	Last SyncRun `json:"last,omitzero"`
	// Cursor is where an unfinished pass resumes; "" starts a new pass. Its
	// form belongs to the order sync.
	Cursor string `json:"cursor,omitempty"`
	// ErrorMarks are, by Linnworks order number, a fingerprint of what the
	// order was when it last failed (its address, service and lines), so an
	// unchanged order is not tried again and a corrected one is.
	ErrorMarks map[string]ErrorMark `json:"errorMarks,omitempty"`
}

// ErrorMark is an order the sync could not send, as it was then.
type ErrorMark struct {
	Fingerprint string `json:"fp"`
	// Received is the order's received date (Unix seconds): marks of orders
	// older than the lookback are dropped.
	Received int64 `json:"rcv"`
}

// SyncRun sums up one run of the order sync for the operator.
type SyncRun struct {
	Started  int64 `json:"started"` // Unix seconds
	Ended    int64 `json:"ended"`
	Finished bool  `json:"finished"` // the pass reached the last order
	// Considered counts the orders decided; Sent those Stream now holds;
	// Errors those refused (by Stream or before sending) or not settled.
	Considered int            `json:"considered"`
	Sent       int            `json:"sent"`
	Errors     int            `json:"errors"`
	Skipped    map[string]int `json:"skipped,omitempty"`
	// Problem says, in words, what stopped the run early; "" when nothing did.
	Problem string `json:"problem,omitempty"`
}

// IsZero reports whether s holds nothing.
func (s SyncState) IsZero() bool {
	return s.Last.Started == 0 && s.Cursor == "" && len(s.ErrorMarks) == 0
}

// Clone returns a deep copy of s.
func (s SyncState) Clone() SyncState {
	s.ErrorMarks = maps.Clone(s.ErrorMarks)
	s.Last.Skipped = maps.Clone(s.Last.Skipped)
	return s
}

// MarshalSync encodes s as the stores keep it; nil for a zero state.
func MarshalSync(s SyncState) ([]byte, error) {
	if s.IsZero() {
		return nil, nil
	}
	b, err := json.Marshal(s)
	if err != nil {
		return nil, fmt.Errorf("encode sync state: %w", err)
	}
	return b, nil
}

// UnmarshalSync decodes what MarshalSync wrote; empty gives the zero state.
func UnmarshalSync(b []byte) (SyncState, error) {
	var s SyncState
	if len(b) == 0 {
		return s, nil
	}
	if err := json.Unmarshal(b, &s); err != nil {
		return SyncState{}, fmt.Errorf("decode sync state: %w", err)
	}
	return s, nil
}
