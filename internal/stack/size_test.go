package stack

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// BenchmarkBootstrapSize builds every function the way `sam build` does
// (stripped, static, linux/arm64) and reports each bootstrap's size. The
// target is under 15 MB each, so cold starts stay short.
func BenchmarkBootstrapSize(b *testing.B) {
	for _, e := range Endpoints {
		b.Run(e.LogicalID, func(b *testing.B) {
			// The size is the measure, not the time: build once.
			dir := b.TempDir()
			cmd := exec.Command("make", "-s", "-C", repoRoot, "build-"+e.LogicalID, "ARTIFACTS_DIR="+dir)
			if out, err := cmd.CombinedOutput(); err != nil {
				b.Fatalf("build-%s: %v\n%s", e.LogicalID, err, out)
			}
			fi, err := os.Stat(filepath.Join(dir, "bootstrap"))
			if err != nil {
				b.Fatal(err)
			}
			size := fi.Size()
			for b.Loop() {
			}
			b.ReportMetric(float64(size)/(1<<20), "MiB")
			if size >= 15<<20 {
				b.Errorf("%s bootstrap is %.1f MiB, over the 15 MiB target", e.LogicalID, float64(size)/(1<<20))
			}
		})
	}
}
