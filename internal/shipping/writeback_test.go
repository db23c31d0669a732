package shipping_test

import (
	"context"
	"errors"
	"reflect"
	"strings"
	"sync"
	"testing"

	"linnstream/internal/queue"
	"linnstream/internal/writeback"
)

// sentMessages keeps what was queued, or refuses everything when fail is set.
type sentMessages struct {
	mu   sync.Mutex
	fail bool
	msgs []queue.Message
}

func (s *sentMessages) Send(_ context.Context, msgs ...queue.Message) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.fail {
		return errors.New("queue unavailable")
	}
	s.msgs = append(s.msgs, msgs...)
	return nil
}

func (s *sentMessages) decoded(t *testing.T) []writeback.Message {
	t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []writeback.Message
	for _, qm := range s.msgs {
		m, err := writeback.Decode(qm.Body)
		if err != nil {
			t.Fatalf("queued body %s: %v", qm.Body, err)
		}
		if qm.Group == "" || qm.DedupID == "" {
			t.Fatalf("queued message without group or de-duplication id: %+v", qm)
		}
		out = append(out, m)
	}
	return out
}

func TestGenerateLabelQueuesTheWriteBack(t *testing.T) {
	sent := &sentMessages{}
	e := newLabelEnv(t, labelSetup{writebacks: sent})
	tok := e.addProfile("sandbox", "sandbox-secret", nil)
	if r := e.generate(labelRequest(tok, e.serviceID("sandbox", justin, courier), 7001)); r.isError() {
		t.Fatalf("label: %s", r.message())
	}
	sh := e.shipmentOf(tok, 7001)
	msgs := sent.decoded(t)
	if len(msgs) != 1 {
		t.Fatalf("queued %d write-backs, want 1: %+v", len(msgs), msgs)
	}
	m := msgs[0]
	if m.ProfileID != sh.ProfileID || m.Ref != sh.StreamOrderNo || m.OrderID != "7001" || m.Source != writeback.SourceLabel || len(m.Refused) != 0 {
		t.Errorf("write-back message = %+v, want profile %s ref %s order 7001 from a label", m, sh.ProfileID, sh.StreamOrderNo)
	}
}

func TestGenerateLabelQueuesStreamsRefusal(t *testing.T) {
	sent := &sentMessages{}
	e := newLabelEnv(t, labelSetup{writebacks: sent})
	tok := e.addProfile("sandbox", "sandbox-secret", nil)
	req := labelRequest(tok, e.serviceID("sandbox", justin, courier), 7002)
	req.Email = "not-an-email"
	if r := e.generate(req); !r.isError() {
		t.Fatalf("Stream accepted a bad email: %s", r.raw)
	}
	msgs := sent.decoded(t)
	if len(msgs) != 1 || msgs[0].Ref != "" || msgs[0].OrderID != "7002" || len(msgs[0].Refused) == 0 {
		t.Fatalf("refusal queued %+v, want one message for order 7002 with Stream's messages", msgs)
	}
	if all := strings.Join(msgs[0].Refused, "\n"); !strings.Contains(all, "Email (header.customer.contact.email): is not an email address [INVALID]") {
		t.Errorf("refusal messages are not Stream's in words: %q", all)
	}
}

func TestGenerateLabelSurvivesAQueueingFailure(t *testing.T) {
	sent := &sentMessages{fail: true}
	e := newLabelEnv(t, labelSetup{writebacks: sent})
	tok := e.addProfile("sandbox", "sandbox-secret", nil)
	r := e.generate(labelRequest(tok, e.serviceID("sandbox", justin, courier), 7003))
	if r.isError() || r.resp.LeadTrackingNumber == "" {
		t.Fatalf("a queueing failure failed the label: %s", r.raw)
	}
	if l := e.logs.String(); !strings.Contains(l, "write-back not queued") || !strings.Contains(l, "queue unavailable") {
		t.Errorf("the queueing failure is not logged:\n%s", l)
	}
}

// TestCancelLabelQueuesTheWriteBack: a cancelled label queues one
// write-back of its order; cancelling it again queues another (harmless,
// and the way to recover one that could not be queued), a refused cancel
// none, and a queueing failure does not fail the cancel.
func TestCancelLabelQueuesTheWriteBack(t *testing.T) {
	sent := &sentMessages{}
	e := newLabelEnv(t, labelSetup{writebacks: sent})
	tok := e.addProfile("sandbox", "sandbox-secret", nil)
	svc := e.serviceID("sandbox", justin, courier)
	for _, id := range []int{7101, 7102} {
		if r := e.generate(labelRequest(tok, svc, id)); r.isError() {
			t.Fatal(r.message())
		}
	}
	labelled := len(sent.decoded(t))
	cancel := func(id string) labelReply {
		return e.post("CancelLabel", map[string]any{"AuthorizationToken": tok, "OrderReference": id})
	}
	cancels := func() []writeback.Message { return sent.decoded(t)[labelled:] }

	if r := cancel("7101"); r.isError() {
		t.Fatalf("cancel: %s", r.message())
	}
	sh := e.shipmentOf(tok, 7101)
	want := writeback.Message{ProfileID: sh.ProfileID, Ref: sh.StreamOrderNo, Consignment: sh.ConsignmentNo, OrderID: "7101", Source: writeback.SourceCancel}
	if got := cancels(); len(got) != 1 || !reflect.DeepEqual(got[0], want) {
		t.Fatalf("queued %+v, want exactly %+v", got, want)
	}
	if r := cancel("7101"); r.isError() {
		t.Fatalf("second cancel: %s", r.message())
	}
	if got := cancels(); len(got) != 2 || !reflect.DeepEqual(got[1], want) {
		t.Fatalf("after a second cancel queued %+v, want the same message again", got)
	}

	e.admin("plan", map[string]any{"orderNo": "7102", "run": "RUN 01", "sequence": 1, "date": "2026-03-03"})
	e.admin("dispatch", map[string]any{"orderNo": "7102"})
	if r := cancel("7102"); !r.isError() {
		t.Fatalf("a dispatched order was cancelled: %s", r.raw)
	}
	if got := cancels(); len(got) != 2 {
		t.Fatalf("a refused cancel queued %+v", got[2:])
	}

	sent.mu.Lock()
	sent.fail = true
	sent.mu.Unlock()
	if r := cancel("7101"); r.isError() {
		t.Fatalf("a queueing failure failed the cancel: %s", r.raw)
	}
	if l := e.logs.String(); !strings.Contains(l, "write-back not queued; cancelling the label again queues it") {
		t.Errorf("the queueing failure is not logged as a cancel's:\n%s", l)
	}
}
