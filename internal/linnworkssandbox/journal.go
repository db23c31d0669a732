package linnworkssandbox

import (
	"net/http"
	"time"
)

// redacted replaces the value of the Authorization header in the journal: its presence matters
// to the spec, its value is a secret.
const redacted = "[redacted]"

// JournalEntry is one API request the sandbox received, as received.
type JournalEntry struct {
	Seq    int         `json:"seq"`
	Time   time.Time   `json:"time"`
	Method string      `json:"method"`
	Path   string      `json:"path"`
	Query  string      `json:"query"`
	Header http.Header `json:"header"`
	Body   string      `json:"body"`
	Status int         `json:"status"`
}

// Target is the path with the query string, the form ValidateRequest takes.
func (e JournalEntry) Target() string {
	if e.Query == "" {
		return e.Path
	}
	return e.Path + "?" + e.Query
}

// journalLimit bounds the journal of a long-running sandbox (`make run`): when it is full the
// oldest tenth is dropped. Seq keeps counting, so a reader can tell that entries are gone.
const journalLimit = 10000

// journaledHeaders are the request headers the journal keeps.
var journaledHeaders = []string{"Content-Type", "Accept", "Authorization"}

func (s *Sandbox) record(r *http.Request, body []byte, status int) {
	h := http.Header{}
	for _, name := range journaledHeaders {
		if v := r.Header.Values(name); len(v) > 0 {
			h[name] = append([]string(nil), v...)
		}
	}
	if len(h["Authorization"]) > 0 {
		h["Authorization"] = []string{redacted}
	}
	now := s.now()
	s.mu.Lock()
	defer s.mu.Unlock()
	s.journalSeq++
	if len(s.journal) >= journalLimit {
		s.journal = append([]JournalEntry(nil), s.journal[len(s.journal)-journalLimit*9/10:]...)
	}
	s.journal = append(s.journal, JournalEntry{
		Seq:    s.journalSeq,
		Time:   now,
		Method: r.Method,
		Path:   r.URL.Path,
		Query:  r.URL.RawQuery,
		Header: h,
		Body:   string(body),
		Status: status,
	})
}

// Journal returns the API requests received since the start or the last ClearJournal, the
// most recent journalLimit at most.
func (s *Sandbox) Journal() []JournalEntry {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]JournalEntry(nil), s.journal...)
}

// ClearJournal empties the journal.
func (s *Sandbox) ClearJournal() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.journal = nil
}
