package pytools_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"linnstream/internal/pytools"
)

// repo makes a checkout with go.mod in a temporary directory, runs the test
// from a package folder inside it and returns the root.
func repo(t *testing.T) string {
	t.Helper()
	root := t.TempDir()
	if err := os.WriteFile(filepath.Join(root, "go.mod"), []byte("module x\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	pkg := filepath.Join(root, "internal", "pkg")
	if err := os.MkdirAll(pkg, 0o755); err != nil {
		t.Fatal(err)
	}
	t.Chdir(pkg)
	return root
}

func program(t *testing.T, dir, name string) string {
	t.Helper()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte("#!/bin/sh\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestFindPrefersTheVenvOverPath(t *testing.T) {
	root := repo(t)
	onPath := program(t, filepath.Join(root, "elsewhere"), "moto_server")
	t.Setenv("PATH", filepath.Dir(onPath))
	got, err := pytools.Find("moto_server")
	if err != nil || got != onPath {
		t.Fatalf("without a venv: Find = %q, %v; want %q", got, err, onPath)
	}
	inVenv := program(t, filepath.Join(root, ".venv", "bin"), "moto_server")
	got, err = pytools.Find("moto_server")
	if err != nil || got != inVenv {
		t.Fatalf("with a venv: Find = %q, %v; want %q", got, err, inVenv)
	}
}

func TestFindIgnoresANonExecutableVenvEntry(t *testing.T) {
	root := repo(t)
	bin := filepath.Join(root, ".venv", "bin")
	if err := os.MkdirAll(bin, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(bin, "cfn-lint"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PATH", t.TempDir())
	if _, err := pytools.Find("cfn-lint"); err == nil {
		t.Fatal("Find accepted a file that cannot be run")
	}
}

func TestFindSaysHowToInstallAMissingTool(t *testing.T) {
	repo(t)
	t.Setenv("PATH", t.TempDir())
	_, err := pytools.Find("moto_server")
	var nf *pytools.NotFoundError
	if !errors.As(err, &nf) || nf.Name != "moto_server" {
		t.Fatalf("error %v, want a NotFoundError for moto_server", err)
	}
	for _, want := range []string{"moto_server", ".venv/bin", "PATH", "make tools"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("message %q does not mention %q", err, want)
		}
	}
}

func TestRepoRootIsTheNearestGoMod(t *testing.T) {
	root := repo(t)
	got, err := pytools.RepoRoot()
	if err != nil {
		t.Fatal(err)
	}
	// t.TempDir may sit behind a symbolic link; compare resolved paths.
	want, _ := filepath.EvalSymlinks(root)
	if g, _ := filepath.EvalSymlinks(got); g != want {
		t.Errorf("RepoRoot = %q, want %q", got, root)
	}
}
