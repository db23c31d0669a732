// Package pytools finds the Python programs the tests run: moto_server (the
// AWS emulation of the adapter tests), cfn-lint and a python3 that imports the
// SAM translator (the template checks). `make tools` installs pinned versions
// into the repository's .venv when they are not already on PATH; Find looks
// there first, so the tests work whether they were started by make or by a
// plain `go test`.
package pytools

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
)

// Hint says how to get the tools; every "not found" message carries it.
const Hint = "run `make tools` to install the pinned Python tools into .venv (needs python3)"

// VenvDir is the virtual environment `make tools` creates, relative to the
// repository root.
const VenvDir = ".venv"

// Find returns the path of the program name: the one in the repository's
// .venv/bin if there is one, else the one on PATH. The error names where it
// looked and says how to install it.
func Find(name string) (string, error) {
	if root, err := RepoRoot(); err == nil {
		p := filepath.Join(root, VenvDir, "bin", name)
		if fi, err := os.Stat(p); err == nil && !fi.IsDir() && fi.Mode()&0o111 != 0 {
			return p, nil
		}
	}
	p, err := exec.LookPath(name)
	if err != nil {
		return "", &NotFoundError{Name: name}
	}
	return p, nil
}

// NotFoundError is Find's error when a program is neither in .venv nor on PATH.
type NotFoundError struct{ Name string }

func (e *NotFoundError) Error() string {
	return fmt.Sprintf("%s is not in %s/bin or on PATH; %s", e.Name, VenvDir, Hint)
}

// RepoRoot is the nearest directory at or above the working directory that
// holds go.mod. Tests run in their package's directory, so this is the
// checkout they belong to.
func RepoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("no go.mod at or above the working directory")
		}
		dir = parent
	}
}
