package shipping_test

import (
	"net/http"
	"strings"
	"testing"
)

func TestMuxRoutesAndMethods(t *testing.T) {
	hs := newHarness(t, setup{})
	tok := hs.addUser()
	for _, ep := range []string{"AddNewUser", "UserConfig", "UpdateConfig", "ConfigDeleted", "ConfigDelete"} {
		for _, m := range []string{http.MethodGet, http.MethodPut, http.MethodDelete} {
			r := hs.do(m, "/linnworks/"+ep, `{"AuthorizationToken":"`+tok+`"}`)
			if !r.isError() || r.message() != "only POST is supported" {
				t.Errorf("%s %s: %s", m, ep, r.raw)
			}
		}
	}
	if p := hs.stored(tok); p.Deleted {
		t.Error("a DELETE request deleted the profile")
	}
	// The handlers a Lambda function wraps answer on any path.
	for name, h := range map[string]http.Handler{"UserConfig": hs.h.UserConfig(), "UpdateConfig": hs.h.UpdateConfig(),
		"AddNewUser": hs.h.AddNewUser(), "ConfigDeleted": hs.h.ConfigDeleted()} {
		hs.mux = h
		r := hs.do(http.MethodPost, "/", `{}`)
		if !r.isError() || !strings.Contains(r.message(), "required") {
			t.Errorf("%s handler: %s", name, r.raw)
		}
	}
}
