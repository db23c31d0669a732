// Package stacktest reads template.yaml for tests: it runs cfn-lint and
// turns the template into plain CloudFormation with the SAM translator,
// offline, so tests can check what will be deployed.
package stacktest

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// NeedTool returns the path of a tool. It skips when a tool is missing on a developer machine, and fails
// under CI, where every check must run.
func NeedTool(t testing.TB, name string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s is required under CI: %v", name, err)
		}
		t.Skipf("%s not installed: %v", name, err)
	}
	return p
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
	Globals map[string]map[string]any `json:"Globals"`
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
			if os.Getenv("CI") == "true" {
				t.Fatalf("the SAM translator is required under CI: %s", ee.Stderr)
			}
			t.Skipf("SAM translator not installed: %s", ee.Stderr)
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
