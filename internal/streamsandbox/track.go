package streamsandbox

import (
	"html/template"
	"net/http"
)

var trackingPage = template.Must(template.New("track").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Tracking {{.TrackingID}}</title></head>
<body><h1>Stream sandbox tracking</h1>
<p>Tracking ID <strong>{{.TrackingID}}</strong>, consignment {{.ConsignmentNo}}</p>
<p>Status: <strong>{{.Status}}</strong></p>
{{with .Run}}<p>Run {{.}}</p>{{end}}
</body></html>
`))

// serveTracking answers GET /track/{trackingId} with a minimal tracking page, so that tracking
// links returned by the sandbox lead somewhere.
func (s *Sandbox) serveTracking(w http.ResponseWriter, r *http.Request, rest string) {
	segs := segments(rest)
	if r.Method != http.MethodGet || len(segs) != 1 {
		http.NotFound(w, r)
		return
	}
	s.mu.Lock()
	var data struct{ TrackingID, ConsignmentNo, Status, Run string }
	found := false
	for _, st := range s.state {
		for _, o := range st.order {
			if o.trackingID == segs[0] {
				found = true
				data.TrackingID, data.ConsignmentNo, data.Status = o.trackingID, o.consignmentNo, o.status
				if g := o.groups[0]; g.run != nil {
					data.Run = g.run.description + " on " + g.run.date
				}
			}
		}
	}
	s.mu.Unlock()
	if !found {
		http.Error(w, "This tracking link is not valid.", http.StatusNotFound)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	_ = trackingPage.Execute(w, data)
}
