package streamsandbox

import (
	"crypto/subtle"
	"encoding/json"
	"mime"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// token is an issued access token.
type token struct {
	clientID string
	expires  time.Time
	nonces   map[string]bool
}

// tokenRequest is the body of POST /oauth.
type tokenRequest struct {
	GrantType    string `json:"grant_type"`
	ClientID     string `json:"client_id"`
	ClientSecret string `json:"client_secret"`
}

// serveToken answers POST /oauth the way Stream's OAuth2 server does: problem+json on failure.
func (s *Sandbox) serveToken(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		writeProblem(w, http.StatusMethodNotAllowed, "Method Not Allowed", "The token endpoint only accepts POST")
		return
	}
	req, err := readTokenRequest(r)
	if err != nil {
		writeProblem(w, http.StatusBadRequest, "invalid_request", err.Error())
		return
	}

	now := s.now()
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, known := s.accounts[req.ClientID]; known {
		if !s.stateFor(req.ClientID).allow(now, s.rateLimit, s.rateWindow) {
			writeRateLimited(w)
			return
		}
	}
	switch {
	case req.GrantType == "":
		writeProblem(w, http.StatusBadRequest, "invalid_request", "The grant type was not specified in the request")
		return
	case req.GrantType != "client_credentials":
		writeProblem(w, http.StatusBadRequest, "unsupported_grant_type", "Grant type \""+req.GrantType+"\" not supported")
		return
	}
	secret, known := s.accounts[req.ClientID]
	if !known || subtle.ConstantTimeCompare([]byte(secret), []byte(req.ClientSecret)) != 1 {
		writeProblem(w, http.StatusBadRequest, "invalid_client", "The client credentials are invalid")
		return
	}
	s.sweepTokens(now)
	value := randomHex(20)
	s.tokens[value] = &token{clientID: req.ClientID, expires: now.Add(s.tokenTTL), nonces: map[string]bool{}}
	expiresIn := int(s.tokenTTL / time.Second)
	if expiresIn < 1 {
		expiresIn = 1
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"access_token": value,
		"expires_in":   expiresIn,
		"token_type":   "Bearer",
		"scope":        "orders depots webhooks",
	})
}

// readTokenRequest decodes a JSON or form-encoded token request.
func readTokenRequest(r *http.Request) (tokenRequest, error) {
	var req tokenRequest
	body, err := readBody(r)
	if err != nil {
		return req, err
	}
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if mt == "application/x-www-form-urlencoded" {
		vals, err := url.ParseQuery(string(body))
		if err != nil {
			return req, errBadForm
		}
		req.GrantType = vals.Get("grant_type")
		req.ClientID = vals.Get("client_id")
		req.ClientSecret = vals.Get("client_secret")
		return req, nil
	}
	if err := json.Unmarshal(body, &req); err != nil {
		return req, errBadJSON
	}
	return req, nil
}

// sweepTokens forgets expired tokens (and with them their nonces). Callers hold s.mu.
func (s *Sandbox) sweepTokens(now time.Time) {
	for v, t := range s.tokens {
		if !now.Before(t.expires) {
			delete(s.tokens, v)
		}
	}
}

// authenticate checks the bearer token and returns its client id, or writes a 401 and returns "".
// Callers hold s.mu.
func (s *Sandbox) authenticate(w http.ResponseWriter, r *http.Request, now time.Time) (*token, bool) {
	h := r.Header.Get("Authorization")
	scheme, value, _ := strings.Cut(strings.TrimSpace(h), " ")
	value = strings.TrimSpace(value)
	if h == "" || !strings.EqualFold(scheme, "Bearer") || value == "" {
		w.Header().Set("WWW-Authenticate", `Bearer realm="Service"`)
		writeProblem(w, http.StatusUnauthorized, "Unauthorized", "No bearer access token was provided")
		return nil, false
	}
	t := s.tokens[value]
	if t == nil {
		w.Header().Set("WWW-Authenticate", `Bearer realm="Service", error="invalid_token"`)
		writeProblem(w, http.StatusUnauthorized, "invalid_token", "The access token provided is invalid")
		return nil, false
	}
	if !now.Before(t.expires) {
		delete(s.tokens, value)
		w.Header().Set("WWW-Authenticate", `Bearer realm="Service", error="invalid_token"`)
		writeProblem(w, http.StatusUnauthorized, "invalid_token", "The access token provided has expired")
		return nil, false
	}
	return t, true
}

// checkStreamHeaders enforces Stream-Nonce (present, not reused within the token's life) and
// Stream-Party (present, the token's client id or a party configured for it). It writes the
// error and returns false on failure. Callers hold s.mu.
func (s *Sandbox) checkStreamHeaders(w http.ResponseWriter, r *http.Request, t *token) bool {
	nonce := strings.TrimSpace(r.Header.Get("Stream-Nonce"))
	party := strings.TrimSpace(r.Header.Get("Stream-Party"))
	var errs []apiError
	if nonce == "" {
		errs = append(errs, fieldError("NONCE", "Stream-Nonce", "header is required"))
	}
	if party == "" {
		errs = append(errs, fieldError("PARTY", "Stream-Party", "header is required"))
	}
	if len(errs) > 0 {
		writeEnvelope(w, http.StatusBadRequest, false, errs, nil)
		return false
	}
	if len(nonce) > 255 {
		writeEnvelope(w, http.StatusBadRequest, false, []apiError{fieldError("NONCE", "Stream-Nonce", "longer than 255 characters")}, nil)
		return false
	}
	if t.nonces[nonce] {
		writeEnvelope(w, http.StatusBadRequest, false, []apiError{fieldError("NONCE", "Stream-Nonce", "has already been used")}, nil)
		return false
	}
	if party != t.clientID && !s.parties[t.clientID][party] {
		writeEnvelope(w, http.StatusForbidden, false, []apiError{fieldError("PARTY", "Stream-Party", "is not a party of this client")}, nil)
		return false
	}
	t.nonces[nonce] = true
	return true
}
