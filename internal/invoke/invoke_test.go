package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"

	"linnstream/internal/embedded"
	"linnstream/internal/stack"
	"linnstream/internal/wizard"
)

func TestWrongFunctionNameListsTheValidOnes(t *testing.T) {
	err := run(context.Background(), options{fn: "GenerateLabels", event: "../../events/generatelabel.json", dataDir: t.TempDir()},
		io.Discard, io.Discard)
	if err == nil {
		t.Fatal("a wrong function name ran")
	}
	for _, e := range stack.Endpoints {
		if !strings.Contains(err.Error(), e.LogicalID) {
			t.Errorf("the message does not list %s: %v", e.LogicalID, err)
		}
	}
	for in, want := range map[string]string{
		"GenerateLabelFunction": "GenerateLabelFunction", "GenerateLabel": "GenerateLabelFunction",
		"userconfig": "UserConfigFunction", " Identifiers ": "IdentifiersFunction",
	} {
		if got, err := resolveFunction(in); err != nil || got != want {
			t.Errorf("resolveFunction(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
}

// While `make run` holds the embedded store, invoke says so and how to go on
// instead of a bare lock error.
func TestHeldStoreSaysHowToProceed(t *testing.T) {
	dir := t.TempDir()
	db, err := embedded.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	err = run(context.Background(), options{fn: "UserConfig", event: "../../events/userconfig.json", dataDir: dir}, io.Discard, io.Discard)
	if !errors.Is(err, embedded.ErrInUse) {
		t.Fatalf("err = %v, want ErrInUse", err)
	}
	for _, want := range []string{"make run", dir, "Ctrl-C", "SANDBOX=1", "FN=UserConfigFunction"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("message does not mention %q:\n%v", want, err)
		}
	}
}

// answer runs an event in -sandbox mode and returns the decoded body.
func answer(t *testing.T, fn, event string) map[string]any {
	t.Helper()
	var out, diag bytes.Buffer
	if err := run(context.Background(), options{fn: fn, event: event, sandbox: true}, &out, &diag); err != nil {
		t.Fatalf("%s %s: %v\n%s", fn, event, err, diag.String())
	}
	text, ok := strings.CutPrefix(out.String(), "HTTP 200\n")
	if !ok {
		t.Fatalf("%s: output %q", event, out.String())
	}
	var body map[string]any
	if err := json.Unmarshal([]byte(text), &body); err != nil {
		t.Fatalf("%s: %v", event, err)
	}
	return body
}

// A GenerateLabel event works on its own: nothing set up before, no server
// running, the fixture's ServiceId as it stands.
func TestSandboxModeLabelsOnItsOwn(t *testing.T) {
	body := answer(t, "GenerateLabelFunction", "../../events/generatelabel.json")
	if body["IsError"] != false {
		t.Fatalf("IsError: %v", body["ErrorMessage"])
	}
	pkgs, _ := body["Package"].([]any)
	if len(pkgs) == 0 || body["LeadTrackingNumber"] == "" {
		t.Fatalf("no label: %v", body)
	}
	for _, p := range pkgs {
		if png, _ := p.(map[string]any)["PNGLabelDataBase64"].(string); !strings.HasPrefix(png, "iVBORw0KGgo") {
			t.Errorf("a package has no PNG label")
		}
	}
}

// Every stage of the wizard has an event, and each one is accepted on a
// profile at that stage, the credentials checked live against the Stream
// sandbox in-process.
func TestEveryWizardStageHasAnEvent(t *testing.T) {
	files, err := filepath.Glob("../../events/*.json")
	if err != nil {
		t.Fatal(err)
	}
	byStage := map[string]string{}
	for _, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var ev events.APIGatewayV2HTTPRequest
		if err := json.Unmarshal(raw, &ev); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		var body struct{ ConfigStatus string }
		if ev.RawPath == "/linnworks/UpdateConfig" && json.Unmarshal([]byte(ev.Body), &body) == nil && body.ConfigStatus != "" {
			byStage[body.ConfigStatus] = f
		}
	}
	for _, stage := range []string{wizard.StageCredentials, wizard.StageSender, wizard.StageLabels, wizard.StageSync, wizard.StageConfig} {
		f, ok := byStage[stage]
		if !ok {
			t.Errorf("no UpdateConfig event in events/ for the %s stage", stage)
			continue
		}
		t.Run(stage, func(t *testing.T) {
			if body := answer(t, "UpdateConfig", f); body["IsError"] != false {
				t.Errorf("%s: IsError: %v", f, body["ErrorMessage"])
			}
		})
	}
}

// In -sandbox mode nothing leaves the process: only make run's sandbox
// address is served, in-process.
func TestInProcessTransportServesOnlyTheSandboxes(t *testing.T) {
	tr := inProcess{host: "127.0.0.1:3000", h: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte(r.Host + " " + r.RequestURI))
	})}
	req, _ := http.NewRequest(http.MethodGet, "http://127.0.0.1:3000/sandbox/stream/api/x?y=1", nil)
	res, err := tr.RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(res.Body)
	if string(got) != "127.0.0.1:3000 /sandbox/stream/api/x?y=1" {
		t.Errorf("handler saw %q", got)
	}
	for _, u := range []string{"https://127.0.0.1:3000/x", "http://127.0.0.1:3001/x", "http://www.demo.go2stream.net/api"} {
		req, _ := http.NewRequest(http.MethodGet, u, nil)
		if _, err := tr.RoundTrip(req); err == nil {
			t.Errorf("%s was served", u)
		}
	}
}
