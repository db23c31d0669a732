// Package streamsandbox is an in-process imitation of the Stream (go2stream) delivery-management
// API, built from the project's reference (shared/reference/stream-api.md). Tests and `make run`
// use it in place of a Stream tenant. It never imports the project's Stream client, so it checks
// what that client sends independently.
//
// # Mounting
//
// A *Sandbox is an http.Handler. Paths are relative to its mount point:
//
//	/api/...  and /API/...   the Stream API (tenants spell the segment both ways)
//	/admin/...               the sandbox's own admin API (not Stream's)
//	/track/{trackingId}      a minimal tracking page, where returned tracking links lead
//
// `make run` mounts it with http.StripPrefix("/sandbox/stream", sb), making the API base URL
// http://<addr>/sandbox/stream/api; tests use httptest.NewServer(sb) and srv.URL+"/api".
// Tracking links are built from the request's Host and the stripped prefix unless
// Options.TrackingBaseURL is set.
//
// # Stream API behaviour
//
//   - POST /oauth takes JSON or form-encoded client credentials. Failures are
//     application/problem+json: invalid_client (bad id or secret), unsupported_grant_type,
//     invalid_request, all HTTP 400. Tokens last Options.TokenTTL, measured by Options.Now.
//   - Every other call needs a live bearer token (else 401 problem+json), a Stream-Nonce not used
//     before with the same token (else 400, code NONCE) and a Stream-Party equal to the client id
//     or one of Options.Parties (missing: 400, code PARTY; wrong: 403, code PARTY). Requests with
//     a body must be application/json (else 415, code CONTENTTYPE).
//   - Each account may make Options.RateLimit requests (token requests included) in any
//     Options.RateWindow; beyond that 429 {"errors":[{"code":"RUNRL",…,"traceId":…}]}.
//   - POST /orders/orders validates the order (§7.1 and the §12 limits) and answers 422
//     {"response":{"valid":false,"errors":[…]}} listing every problem, each described as
//     "<field path>: <problem>" with codes REQUIRED, TOOLONG, INVALID, INVALIDDATE, UNKNOWNMETHOD,
//     METHODTYPE, UNKNOWNLOCATION or DUPLICATE. JSON keys are matched case-sensitively, so a key
//     Stream would not recognise is ignored. A delivery/collection contact without email and
//     mobile adds a NOCONTACT item of severity "Warning" to an accepted order. Accepted orders
//     start UNCONFIRMED.
//   - GET /orders/orders/{id} and GET /orders/status/{id} take an orderNo or a consignmentNo;
//     unknown ids are 404 with code NOTFOUND. Unset date-times are "0", set ones use Stream's
//     "2006-01-02T15-04Z" layout; runDetails is null until the order is planned.
//   - PATCH /orders/orders/{id} overwrites the given header fields (whole objects, such as
//     customer, are replaced) and validates the result; orderNo and orderType cannot change.
//   - DELETE /orders/orders/{id} cancels: status CANCELLED, still readable. It is refused with
//     422 NOTCANCELLABLE once dispatched or delivered, and 422 CANCELLED when already cancelled.
//   - GET /depots/depots serves Options.Depots, by default DefaultDepots.
//   - POST /webhooks/webhooks accepts the (event, event_type) pairs of §10.3 with an absolute
//     http(s) url_path, http_method POST and content_type application/json; GET lists them
//     without their auth_header.
//
// # Admin API
//
//	GET  /admin/orders            every order: status, §7.2 document and the create request as received
//	GET  /admin/orders/{orderNo}  one of them
//	POST /admin/plan              {"orderNo","run","sequence","date"[,"eta":"HH:MM","driverName","vehicleName","vehicleType","clientId"]}
//	POST /admin/dispatch          {"orderNo"[,"clientId"]}  PLANNED → RELEASED
//	POST /admin/deliver           {"orderNo"[,"clientId"]}  RELEASED → DELIVERED (COLLECTED for a collection)
//	POST /admin/faults            {"mode":"latency"|"error"|"drop"|"none","count":N,"latencyMs":M[,"status":5xx|404]}
//	GET  /admin/faults            the pending fault
//	GET  /admin/webhooks          subscriptions (auth headers masked) and every delivery attempt
//
// Bad input is 400 {"error": "..."}, an unknown order 404, an action the order's state does not
// allow 409. Planning gives the order's groups runDetails (a loadId stable per run and date),
// planned 00:01–23:59 on the date and an ETA (default 08:00 plus 20 minutes per earlier stop).
//
// # Webhooks
//
// Dispatcher actions POST §10.4 payloads to the account's subscribers, with the subscription's
// auth_header as the Authorization header (whether real Stream sends auth_header back, and in
// which header, is unknown: no public source shows it):
//
//	plan      RUNSTATUS/LOADHEADER: LOCKPLANNING with run and every stop of the run;
//	          GROUPSTATUS/LOADALLOC: PLANNEDGROUP; ORDERSTATUS/CONSHEADER: PLANNEDDELIVERY
//	dispatch  RUNSTATUS/LOADHEADER and ORDERSTATUS/CONSHEADER: DISPATCHED
//	deliver   DELIVERED/CONSHEADER, ITEMSTATUS/CONSITEM and ORDERSTATUS/CONSHEADER: DELIVERED
//	          (COLLECTED for a collection, not sent to DELIVERED subscribers)
//	cancel    ORDERSTATUS/CONSHEADER: CANCELLED
//
// Order-level payloads carry order.id and run-level ones orders[] of {sequence, order}, each the
// order's consignment number (not its orderNo: public receivers read it as the consignment
// number, and it keeps receivers from treating it as ours). Each subscription gets one envelope,
// {"webhook": {...}} or the bare payload, chosen at random (Options.Seed) unless
// Options.WebhookEnvelope fixes it: public code shows both. Deliveries run in the background: admin actions wait for the deliveries they
// caused and return their outcome; (*Sandbox).WaitIdle waits for all, and Deliveries lists them.
//
// # Faults
//
// A fault applies to the next count API calls (admin calls are never affected): latency waits
// latencyMs before handling; error answers 5xx (or 404 NOTFOUND, as a route the tenant does not
// serve) without processing; drop processes the call, then closes the connection without
// answering.
package streamsandbox
