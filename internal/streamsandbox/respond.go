package streamsandbox

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
)

// Severities used in error items. Stream's example uses "ERROR"; warnings are written in mixed
// case on purpose, because clients are told to compare severities case-insensitively.
const (
	severityError   = "ERROR"
	severityWarning = "Warning"
)

// apiError is one item of a Stream "errors" array.
type apiError struct {
	Code        string `json:"code"`
	Description string `json:"description"`
	Severity    string `json:"severity"`
	TraceID     string `json:"traceId,omitempty"`
}

func fieldError(code, field, problem string) apiError {
	return apiError{Code: code, Description: field + ": " + problem, Severity: severityError}
}

func errNotFound(field, id string) apiError {
	return apiError{Code: "NOTFOUND", Description: fmt.Sprintf("%s: %s was not found", field, id), Severity: severityError}
}

// problem is the problem+json body of the OAuth endpoint and of authentication failures.
type problem struct {
	Type   string `json:"type"`
	Title  string `json:"title"`
	Status int    `json:"status"`
	Detail string `json:"detail"`
}

const problemType = "http://www.w3.org/Protocols/rfc2616/rfc2616-sec10.html"

func writeProblem(w http.ResponseWriter, status int, title, detail string) {
	writeJSONType(w, "application/problem+json", status, problem{Type: problemType, Title: title, Status: status, Detail: detail})
}

// writeEnvelope writes {"response": {"valid": …, "errors": […], …payload}}.
func writeEnvelope(w http.ResponseWriter, status int, valid bool, errs []apiError, payload map[string]any) {
	if errs == nil {
		errs = []apiError{}
	}
	resp := map[string]any{"valid": valid, "errors": errs}
	for k, v := range payload {
		resp[k] = v
	}
	writeJSON(w, status, map[string]any{"response": resp})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	writeJSONType(w, "application/json", status, v)
}

func writeJSONType(w http.ResponseWriter, contentType string, status int, v any) {
	body, err := json.Marshal(v)
	if err != nil {
		// Only sandbox-built values are marshalled; failing here is a programming error, reported
		// as a 500 rather than a half-written body.
		http.Error(w, "encode response: "+err.Error(), http.StatusInternalServerError)
		return
	}
	body = append(body, '\n')
	w.Header().Set("Content-Type", contentType)
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

// randomHex returns n random bytes hex-encoded.
func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b) // crypto/rand.Read never returns an error since Go 1.24
	return hex.EncodeToString(b)
}

// randomCode returns n characters from an unambiguous upper-case alphabet.
func randomCode(n int) string {
	const alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
	b := make([]byte, n)
	_, _ = rand.Read(b)
	for i := range b {
		b[i] = alphabet[int(b[i])%len(alphabet)]
	}
	return string(b)
}
