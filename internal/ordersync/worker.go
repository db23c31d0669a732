package ordersync

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/sync/errgroup"

	"linnstream/internal/linnworks"
	"linnstream/internal/profile"
	"linnstream/internal/queue"
	"linnstream/internal/services"
	"linnstream/internal/shipment"
	"linnstream/internal/stream"
	"linnstream/internal/streamorder"
	"linnstream/internal/wizard"
	"linnstream/internal/writeback"
)

// Defaults of a Worker.
const (
	// DefaultInFlight is how many Stream creates one account has at once.
	DefaultInFlight = 10
	// DefaultPageSize is the open orders read per Linnworks call, the most
	// Orders/GetOpenOrders gives.
	DefaultPageSize = 200
	// DefaultReserve is the time kept before the run's deadline: no create
	// starts later, so the cursor and summary are always saved.
	DefaultReserve = 15 * time.Second
	defaultRetries = 4
	defaultBackoff = 500 * time.Millisecond
	maxStateRounds = 5
)

// Config holds a Worker's dependencies. Profiles, Catalogue, Linnworks,
// Streams, Creator, Shipments and WriteBack are required.
type Config struct {
	Profiles  Profiles
	Catalogue Catalogue
	Linnworks Linnworks
	Streams   Streams
	Creator   Creator
	Shipments Shipments
	// WriteBack receives one write-back message per order sent or refused.
	WriteBack queue.Sender

	// Now is the clock of the lookback and the summary; default time.Now.
	Now func() time.Time
	// Wall is the clock the run's deadline (that of its context) is read
	// against; default time.Now.
	Wall func() time.Time
	// Logger gets one line per decision; default slog.Default().
	Logger *slog.Logger
	// InFlight, PageSize, Reserve: see the defaults.
	InFlight int
	PageSize int
	Reserve  time.Duration
	// Retries and Backoff bound the retries within a run of a Linnworks read
	// Linnworks asked to repeat later (429, 5xx) and of a Stream create left
	// unsettled (5xx, a lost answer): Backoff doubles each time.
	Retries int
	Backoff time.Duration
}

// Worker runs the sync of one profile at a time per call; it is safe for
// concurrent use, and creates of one Stream account share one limit of
// InFlight however many profiles use it.
type Worker struct {
	cfg Config

	mu    sync.Mutex
	slots map[string]chan struct{} // by Stream account
}

// New returns a Worker.
func New(cfg Config) (*Worker, error) {
	if cfg.Profiles == nil || cfg.Catalogue == nil || cfg.Linnworks == nil || cfg.Streams == nil ||
		cfg.Creator == nil || cfg.Shipments == nil || cfg.WriteBack == nil {
		return nil, errors.New("new order sync worker: Profiles, Catalogue, Linnworks, Streams, Creator, Shipments and WriteBack are required")
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Wall == nil {
		cfg.Wall = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.InFlight <= 0 {
		cfg.InFlight = DefaultInFlight
	}
	if cfg.PageSize <= 0 || cfg.PageSize > DefaultPageSize {
		cfg.PageSize = DefaultPageSize
	}
	if cfg.Reserve <= 0 {
		cfg.Reserve = DefaultReserve
	}
	if cfg.Retries <= 0 {
		cfg.Retries = defaultRetries
	}
	if cfg.Backoff <= 0 {
		cfg.Backoff = defaultBackoff
	}
	return &Worker{cfg: cfg, slots: map[string]chan struct{}{}}, nil
}

// slotsOf is the create limit of a Stream account.
func (w *Worker) slotsOf(acct stream.Account) chan struct{} {
	key := strings.ToLower(strings.TrimRight(strings.TrimSpace(acct.BaseURL), "/")) + "\x00" + acct.ClientID
	w.mu.Lock()
	defer w.mu.Unlock()
	c, ok := w.slots[key]
	if !ok {
		c = make(chan struct{}, w.cfg.InFlight)
		w.slots[key] = c
	}
	return c
}

// ErrTokenRefused: Linnworks refused the profile's API token; the run
// stopped, and the summary on the profile says so.
var ErrTokenRefused = errors.New("order sync: Linnworks refused the profile's API token")

// errNoToken: the profile has no Linnworks API token (the wizard asks for
// one when order sync is on); retrying the job cannot help.
var errNoToken = errors.New("no Linnworks API token is saved; save one in the integration's settings")

// run is one sync of one profile.
type run struct {
	w       *Worker
	id      string           // the profile's id, for the background page reads
	p       *profile.Profile // replaced by each save of the sync state
	cfg     wizard.Config
	token   string
	log     *slog.Logger
	stream  shipment.Stream
	slots   chan struct{}
	cutoff  time.Time
	stopAt  time.Time
	ours    map[string]services.Service // by normalised postal service id
	marks   map[string]profile.ErrorMark
	summary profile.SyncRun

	mu sync.Mutex // guards summary and marks while creates run
}

// Run syncs one profile: it resumes the pass its cursor names, or starts a
// new one, and goes on until the pass ends or the deadline of ctx is near.
// The summary is stored on the profile and returned. A profile that no
// longer syncs orders is left alone (zero summary, nil). An error means the
// run could not do its work (store, Linnworks or Stream unavailable after
// the retries) and the job should be tried again; a refused token is not
// an error to retry: it is recorded, and the profile waits for a new token.
func (w *Worker) Run(ctx context.Context, profileID string) (profile.SyncRun, error) {
	p, err := w.cfg.Profiles.Get(ctx, profileID)
	switch {
	case errors.Is(err, profile.ErrNotFound):
		return profile.SyncRun{}, nil
	case err != nil:
		return profile.SyncRun{}, fmt.Errorf("order sync: read profile: %w", err)
	case !p.SyncsOrders():
		return profile.SyncRun{}, nil
	}
	if !p.LinnworksTokenRefused.IsZero() {
		// Calling Linnworks would only be refused again; UserConfig tells
		// the user, and saving a working token clears the mark.
		w.cfg.Logger.InfoContext(ctx, "order sync held: Linnworks refused the profile's API token", "profile", p.Short())
		return profile.SyncRun{}, nil
	}
	now := w.cfg.Now()
	cfg := wizard.Settings(p)
	r := &run{w: w, id: p.ID, p: p, cfg: cfg, token: cfg.LinnworksAPIToken,
		log:     w.cfg.Logger.With("profile", p.Short(), "flow", "order_sync"),
		cutoff:  now.AddDate(0, 0, -cfg.LookbackDays),
		marks:   map[string]profile.ErrorMark{},
		summary: profile.SyncRun{Started: now.Unix(), Skipped: map[string]int{}},
	}
	for k, v := range p.Sync.ErrorMarks {
		r.marks[k] = v
	}
	if dl, ok := ctx.Deadline(); ok {
		r.stopAt = dl.Add(-w.cfg.Reserve)
	}
	cursor, runErr := r.sync(ctx, p.Sync.Cursor)
	r.summary.Ended = w.cfg.Now().Unix()
	switch {
	case runErr == nil && cursor == "":
		r.summary.Finished = true
	case runErr == nil:
		r.summary.Problem = "stopped before its deadline; the next run resumes where it stopped"
	case errors.Is(runErr, ErrTokenRefused):
		r.summary.Problem = "Linnworks refused the API token; save a working token in the integration's settings"
	default:
		r.summary.Problem = "stopped: " + runErr.Error()
	}
	if err := r.save(ctx, cursor, errors.Is(runErr, ErrTokenRefused)); err != nil {
		return r.summary, errors.Join(runErr, err)
	}
	r.log.InfoContext(ctx, "order sync run ended", "finished", r.summary.Finished, "considered", r.summary.Considered,
		"sent", r.summary.Sent, "errors", r.summary.Errors)
	if errors.Is(runErr, ErrTokenRefused) || errors.Is(runErr, errNoToken) {
		return r.summary, nil
	}
	return r.summary, runErr
}

// cursor is where an unfinished pass resumes: the postal service and the
// highest Linnworks order number of it that is done.
type cursor struct {
	service string
	after   int
}

func parseCursor(s string) cursor {
	svc, num, ok := strings.Cut(s, ":")
	n, err := strconv.Atoi(num)
	if !ok || err != nil || n < 0 {
		return cursor{}
	}
	return cursor{service: svc, after: n}
}

func (c cursor) String() string {
	if c.service == "" {
		return ""
	}
	return c.service + ":" + strconv.Itoa(c.after)
}

// sync walks the profile's postal services from cur and returns the cursor
// to resume from, "" when the pass ended.
func (r *run) sync(ctx context.Context, saved string) (string, error) {
	if r.token == "" {
		return "", errNoToken
	}
	st, err := r.w.cfg.Streams.Stream(r.cfg.Stream)
	if err != nil {
		return saved, fmt.Errorf("the Stream account settings: %w", err)
	}
	r.stream, r.slots = st, r.w.slotsOf(r.cfg.Stream)
	postal, err := r.postalServices(ctx)
	if err != nil {
		return saved, err
	}
	cur := parseCursor(saved)
	i := sort.SearchStrings(postal, cur.service)
	if cur.service == "" || i == len(postal) || postal[i] != cur.service {
		// The service the cursor named is gone, or there is none: begin
		// where the cursor would sort, which is the start for a new pass.
		cur.after = 0
	}
	for ; i < len(postal); i++ {
		next, done, err := r.service(ctx, postal[i], cur.after)
		if err != nil || !done {
			return cursor{postal[i], next}.String(), err
		}
		cur.after = 0
	}
	return "", nil
}

// postalServices returns the ids (normalised, sorted) of the account's
// postal services linked to this profile's services.
func (r *run) postalServices(ctx context.Context) ([]string, error) {
	svcs, err := r.w.cfg.Catalogue.List(ctx, r.p)
	if err != nil {
		return nil, fmt.Errorf("list the profile's services: %w", err)
	}
	byID := map[string]services.Service{}
	for _, s := range svcs {
		byID[normGUID(s.ID)] = s
	}
	var list []linnworks.PostalService
	err = r.retry(ctx, "list postal services", func() error {
		var err error
		list, err = r.w.cfg.Linnworks.PostalServices(ctx, r.token)
		return err
	})
	if err != nil {
		return nil, err
	}
	r.ours = map[string]services.Service{}
	var ids []string
	for _, ps := range list {
		s, ok := byID[normGUID(ps.IntegratedServiceID)]
		if !ok {
			continue
		}
		id := normGUID(ps.ID)
		r.ours[id] = s
		ids = append(ids, id)
	}
	sort.Strings(ids)
	return ids, nil
}

// retry runs a Linnworks read, again after a backoff while Linnworks asks
// for it to be repeated later; a refused token ends the run.
func (r *run) retry(ctx context.Context, what string, call func() error) error {
	d := r.w.cfg.Backoff
	for attempt := 0; ; attempt++ {
		err := call()
		switch {
		case err == nil:
			return nil
		case linnworks.IsTokenRevoked(err):
			return fmt.Errorf("%s: %w", what, ErrTokenRefused)
		case !linnworks.IsRetryable(err) || attempt+1 >= r.w.cfg.Retries || !r.fits(d):
			return fmt.Errorf("%s: %w", what, err)
		}
		r.log.WarnContext(ctx, "linnworks asked to retry later; backing off", "what", what, "wait", d.String())
		if err := sleep(ctx, d); err != nil {
			return fmt.Errorf("%s: %w", what, err)
		}
		d *= 2
	}
}

// fits reports whether waiting d leaves the run before its stop time.
func (r *run) fits(d time.Duration) bool {
	return r.stopAt.IsZero() || r.w.cfg.Wall().Add(d).Before(r.stopAt)
}

func (r *run) late() bool {
	return !r.stopAt.IsZero() && !r.w.cfg.Wall().Before(r.stopAt)
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// service syncs the open orders of one postal service numbered above
// after, a page at a time. It returns the highest order number done and
// whether the service is finished. The next page is read, and its orders
// looked up, while the current page's orders are being sent, so the
// Linnworks reads do not hold up Stream's request budget.
func (r *run) service(ctx context.Context, postalID string, after int) (int, bool, error) {
	guid := postalID
	if len(guid) == 32 {
		guid = guid[:8] + "-" + guid[8:12] + "-" + guid[12:16] + "-" + guid[16:20] + "-" + guid[20:]
	}
	pctx, cancel := context.WithCancel(ctx)
	defer cancel()
	next := r.prefetch(pctx, guid, after)
	for {
		pg := <-next
		if pg.err != nil {
			return after, false, pg.err
		}
		if len(pg.orders) == 0 {
			return after, true, nil
		}
		last := pg.orders[len(pg.orders)-1].NumOrderID
		full := len(pg.orders) >= r.w.cfg.PageSize
		if full {
			next = r.prefetch(pctx, guid, last)
		}
		if r.late() {
			return after, false, nil
		}
		done, err := r.send(ctx, pg)
		if done > after {
			after = done
		}
		if err != nil {
			return after, false, err
		}
		if after < last {
			return after, false, nil // stopped inside the page
		}
		if err := r.save(ctx, cursor{postalID, after}.String(), false); err != nil {
			return after, false, err
		}
		if !full {
			return after, true, nil
		}
	}
}

// page is one page of open orders, prepared: the decisions the list and
// the shipment records allow, and the details of the orders to send.
type page struct {
	orders  []linnworks.Order
	out     []outcome
	records map[int]*shipment.Shipment // by index, of orders Stream holds
	need    []int
	details map[string]linnworks.Order // by normalised pkOrderId
	err     error
}

// prefetch reads and prepares the page of orders numbered above after, in
// the background.
func (r *run) prefetch(ctx context.Context, guid string, after int) <-chan page {
	ch := make(chan page, 1)
	go func() {
		q := linnworks.OpenOrdersQuery{
			EntriesPerPage: r.w.cfg.PageSize,
			PageNumber:     1,
			// Paging by "numbered above the last done" rather than by page
			// number: orders processed meanwhile do not shift the pages.
			Filters: &linnworks.FieldsFilter{
				TextFields:    []linnworks.TextFieldFilter{{FieldCode: linnworks.FieldServiceID, Type: linnworks.TextEqual, Text: guid}},
				NumericFields: []linnworks.NumericFieldFilter{{FieldCode: linnworks.FieldOrderID, Type: linnworks.NumericGreater, Value: float64(after)}},
				DateFields:    []linnworks.DateFieldFilter{{FieldCode: linnworks.FieldDate, Type: linnworks.DateRange, DateFrom: r.cutoff.UTC()}},
			},
			Sorting: []linnworks.FieldSorting{{FieldCode: linnworks.FieldOrderID, Direction: linnworks.SortAscending}},
		}
		var res linnworks.OrdersPage
		err := r.retry(ctx, "read open orders", func() error {
			var err error
			res, err = r.w.cfg.Linnworks.OpenOrders(ctx, r.token, q)
			return err
		})
		if err != nil {
			ch <- page{err: err}
			return
		}
		ch <- r.prepare(ctx, res.Data)
	}()
	return ch
}

// prepare decides what the list and the shipment records tell about each
// order (sorted by number) and reads the details of the others.
func (r *run) prepare(ctx context.Context, orders []linnworks.Order) page {
	pg := page{orders: orders, out: make([]outcome, len(orders)), records: map[int]*shipment.Shipment{}}
	marks := map[string]string{}
	r.mu.Lock()
	for k, m := range r.marks {
		marks[k] = m.Fingerprint
	}
	r.mu.Unlock()
	ours := ownKeys(r.ours)
	for i, o := range orders {
		pg.out[i].o = o
		if reason, ok := precheck(o, ours, r.cutoff, marks); !ok {
			pg.out[i].reason = reason
			continue
		}
		sh, err := r.w.cfg.Shipments.Get(ctx, r.id, strconv.Itoa(o.NumOrderID))
		switch {
		case errors.Is(err, shipment.ErrNotFound):
			sh = nil
		case err != nil:
			pg.err = fmt.Errorf("read the shipment of order %d: %w", o.NumOrderID, err)
			return pg
		}
		if reason, ok := recordCheck(sh); !ok {
			pg.out[i].reason = reason
			pg.records[i] = sh
			continue
		}
		pg.need = append(pg.need, i)
	}
	if len(pg.need) == 0 {
		return pg
	}
	ids := make([]string, len(pg.need))
	for k, i := range pg.need {
		ids[k] = orders[i].OrderID
	}
	var details []linnworks.Order
	pg.err = r.retry(ctx, "read order details", func() error {
		var err error
		details, err = r.w.cfg.Linnworks.OpenOrderDetails(ctx, r.token, ids)
		return err
	})
	pg.details = map[string]linnworks.Order{}
	for _, d := range details {
		pg.details[normGUID(d.OrderID)] = d
	}
	return pg
}

// outcome is what happened to one order of a page.
type outcome struct {
	o      linnworks.Order
	reason Reason
	done   bool
}

// send records the page's decisions and sends its eligible orders, at most
// InFlight of the account at once, and returns the highest number up to
// which every order is done.
func (r *run) send(ctx context.Context, pg page) (int, error) {
	if pg.err != nil {
		return 0, pg.err
	}
	out := pg.out
	needed := map[int]bool{}
	for _, i := range pg.need {
		needed[i] = true
	}
	for i := range out {
		if needed[i] {
			continue
		}
		if sh := pg.records[i]; sh != nil && out[i].reason == ReasonHasStreamOrder {
			// Stream holds the order but Linnworks does not show it sent (the
			// run that created it ended before queueing its write-back, or a
			// label made it): queue the write-back, which writes only what
			// differs.
			if err := r.queue(ctx, writeback.Message{ProfileID: r.p.ID, Ref: sh.StreamOrderNo, Consignment: sh.ConsignmentNo, OrderID: sh.OrderID, Source: writeback.SourceSync}); err != nil {
				return watermark(out), err
			}
		}
		out[i].done = true
		r.decided(ctx, out[i].o, out[i].reason)
	}
	g, gctx := errgroup.WithContext(ctx)
	for _, i := range pg.need {
		d, ok := pg.details[normGUID(pg.orders[i].OrderID)]
		if !ok {
			// Processed or deleted since the list was read: nothing to send.
			out[i].reason, out[i].done = ReasonProcessed, true
			r.decided(ctx, pg.orders[i], ReasonProcessed)
			continue
		}
		if r.late() || gctx.Err() != nil {
			break
		}
		select {
		case r.slots <- struct{}{}:
		case <-gctx.Done():
		}
		if gctx.Err() != nil {
			break
		}
		g.Go(func() error {
			defer func() { <-r.slots }()
			reason, err := r.sendOne(gctx, d)
			if err != nil {
				return err
			}
			out[i].reason, out[i].done = reason, true
			r.decided(gctx, d, reason)
			return nil
		})
	}
	err := g.Wait()
	return watermark(out), err
}

func ownKeys(m map[string]services.Service) map[string]bool {
	out := make(map[string]bool, len(m))
	for k := range m {
		out[k] = true
	}
	return out
}

// watermark is the number of the last order of the longest done prefix of
// the page, 0 when the first is not done.
func watermark(out []outcome) int {
	n := 0
	for _, o := range out {
		if !o.done {
			break
		}
		n = o.o.NumOrderID
	}
	return n
}

// sendOne builds the order and sends it through the Creator, queueing the
// write-back of the result. An error means the run must stop (the queue or
// the store failed); Stream's own answers are outcomes.
func (r *run) sendOne(ctx context.Context, o linnworks.Order) (Reason, error) {
	num := strconv.Itoa(o.NumOrderID)
	svc := r.ours[normGUID(o.ShippingInfo.PostalServiceID)]
	// The options Linnworks last sent with a label of this service; the
	// defaults until a label was printed with it.
	opts, _ := services.StoredOptions(r.p, svc.ID)
	order, err := streamorder.Build(neutral(o), streamorder.Service{
		OrderType: svc.OrderType, Method: svc.Method.Name, StockLocation: svc.StockLocation,
		ServiceLevel: opts.ServiceLevel, SkipCompositeParent: opts.SkipCompositeParent,
		OverridePackagingSplit: opts.OverridePackagingSplit,
	}, streamorder.SettingsOf(r.cfg), r.w.cfg.Now())
	var be *streamorder.Error
	switch {
	case errors.As(err, &be):
		return ReasonIncomplete, r.refused(ctx, o, be.Problems)
	case err != nil:
		return "", fmt.Errorf("build the stream order of %s: %w", num, err)
	}
	n := neutral(o)
	weight := n.Packages[0].WeightGrams
	d := r.w.cfg.Backoff
	for attempt := 0; ; attempt++ {
		sh, err := r.w.cfg.Creator.Ensure(ctx, shipment.EnsureRequest{
			ProfileID: r.p.ID, OrderID: num, Origin: shipment.OriginSync, Order: order, Stream: r.stream,
			Details: shipment.Details{
				OrderReference: n.Reference, ServiceID: svc.ID, ServiceName: svc.Name, Depot: svc.DepotName,
				DeliveryMethod: svc.Method.Name, ConsigneeName: strings.TrimSpace(o.CustomerInfo.Address.FullName),
				ConsigneePostcode: strings.ToUpper(strings.TrimSpace(o.CustomerInfo.Address.PostCode)),
				Packages:          []shipment.Package{{SequenceNumber: 1, WeightGrams: weight}},
				TotalWeightGrams:  weight,
			},
		})
		var refused *shipment.RefusedError
		switch {
		case err == nil:
			r.mu.Lock()
			delete(r.marks, num)
			r.mu.Unlock()
			return ReasonSent, r.queue(ctx, writeback.Message{ProfileID: r.p.ID, Ref: sh.StreamOrderNo, Consignment: sh.ConsignmentNo, OrderID: num, Source: writeback.SourceSync})
		case errors.As(err, &refused):
			return ReasonRefused, r.refused(ctx, o, refused.Messages)
		case errors.Is(err, shipment.ErrCancelled):
			return ReasonCancelled, nil
		case errors.Is(err, shipment.ErrPending) && attempt+1 < r.w.cfg.Retries && r.fits(d):
			// The next Ensure reads Stream before posting anything, so
			// trying again never makes a second order.
			r.log.WarnContext(ctx, "stream order not settled; trying again after a backoff", "order_id", num, "wait", d.String())
			if err := sleep(ctx, d); err != nil {
				return "", err
			}
			d *= 2
		case errors.Is(err, shipment.ErrPending):
			return ReasonNotSettled, nil
		default:
			return "", fmt.Errorf("create the stream order of %s: %w", num, err)
		}
	}
}

// refused records the order's fingerprint and queues its Error from Stream
// write-back with the reasons in words.
func (r *run) refused(ctx context.Context, o linnworks.Order, reasons []string) error {
	num := strconv.Itoa(o.NumOrderID)
	if len(reasons) == 0 {
		reasons = []string{"no reason given"}
	}
	r.mu.Lock()
	r.marks[num] = profile.ErrorMark{Fingerprint: fingerprint(o), Received: o.GeneralInfo.ReceivedDate.Time.Unix()}
	r.mu.Unlock()
	return r.queue(ctx, writeback.Message{ProfileID: r.p.ID, OrderID: num, Source: writeback.SourceSync, Refused: reasons})
}

func (r *run) queue(ctx context.Context, m writeback.Message) error {
	q, err := m.Queued()
	if err != nil {
		return fmt.Errorf("queue the write-back of order %s: %w", m.OrderID, err)
	}
	if err := r.w.cfg.WriteBack.Send(ctx, q); err != nil {
		return fmt.Errorf("queue the write-back of order %s: %w", m.OrderID, err)
	}
	return nil
}

// decided counts and logs one decision.
func (r *run) decided(ctx context.Context, o linnworks.Order, reason Reason) {
	r.mu.Lock()
	s := &r.summary
	s.Considered++
	switch reason {
	case ReasonSent:
		s.Sent++
	case ReasonRefused, ReasonIncomplete, ReasonNotSettled:
		s.Errors++
	default:
		s.Skipped[string(reason)]++
	}
	r.mu.Unlock()
	r.log.InfoContext(ctx, "order sync decision", "order_id", strconv.Itoa(o.NumOrderID), "reason", string(reason))
}

// save stores the cursor, the error marks (those of orders older than the
// lookback dropped) and the summary on the profile, merging with writes
// made meanwhile (the wizard's). refused records that Linnworks refused
// the token, unless the token was replaced meanwhile.
func (r *run) save(ctx context.Context, cur string, refused bool) error {
	ctx = context.WithoutCancel(ctx)
	r.mu.Lock()
	marks := map[string]profile.ErrorMark{}
	for k, m := range r.marks {
		if m.Received >= r.cutoff.Unix() {
			marks[k] = m
		}
	}
	summary := r.summary
	summary.Skipped = map[string]int{}
	for k, v := range r.summary.Skipped {
		summary.Skipped[k] = v
	}
	r.mu.Unlock()
	p := r.p
	for range maxStateRounds {
		p.Sync = profile.SyncState{Last: summary, Cursor: cur, ErrorMarks: marks}
		if refused && p.Secrets[wizard.ItemLinnworksAPIToken] == r.token && p.LinnworksTokenRefused.IsZero() {
			p.LinnworksTokenRefused = r.w.cfg.Now().UTC()
		}
		err := r.w.cfg.Profiles.Update(ctx, p)
		if err == nil {
			r.p = p
			return nil
		}
		if !errors.Is(err, profile.ErrConflict) {
			return fmt.Errorf("store the sync state: %w", err)
		}
		if p, err = r.w.cfg.Profiles.Get(ctx, r.p.ID); err != nil {
			return fmt.Errorf("store the sync state: %w", err)
		}
	}
	return fmt.Errorf("store the sync state: %w", profile.ErrConflict)
}
