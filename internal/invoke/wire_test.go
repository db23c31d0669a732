package main

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"io"
	"log/slog"
	"os"
	"testing"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"
	"github.com/awslabs/aws-lambda-go-api-proxy/httpadapter"

	"linnstream/internal/localenv"
	"linnstream/internal/profile"
)

// Linnworks' requests reach the function as API Gateway passes them on:
// with a byte-order mark, under any Content-Type, and base64-encoded when
// API Gateway takes the Content-Type for binary. Each shape installs a
// profile, exactly as the plain JSON event does.
func TestAddNewUserEventInTheShapesAPIGatewayPassesOn(t *testing.T) {
	raw, err := os.ReadFile("../../events/addnewuser.json")
	if err != nil {
		t.Fatal(err)
	}
	env, err := localenv.Open(t.TempDir(), slog.New(slog.NewTextHandler(io.Discard, nil)), localenv.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer env.Close()
	h, err := env.Deps.Handler("AddNewUserFunction")
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name, contentType string
		bom, base64       bool
	}{
		{"as recorded", "", false, false},
		{"BOM, text/plain", "text/plain; charset=utf-8", true, false},
		{"BOM, binary, base64", "application/octet-stream", true, true},
		{"no Content-Type, base64", "-", false, true},
	} {
		t.Run(c.name, func(t *testing.T) {
			var ev events.APIGatewayV2HTTPRequest
			if err := json.Unmarshal(raw, &ev); err != nil {
				t.Fatal(err)
			}
			delete(ev.Headers, "content-length")
			switch c.contentType {
			case "":
			case "-":
				delete(ev.Headers, "content-type")
			default:
				ev.Headers["content-type"] = c.contentType
			}
			if c.bom {
				ev.Body = "\ufeff" + ev.Body
			}
			if c.base64 {
				ev.Body = base64.StdEncoding.EncodeToString([]byte(ev.Body))
				ev.IsBase64Encoded = true
			}
			payload, _ := json.Marshal(ev)
			out, err := lambda.NewHandler(httpadapter.NewV2(h).ProxyWithContext).Invoke(context.Background(), payload)
			if err != nil {
				t.Fatal(err)
			}
			var res events.APIGatewayV2HTTPResponse
			if err := json.Unmarshal(out, &res); err != nil {
				t.Fatal(err)
			}
			var body struct {
				AuthorizationToken string
				IsError            bool
				ErrorMessage       *string
			}
			if err := json.Unmarshal([]byte(res.Body), &body); err != nil || res.StatusCode != 200 || body.IsError || body.AuthorizationToken == "" {
				t.Fatalf("HTTP %d %s (%v)", res.StatusCode, res.Body, err)
			}
			if _, err := env.Deps.Profiles.Get(context.Background(), profile.ID(body.AuthorizationToken)); err != nil {
				t.Errorf("no profile for the token: %v", err)
			}
		})
	}
}
