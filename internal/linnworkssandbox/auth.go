package linnworkssandbox

import (
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"net/http"
	"time"
)

// Session identity of the sandbox account, derived from the install token so that the same
// token always yields the same EntityId/UserId, as an installation does.
const sandboxUserName = "sandbox@linnworks.invalid"

func unauthorized() *apiError {
	return &apiError{Status: http.StatusUnauthorized, Code: "Unauthorized", Message: "Authorization has been denied for this request."}
}

// authenticate resolves the Authorization header (the raw session token, hyphens optional) to a
// live session and marks it used. Callers hold s.mu.
func (s *Sandbox) authenticate(header string, now time.Time) (*session, error) {
	key, ok := normGUID(header)
	if !ok {
		return nil, unauthorized()
	}
	sess, ok := s.sessions[key]
	if !ok {
		return nil, unauthorized()
	}
	if now.Sub(sess.lastUsed) > s.sessionTTL {
		delete(s.sessions, key)
		return nil, unauthorized()
	}
	sess.lastUsed = now
	return sess, nil
}

// authorizeRequest is the spec's AuthorizeByApplicationRequest.
type authorizeRequest struct {
	ApplicationId     string `json:"ApplicationId"`
	ApplicationSecret string `json:"ApplicationSecret"`
	Token             string `json:"Token"`
}

// baseSession is the spec's BaseSession, with the fields a client uses.
type baseSession struct {
	Id         string        `json:"Id"`
	EntityId   string        `json:"EntityId"`
	UserId     string        `json:"UserId"`
	UserName   string        `json:"UserName"`
	Email      string        `json:"Email"`
	Token      string        `json:"Token"`
	Server     string        `json:"Server"`
	PushServer string        `json:"PushServer"`
	Locality   string        `json:"Locality"`
	TTL        int           `json:"TTL"`
	AppName    string        `json:"AppName"`
	Status     statusDetails `json:"Status"`
}

type statusDetails struct {
	State      string            `json:"State"`
	Reason     string            `json:"Reason"`
	Parameters map[string]string `json:"Parameters"`
}

// authorizeByApplication creates a session for a known install token, with any application id
// and secret. An unknown or revoked token is refused with 401.
func authorizeByApplication(c *call) (any, error) {
	var req authorizeRequest
	if err := c.decode(&req); err != nil {
		return nil, err
	}
	if req.ApplicationId == "" || req.ApplicationSecret == "" || req.Token == "" {
		return nil, badRequest("ApplicationId, ApplicationSecret and Token are required.")
	}
	install, ok := normGUID(req.Token)
	if !ok || !c.s.tokens[install] {
		return nil, &apiError{Status: http.StatusUnauthorized, Code: "Unauthorized", Message: "Invalid application token: the application is not installed or the token was revoked."}
	}
	key := newGUID()
	user := derivedGUID("user", install)
	c.s.sessions[key] = &session{key: key, installToken: install, userID: user, lastUsed: c.now}
	return baseSession{
		Id:         user,
		EntityId:   derivedGUID("entity", install),
		UserId:     user,
		UserName:   sandboxUserName,
		Email:      sandboxUserName,
		Token:      key,
		Server:     c.base,
		PushServer: c.base,
		Locality:   "EU",
		TTL:        int(c.s.sessionTTL / time.Minute),
		AppName:    "linnworks-sandbox",
		Status:     statusDetails{State: "AVAILABLE", Parameters: map[string]string{}},
	}, nil
}

// applicationProfileRequest is the spec's Auth_GetApplicationProfileBySecretKeyRequest.
type applicationProfileRequest struct {
	ApplicationId     string `json:"applicationId"`
	ApplicationSecret string `json:"applicationSecret"`
	UserId            string `json:"userId"`
}

type applicationProfile struct {
	PlanTag         string    `json:"PlanTag"`
	PlanName        string    `json:"PlanName"`
	ActivationDate  time.Time `json:"ActivationDate"`
	NextPaymentDate time.Time `json:"NextPaymentDate"`
	ProfileExpires  time.Time `json:"ProfileExpires"`
	IsProfileActive bool      `json:"IsProfileActive"`
}

// getApplicationProfileBySecretKey answers the subscription of a user that holds a live
// installation, and null otherwise (as the spec describes).
func getApplicationProfileBySecretKey(c *call) (any, error) {
	var req applicationProfileRequest
	if err := c.decode(&req); err != nil {
		return nil, err
	}
	user, _ := normGUID(req.UserId)
	for token, live := range c.s.tokens {
		if live && derivedGUID("user", token) == user {
			start := c.s.st.epoch.AddDate(0, -1, 0)
			return applicationProfile{
				PlanTag: "FREE", PlanName: "Free", ActivationDate: start,
				NextPaymentDate: c.now.AddDate(0, 1, 0), ProfileExpires: c.now.AddDate(1, 0, 0),
				IsProfileActive: true,
			}, nil
		}
	}
	return json.RawMessage("null"), nil
}

// derivedGUID maps an install token to a stable GUID for one purpose.
func derivedGUID(purpose, token string) string {
	sum := sha256.Sum256([]byte(purpose + ":" + token))
	b := sum[:16]
	b[6] = b[6]&0x0f | 0x50
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}
