package stream

import (
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestParseTime(t *testing.T) {
	tests := []struct {
		in   string
		want time.Time
		bad  bool
	}{
		{in: "2026-06-20T07-00Z", want: time.Date(2026, 6, 20, 7, 0, 0, 0, time.UTC)},
		{in: "2026-06-20T00-01Z", want: time.Date(2026, 6, 20, 0, 1, 0, 0, time.UTC)},
		{in: "2026-06-20T07:30:15Z", want: time.Date(2026, 6, 20, 7, 30, 15, 0, time.UTC)},
		{in: "2026-06-20T08:30:00+01:00", want: time.Date(2026, 6, 20, 7, 30, 0, 0, time.UTC)},
		{in: "2026-06-20", want: time.Date(2026, 6, 20, 0, 0, 0, 0, time.UTC)},
		{in: "0"},
		{in: ""},
		{in: " 0 "},
		{in: "20/06/2026", bad: true},
		{in: "2026-06-20T25-00Z", bad: true},
	}
	for _, tt := range tests {
		got, err := ParseTime(tt.in)
		if tt.bad {
			if err == nil || !strings.Contains(err.Error(), tt.in) {
				t.Errorf("ParseTime(%q) = %v, %v; want an error naming the value", tt.in, got, err)
			}
			continue
		}
		if err != nil || !got.Equal(tt.want) {
			t.Errorf("ParseTime(%q) = %v, %v; want %v", tt.in, got, err, tt.want)
		}
	}
}

func TestFormatDate(t *testing.T) {
	london, err := time.LoadLocation("Europe/London")
	if err != nil {
		london = time.FixedZone("BST", 3600)
	}
	// 23:30 UTC is already the next day in London summer time.
	tm := time.Date(2026, 6, 20, 23, 30, 0, 0, time.UTC).In(london)
	if got := FormatDate(tm); got != "2026-06-21" {
		t.Fatalf("FormatDate = %q", got)
	}
	if got := FormatDateTime(tm); got != "2026-06-20T23:30:00Z" {
		t.Fatalf("FormatDateTime = %q", got)
	}
	d := DateOf(tm)
	b, _ := json.Marshal(struct {
		D Date `json:"d,omitzero"`
		Z Date `json:"z,omitzero"`
	}{D: d})
	if string(b) != `{"d":"2026-06-21"}` {
		t.Fatalf("dates marshal as %s", b)
	}
}

func TestDecodeTolerantTypes(t *testing.T) {
	var g Group
	err := json.Unmarshal([]byte(`{"id":42,"estimateArrivalDateTime":"0","planned":{"fromDateTime":"2026-06-20T07-00Z","toDateTime":"soon"},
		"liveDate":0,"weight":"1.5","quantity":2,"runDetails":{"id":"R9","description":"RUN 01","groupSequence":"3","start":{"plannedDateTime":"2026-06-20T06-30Z","lat":"53.8"}}}`), &g)
	if err != nil {
		t.Fatal(err)
	}
	if g.ID != "42" || g.EstimateArrivalDateTime.IsSet() || g.EstimateArrivalDateTime.Raw != "0" || g.LiveDate.IsSet() {
		t.Fatalf("group = %+v", g)
	}
	if !g.Planned.FromDateTime.Equal(time.Date(2026, 6, 20, 7, 0, 0, 0, time.UTC)) || g.Planned.ToDateTime.IsSet() || g.Planned.ToDateTime.Raw != "soon" {
		t.Fatalf("planned = %+v", g.Planned)
	}
	if g.Weight != 1.5 || g.Quantity != 2 || g.RunDetails.GroupSequence != 3 || g.RunDetails.Start.Lat != 53.8 || g.RunDetails.Description != "RUN 01" {
		t.Fatalf("numbers = %v %v %+v", g.Weight, g.Quantity, g.RunDetails)
	}
	b, _ := json.Marshal(g.EstimateArrivalDateTime)
	if string(b) != `"0"` {
		t.Fatalf("unset time marshals as %s", b)
	}
	var n Number
	if err := json.Unmarshal([]byte(`"abc"`), &n); err == nil {
		t.Fatal("a non-numeric string decoded as a number")
	}
}

func TestDecodeWebhook(t *testing.T) {
	body := []byte(`{"webhook":{
		"subscription":{"party_id":"client-a","id":12,"event":"RUNSTATUS","event_type":"LOADHEADER","url_path":"https://h/x","http_method":"POST"},
		"event":{"event_code":"LOCKPLANNING","event_code_desc":"Planning locked","event_date":"2026-06-20","event_time":"06:55"},
		"run":{"loadId":"L7","status":"LOCKED","description":"RUN 01"},
		"orders":[{"sequence":1,"order":"1001"},{"sequence":"2","order":"1002"}]}}`)
	p, err := DecodeWebhook(body)
	if err != nil {
		t.Fatal(err)
	}
	if p.Subscription.ID != 12 || p.Subscription.PartyID != "client-a" || p.Event.EventCode != "LOCKPLANNING" || p.Run.Description != "RUN 01" || p.Orders[1].Sequence != 2 {
		t.Fatalf("payload = %+v", p)
	}
	if ids := p.OrderIDs(); strings.Join(ids, ",") != "1001,1002" {
		t.Fatalf("order ids = %v", ids)
	}
	if k := p.Key(); k != "12|LOCKPLANNING|1001,1002|2026-06-20|06:55" {
		t.Fatalf("key = %q", k)
	}
	// Some tenants' party codes are numeric.
	numeric, err := DecodeWebhook([]byte(`{"webhook":{"subscription":{"party_id":40017,"id":4},"event":{"event_code":"DELIVERED"},"order":{"id":"1004"}}}`))
	if err != nil || numeric.Subscription.PartyID != "40017" {
		t.Fatalf("numeric party_id: %v, %+v", err, numeric)
	}
	single, err := DecodeWebhook([]byte(`{"webhook":{"subscription":{"id":"3"},"event":{"event_code":"DELIVERED"},"order":{"id":"1003"}}}`))
	if err != nil || strings.Join(single.OrderIDs(), ",") != "1003" {
		t.Fatalf("order-level payload: %+v, %v", single, err)
	}
	for _, bad := range []string{`{}`, `[]`, `null`, `"x"`, `{"hello":1}`, `{"webhook":[1]}`, `{"webhook":{"subscription":{"id":{}}}}`, `{"event":{"event_code":[1]}}`} {
		if _, err := DecodeWebhook([]byte(bad)); !errors.Is(err, ErrWebhookShape) {
			t.Errorf("DecodeWebhook(%s) = %v, want ErrWebhookShape", bad, err)
		}
	}
	if _, err := DecodeWebhook([]byte(`not json`)); err == nil || errors.Is(err, ErrWebhookShape) {
		t.Errorf("DecodeWebhook(not json) = %v, want a JSON error", err)
	}
}

// A bare payload (no "webhook" wrapper) with numbers where the samples had
// strings decodes to the same values as the wrapped one with strings.
func TestDecodeWebhookBareAndNumeric(t *testing.T) {
	wrapped, err := DecodeWebhook([]byte(`{"webhook":{"subscription":{"party_id":"40017","id":"9"},
		"event":{"event_code":"PLANNEDDELIVERY","event_date":"20260620","event_time":"0655","event_text":"7"},
		"run":{"loadId":"88","status":"1","description":"3"},"orders":[{"sequence":"4","order":"5001"}],"order":{"id":"C-5001"}}}`))
	if err != nil {
		t.Fatal(err)
	}
	bare, err := DecodeWebhook([]byte(`{"subscription":{"party_id":40017,"id":9},
		"event":{"event_code":"PLANNEDDELIVERY","event_date":20260620,"event_time":"0655","event_text":7},
		"run":{"loadId":88,"status":1,"description":3},"orders":[{"sequence":4,"order":5001}],"order":{"id":"C-5001"}}`))
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(wrapped, bare) {
		t.Fatalf("bare numeric payload %+v differs from wrapped %+v", bare, wrapped)
	}
	if bare.Event.EventDate != "20260620" || bare.Run.Description != "3" || bare.Orders[0].Order != "5001" || bare.Event.EventText != "7" {
		t.Fatalf("bare payload %+v", bare)
	}
	if ids := strings.Join(bare.OrderIDs(), ","); ids != "5001,C-5001" {
		t.Fatalf("order ids %s, want both the run's order and the event's order", ids)
	}
}
