package stream

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"sync"
	"time"
)

// tokenCache holds the account's bearer token. Concurrent callers that find
// it missing or about to expire share one token request.
type tokenCache struct {
	mu        sync.Mutex
	token     string
	refreshAt time.Time
	pending   *tokenCall
}

type tokenCall struct {
	done    chan struct{}
	token   string
	err     error
	waiters int // callers sharing this request besides the leader
}

// invalidate drops the token if it is still the one that was refused, so
// that many concurrent 401s cause one refresh.
func (t *tokenCache) invalidate(token string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.token == token {
		t.token = ""
	}
}

// token returns a valid bearer token, fetching one when needed.
func (c *Client) token(ctx context.Context) (string, error) {
	for {
		t := &c.tok
		t.mu.Lock()
		if t.token != "" && c.now().Before(t.refreshAt) {
			token := t.token
			t.mu.Unlock()
			return token, nil
		}
		call := t.pending
		leader := call == nil
		if leader {
			call = &tokenCall{done: make(chan struct{})}
			t.pending = call
		} else {
			call.waiters++
		}
		t.mu.Unlock()

		if leader {
			token, ttl, err := c.fetchToken(ctx)
			t.mu.Lock()
			if err == nil {
				t.token = token
				t.refreshAt = c.now().Add(ttl - refreshMargin(ttl))
			}
			t.pending = nil
			call.token, call.err = token, err
			close(call.done)
			t.mu.Unlock()
			return token, err
		}
		select {
		case <-call.done:
			if call.err == nil {
				return call.token, nil
			}
			// The leader's own deadline or cancellation ended its request;
			// a caller with time left tries again itself.
			if ctx.Err() == nil && (errors.Is(call.err, context.Canceled) || errors.Is(call.err, context.DeadlineExceeded)) {
				continue
			}
			return "", call.err
		case <-ctx.Done():
			return "", fmt.Errorf("stream get token: %w", ctx.Err())
		}
	}
}

// refreshMargin is how long before expiry a token is replaced: a tenth of
// its life, at most a minute.
func refreshMargin(ttl time.Duration) time.Duration { return min(ttl/10, time.Minute) }

// Authenticate requests a new token now, replacing the cached one. It checks
// credentials live; a refusal is an *AuthError carrying Stream's reason.
func (c *Client) Authenticate(ctx context.Context) error {
	c.tok.mu.Lock()
	c.tok.token = ""
	c.tok.mu.Unlock()
	_, err := c.token(ctx)
	return err
}

// fetchToken makes the client-credentials request.
func (c *Client) fetchToken(ctx context.Context) (string, time.Duration, error) {
	body, err := json.Marshal(struct {
		GrantType    string `json:"grant_type"`
		ClientID     string `json:"client_id"`
		ClientSecret string `json:"client_secret"`
	}{"client_credentials", c.acct.ClientID, c.acct.ClientSecret})
	if err != nil {
		return "", 0, fmt.Errorf("stream get token: encode: %w", err)
	}
	req := request{op: "get token", method: http.MethodPost, path: "/oauth", body: body, kind: kindRead, noAuth: true}
	res, err := c.exchange(ctx, req, "")
	if err != nil {
		return "", 0, err
	}
	if res.status >= 300 && res.status < 400 {
		return "", 0, &NotJSONError{Op: req.op, URL: res.url, Status: res.status,
			ContentType: res.header.Get("Content-Type"), Location: res.header.Get("Location")}
	}
	var reply struct {
		AccessToken string `json:"access_token"`
		ExpiresIn   Int    `json:"expires_in"`
		TokenType   string `json:"token_type"`
		// problem+json (RFC 7807) on refusal
		Type   string `json:"type"`
		Title  string `json:"title"`
		Detail string `json:"detail"`
		Status Int    `json:"status"`
	}
	h, ok := parseHead(res.body)
	if !ok || json.Unmarshal(res.body, &reply) != nil {
		return "", 0, &NotJSONError{Op: req.op, URL: res.url, Status: res.status,
			ContentType: res.header.Get("Content-Type"), Title: htmlTitle(res.body)}
	}
	if res.status == http.StatusNotFound {
		return "", 0, &StatusError{Op: req.op, URL: res.url, Status: res.status, Messages: h.messages, Config: true}
	}
	if res.status >= 400 || reply.AccessToken == "" {
		ae := &AuthError{ClientID: c.acct.ClientID, Status: res.status, Type: reply.Type, Title: reply.Title, Detail: reply.Detail}
		if ae.Title == "" && ae.Detail == "" {
			ae.Detail = joinMessages(h.messages)
		}
		if ae.Title == "" && ae.Detail == "" && reply.AccessToken == "" {
			ae.Detail = "the token response has no access_token"
		}
		return "", 0, ae
	}
	ttl := time.Duration(reply.ExpiresIn) * time.Second
	if ttl <= 0 {
		ttl = defaultTokenTTL
	}
	c.log.LogAttrs(ctx, slog.LevelDebug, "stream token issued", slog.String("client_id", c.acct.ClientID), slog.Duration("expires_in", ttl))
	return reply.AccessToken, ttl, nil
}
