package linnworkssandbox

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strconv"
)

// writeJSON answers v as JSON with an exact Content-Length.
func writeJSON(w http.ResponseWriter, status int, v any) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		http.Error(w, "encode response", http.StatusInternalServerError)
		return
	}
	writeBody(w, status, "application/json; charset=utf-8", buf.Bytes())
}

func writeBody(w http.ResponseWriter, status int, contentType string, body []byte) {
	w.Header().Set("Content-Type", contentType)
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

// v1Error is the body of a v1 error: the SDK reads Message.
type v1Error struct {
	Code    string `json:"Code"`
	Message string `json:"Message"`
}

// problem is the RFC 7807 body the v2 API answers errors with.
type problem struct {
	Type     string `json:"type"`
	Title    string `json:"title"`
	Status   int    `json:"status"`
	Detail   string `json:"detail,omitempty"`
	Instance string `json:"instance"`
}

// writeError answers e in the error format of the API version.
func writeError(w http.ResponseWriter, v2 bool, path string, e *apiError) {
	if e.RetryAfter > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(e.RetryAfter))
	}
	if !v2 {
		writeJSON(w, e.Status, v1Error{Code: e.Code, Message: e.Message})
		return
	}
	body, err := json.Marshal(problem{
		Type:     "https://httpstatuses.io/" + strconv.Itoa(e.Status),
		Title:    http.StatusText(e.Status),
		Status:   e.Status,
		Detail:   e.Message,
		Instance: path,
	})
	if err != nil {
		http.Error(w, "encode problem", http.StatusInternalServerError)
		return
	}
	writeBody(w, e.Status, "application/problem+json", body)
}
