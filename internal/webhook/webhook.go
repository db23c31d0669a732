// Package webhook is the receiver of Stream's webhooks, POST
// /stream/webhook/{key}. Webhooks are only a doorbell: the receiver finds
// the profile by the key in the URL (stores look up the key's hash, see
// profile.WebhookKeyHash), checks what can be checked, queues one
// write-back message per Stream order the payload names and answers at
// once. It never calls Stream or Linnworks; the write-back re-reads the
// order from Stream, so nothing in the payload is trusted for state.
package webhook

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"linnstream/internal/profile"
	"linnstream/internal/queue"
	"linnstream/internal/stream"
	"linnstream/internal/wizard"
	"linnstream/internal/writeback"
)

// Path is the route of the receiver; {key} is the profile's webhook key.
const Path = "/stream/webhook/{key}"

// MaxBody is the largest body accepted; larger ones get 413.
const MaxBody = 256 << 10

// Profiles finds a profile by its webhook key, through an index of key
// hashes: the lookup needs no key material.
type Profiles interface {
	ByWebhookKey(ctx context.Context, key string) (*profile.Profile, error)
}

var _ Profiles = profile.Store(nil)

// Receiver answers Stream's webhook deliveries.
type Receiver struct {
	Profiles Profiles
	// Queue takes the write-back messages.
	Queue  queue.Sender
	Logger *slog.Logger
	// RequestID names a request in logs; nil uses X-Request-Id or a random
	// id.
	RequestID func(*http.Request) string
}

// Handler returns the receiver routed at Path (other methods get 405).
func (rc *Receiver) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.Handle("POST "+Path, rc)
	return mux
}

// actionable are the event codes that may change what a Linnworks order
// shows: the planning codes Rishvi's receiver acts on and the order-status
// codes its Odoo connector maps. Anything else is recorded and ignored.
var actionable = []string{
	"OPENPLANNING", "LOCKPLANNING", "CLOSEPLANNING", "DISPATCHED", "PLANNEDDELIVERY", "PLANNEDGROUP",
	"UNCONFIRMED", "CONFIRMED", "PLANNED", "RELEASED", "HELD", "COLLECTED", "PARTCOLLECTED",
	"DELIVERED", "PARTDELVRD", "COMPLETED", "CANCELLED", "FAILED", "DELIVERYFAILED",
}

// Actionable reports whether an event code may change the Linnworks order.
func Actionable(code string) bool {
	return slices.Contains(actionable, strings.ToUpper(strings.TrimSpace(code)))
}

// ServeHTTP handles one delivery.
func (rc *Receiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	log := rc.logger().With("request_id", rc.requestID(r), "function", "StreamWebhook")
	// Header names only: values may hold the auth header Stream was given.
	log.Info("stream webhook received", "headers", headerNames(r.Header), "content_length", r.ContentLength)

	key := r.PathValue("key")
	if !validKey(key) {
		log.Info("stream webhook for a malformed key")
		answer(w, http.StatusNotFound, "unknown webhook")
		return
	}
	p, err := rc.Profiles.ByWebhookKey(r.Context(), key)
	switch {
	case errors.Is(err, profile.ErrNotFound):
		log.Info("stream webhook for an unknown key")
		answer(w, http.StatusNotFound, "unknown webhook")
		return
	case err != nil:
		// Stream is asked to deliver again rather than told the key is bad.
		log.Error("stream webhook: profile lookup failed", "error", err.Error())
		answer(w, http.StatusServiceUnavailable, "try again later")
		return
	}
	log = log.With("profile", p.Short())
	if p.Deleted {
		log.Info("stream webhook for a deleted profile")
		answer(w, http.StatusGone, "this integration was removed")
		return
	}
	if !authorized(r, p) {
		log.Warn("stream webhook: Authorization header does not match the profile's auth header")
		answer(w, http.StatusUnauthorized, "unauthorized")
		return
	}

	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxBody))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			log.Warn("stream webhook body too large", "limit", MaxBody)
			answer(w, http.StatusRequestEntityTooLarge, fmt.Sprintf("body is over %d bytes", MaxBody))
			return
		}
		log.Warn("stream webhook: reading the body failed", "error", err.Error())
		answer(w, http.StatusBadRequest, "unreadable body")
		return
	}
	if !json.Valid(body) {
		log.Warn("stream webhook body is not JSON", "bytes", len(body))
		answer(w, http.StatusBadRequest, "body is not JSON")
		return
	}

	cfg := wizard.Settings(p)
	if !p.Active || !cfg.WebhooksEnabled {
		log.Info("stream webhook ignored: webhooks are off for this profile", "active", p.Active, "webhooks_enabled", cfg.WebhooksEnabled)
		answer(w, http.StatusOK, "")
		return
	}

	payload, err := stream.DecodeWebhook(body)
	if err != nil {
		log.Warn("stream webhook of an unknown shape recorded, nothing queued", "error", err.Error(), "keys", topKeys(body), "bytes", len(body))
		answer(w, http.StatusOK, "")
		return
	}
	ev := payload.Event
	refs := payload.OrderIDs()
	log = log.With("event_code", ev.EventCode, "subscription", int(payload.Subscription.ID), "orders", len(refs))
	if party := string(payload.Subscription.PartyID); party != "" && !strings.EqualFold(party, cfg.Stream.Party) {
		// Rishvi finds the tenant by party_id; here the key already did,
		// so a mismatch is worth a look but not a refusal.
		log.Warn("stream webhook party_id differs from the profile's Stream party")
	}
	if !Actionable(ev.EventCode) {
		log.Info("stream webhook with an event code we do not act on recorded, nothing queued")
		answer(w, http.StatusOK, "")
		return
	}
	if len(refs) == 0 {
		log.Info("stream webhook names no order, nothing queued")
		answer(w, http.StatusOK, "")
		return
	}

	msgs, err := Messages(p.ID, payload)
	if err != nil {
		log.Error("stream webhook: building messages failed", "error", err.Error())
		answer(w, http.StatusInternalServerError, "internal error")
		return
	}
	if err := rc.Queue.Send(r.Context(), msgs...); err != nil {
		log.Error("stream webhook: queueing failed", "error", err.Error())
		answer(w, http.StatusServiceUnavailable, "try again later")
		return
	}
	log.Info("stream webhook queued", "messages", len(msgs))
	answer(w, http.StatusOK, "")
}

// Messages returns one write-back message per Stream order the payload
// names, in the queue form every producer shares (writeback.Message.Queued:
// grouped by profile and order, so one order's messages are applied in
// order while others run alongside), de-duplicated by what makes a
// delivery distinct: profile, order, event code, event date and time and
// run id, so a repeat of the same event is dropped.
func Messages(profileID string, p *stream.WebhookPayload) ([]queue.Message, error) {
	var runDesc, runID string
	if p.Run != nil {
		runDesc, runID = p.Run.Description, string(p.Run.LoadID)
	}
	when := strings.TrimSpace(strings.TrimSpace(p.Event.EventDate) + " " + strings.TrimSpace(p.Event.EventTime))
	var msgs []queue.Message
	for _, ref := range p.OrderIDs() {
		m, err := writeback.Message{
			ProfileID: profileID, Ref: ref, Source: writeback.SourceWebhook,
			Event: p.Event.EventCode, EventTime: when, Run: runDesc,
		}.Queued()
		if err != nil {
			return nil, err
		}
		m.DedupID = hash("webhook", profileID, ref, strings.ToUpper(p.Event.EventCode), p.Event.EventDate, p.Event.EventTime, runID)
		msgs = append(msgs, m)
	}
	return msgs, nil
}

// hash returns the hex SHA-256 of the parts, each length-prefixed so no
// two lists of parts give the same input.
func hash(parts ...string) string {
	h := sha256.New()
	for _, p := range parts {
		h.Write([]byte(strconv.Itoa(len(p))))
		h.Write([]byte{':'})
		h.Write([]byte(p))
	}
	return hex.EncodeToString(h.Sum(nil))
}

// authorized checks the Authorization header against the auth header the
// profile gave Stream, when both exist. No source shows that Stream sends
// it back, so its absence is accepted; a wrong one is not.
func authorized(r *http.Request, p *profile.Profile) bool {
	want := p.Secrets[wizard.SecretWebhookAuthHeader]
	got, sent := r.Header[http.CanonicalHeaderKey("Authorization")]
	if want == "" || !sent {
		return true
	}
	for _, v := range got {
		if subtle.ConstantTimeCompare([]byte(v), []byte(want)) == 1 {
			return true
		}
	}
	return false
}

// validKey reports whether key has the form of a webhook key (256 bits in
// hex), so a malformed one costs no lookup.
func validKey(key string) bool {
	if len(key) != 64 {
		return false
	}
	_, err := hex.DecodeString(key)
	return err == nil
}

func headerNames(h http.Header) []string {
	names := make([]string, 0, len(h))
	for k := range h {
		names = append(names, k)
	}
	slices.Sort(names)
	return names
}

// topKeys returns the top-level keys of a JSON object (at most 20), to
// record the shape of a payload we could not read without logging its
// values.
func topKeys(body []byte) []string {
	var m map[string]json.RawMessage
	if json.Unmarshal(body, &m) != nil {
		return nil
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	if len(keys) > 20 {
		keys = keys[:20]
	}
	return keys
}

// answer writes a JSON answer: {} on success, {"error": msg} otherwise.
func answer(w http.ResponseWriter, status int, msg string) {
	body := []byte("{}")
	if msg != "" {
		body, _ = json.Marshal(map[string]string{"error": msg})
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	w.Write(body)
}

func (rc *Receiver) logger() *slog.Logger {
	if rc.Logger == nil {
		return slog.New(slog.DiscardHandler)
	}
	return rc.Logger
}

func (rc *Receiver) requestID(r *http.Request) string {
	if rc.RequestID != nil {
		if id := rc.RequestID(r); id != "" {
			return id
		}
	}
	if id := r.Header.Get("X-Request-Id"); id != "" {
		return id
	}
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
