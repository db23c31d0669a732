// Package stacktest reads template.yaml for tests: it runs cfn-lint and
// turns the template into plain CloudFormation with the SAM translator,
// offline, so tests can check what will be deployed.
package stacktest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"linnstream/internal/pytools"
)

// NeedTool returns the path of a tool, from the repository's .venv or PATH
// (pytools.Find). It fails under CI, where every check must run; on a
// developer machine it skips, saying what was not tested and how to get the
// tool.
func NeedTool(t testing.TB, name string) string {
	t.Helper()
	p, err := pytools.Find(name)
	if err != nil {
		missing(t, err.Error())
	}
	return p
}

// missing fails the test under CI and skips it elsewhere, with reason.
func missing(t testing.TB, reason string) {
	t.Helper()
	if os.Getenv("CI") == "true" {
		t.Fatalf("required under CI: %s", reason)
	}
	t.Skipf("SKIPPED, not tested: %s (CI=true makes this a failure)", reason)
}

// transformScript turns template.yaml into plain CloudFormation with the SAM
// translator, offline: the code location is replaced by an S3 object as `sam
// package` would, and managed policies are not looked up.
const transformScript = `
import json, sys
from cfnlint.decode import cfn_yaml
from samtranslator.translator.transform import transform

class NoManagedPolicies:
    def load(self):
        return {}

t = json.loads(json.dumps(cfn_yaml.load(sys.argv[1])))
src = json.loads(json.dumps(t))
t["Globals"]["Function"]["CodeUri"] = "s3://artifacts/linnstream.zip"
out = transform(t, {}, NoManagedPolicies())
json.dump({"source": src, "transformed": out}, sys.stdout)
`

// Template is a CloudFormation template, as JSON decodes it.
type Template struct {
	Resources map[string]struct {
		Type       string         `json:"Type"`
		Metadata   map[string]any `json:"Metadata"`
		Properties map[string]any `json:"Properties"`
	} `json:"Resources"`
	Outputs map[string]struct {
		Value any `json:"Value"`
	} `json:"Outputs"`
	Globals    map[string]map[string]any `json:"Globals"`
	Parameters map[string]map[string]any `json:"Parameters"`
}

// Transform returns template.yaml of the repository at root as written
// (source) and as the SAM translator turns it into CloudFormation (out).
func Transform(t testing.TB, root string) (source, out Template) {
	t.Helper()
	py := NeedTool(t, "python3")
	cmd := exec.Command(py, "-c", transformScript, filepath.Join(root, "template.yaml"))
	cmd.Env = append(os.Environ(), "AWS_DEFAULT_REGION=eu-west-2")
	raw, err := cmd.Output()
	if err != nil {
		if ee, ok := err.(*exec.ExitError); ok && strings.Contains(string(ee.Stderr), "No module named") {
			missing(t, fmt.Sprintf("%s cannot import the SAM translator or cfn-lint (%s); %s",
				py, strings.TrimSpace(lastLine(ee.Stderr)), pytools.Hint))
		}
		if ee, ok := err.(*exec.ExitError); ok {
			t.Fatalf("SAM transform failed: %s", ee.Stderr)
		}
		t.Fatal(err)
	}
	var both struct {
		Source      Template `json:"source"`
		Transformed Template `json:"transformed"`
	}
	if err := json.Unmarshal(raw, &both); err != nil {
		t.Fatalf("decode transform output: %v", err)
	}
	return both.Source, both.Transformed
}

// lastLine is the last non-empty line of a Python traceback: the error itself.
func lastLine(b []byte) string {
	lines := bytes.Split(bytes.TrimSpace(b), []byte("\n"))
	return string(lines[len(lines)-1])
}
