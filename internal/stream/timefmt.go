package stream

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// StreamTimeLayout is how Stream writes date-times: hyphens in the time and
// a literal Z, e.g. 2026-06-20T07-00Z.
const StreamTimeLayout = "2006-01-02T15-04Z"

// DateLayout is how dates are sent to Stream (orderDate, onHandDate).
const DateLayout = "2006-01-02"

// timeLayouts are tried in order by ParseTime. Stream's own layout comes
// first; the others are what clients of Stream send or read elsewhere.
var timeLayouts = []string{
	StreamTimeLayout,
	"2006-01-02T15-04-05Z",
	time.RFC3339Nano,
	"2006-01-02T15:04:05",
	"2006-01-02T15:04Z",
	"2006-01-02T15:04",
	"2006-01-02 15:04:05",
	DateLayout,
}

// ParseTime parses a date-time written by Stream (2026-06-20T07-00Z) or an
// ISO 8601 one (2026-06-20T07:00:00Z). "" and "0", Stream's "not set", give
// the zero time and no error. Times without a zone are UTC.
func ParseTime(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	if s == "" || s == "0" {
		return time.Time{}, nil
	}
	for _, layout := range timeLayouts {
		if t, err := time.Parse(layout, s); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("parse stream time %q: not in Stream's 2006-01-02T15-04Z or ISO 8601 form", s)
}

// FormatDate formats the calendar date of t (in t's location) as Stream
// expects dates: yyyy-MM-dd.
func FormatDate(t time.Time) string { return t.Format(DateLayout) }

// FormatDateTime formats t in UTC as ISO 8601 (2026-06-20T07:00:00Z), the
// form clients send in required.fromDateTime/toDateTime.
func FormatDateTime(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05Z") }

// Time is a date-time read from Stream. It never fails to decode: Raw keeps
// the text as received, and Time is zero when the value is "0" (not set) or
// in a form ParseTime does not know.
type Time struct {
	time.Time
	Raw string
}

// UnmarshalJSON accepts a string, a number (0 = not set) or null.
func (t *Time) UnmarshalJSON(data []byte) error {
	raw := scalarText(data)
	*t = Time{Raw: raw}
	if parsed, err := ParseTime(raw); err == nil {
		t.Time = parsed
	}
	return nil
}

// MarshalJSON writes the text as received, or Stream's layout for a time
// built in code, or "0" for the zero time.
func (t Time) MarshalJSON() ([]byte, error) {
	switch {
	case t.Raw != "":
		return json.Marshal(t.Raw)
	case t.Time.IsZero():
		return []byte(`"0"`), nil
	default:
		return json.Marshal(t.Time.UTC().Format(StreamTimeLayout))
	}
}

// IsSet reports whether Stream gave a usable date-time.
func (t Time) IsSet() bool { return !t.Time.IsZero() }

// Date is a calendar date sent to Stream as yyyy-MM-dd. The zero Date is
// omitted from requests (fields use omitzero).
type Date struct{ time.Time }

// DateOf returns the date of t in t's location.
func DateOf(t time.Time) Date {
	y, m, d := t.Date()
	return Date{time.Date(y, m, d, 0, 0, 0, 0, time.UTC)}
}

// MarshalJSON writes yyyy-MM-dd.
func (d Date) MarshalJSON() ([]byte, error) {
	return []byte(`"` + FormatDate(d.Time) + `"`), nil
}

// UnmarshalJSON accepts yyyy-MM-dd or any form ParseTime knows; "0", "" and
// null give the zero Date.
func (d *Date) UnmarshalJSON(data []byte) error {
	t, err := ParseTime(scalarText(data))
	if err != nil {
		return err
	}
	d.Time = t
	return nil
}

func (d Date) String() string {
	if d.IsZero() {
		return ""
	}
	return FormatDate(d.Time)
}

// scalarText returns a JSON scalar as text: a string's contents, a number's
// literal, "" for null.
func scalarText(data []byte) string {
	data = bytes.TrimSpace(data)
	if len(data) == 0 || bytes.Equal(data, []byte("null")) {
		return ""
	}
	if data[0] == '"' {
		var s string
		if err := json.Unmarshal(data, &s); err == nil {
			return s
		}
	}
	return string(data)
}

// ID is an identifier Stream may send as a string or a number.
type ID string

// UnmarshalJSON accepts a string, a number or null.
func (id *ID) UnmarshalJSON(data []byte) error {
	if t := bytes.TrimSpace(data); len(t) > 0 && (t[0] == '{' || t[0] == '[') {
		return fmt.Errorf("stream id: %s is not a string or number", t)
	}
	*id = ID(scalarText(data))
	return nil
}

// Number is a decimal Stream may send as a number or a numeric string; ""
// and null are 0.
type Number float64

// UnmarshalJSON accepts a number, a numeric string, "" or null.
func (n *Number) UnmarshalJSON(data []byte) error {
	s := strings.TrimSpace(scalarText(data))
	if s == "" {
		*n = 0
		return nil
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return fmt.Errorf("stream number %q: %w", s, err)
	}
	*n = Number(f)
	return nil
}

// Int is an integer Stream may send as a number or a numeric string; "" and
// null are 0.
type Int int

// UnmarshalJSON accepts an integer, a numeric string, "" or null.
func (n *Int) UnmarshalJSON(data []byte) error {
	s := strings.TrimSpace(scalarText(data))
	if s == "" {
		*n = 0
		return nil
	}
	i, err := strconv.Atoi(s)
	if err != nil {
		f, ferr := strconv.ParseFloat(s, 64)
		if ferr != nil || f != float64(int(f)) {
			return fmt.Errorf("stream integer %q: %w", s, err)
		}
		i = int(f)
	}
	*n = Int(i)
	return nil
}
