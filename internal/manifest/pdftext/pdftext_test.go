package pdftext

import (
	"bytes"
	"compress/zlib"
	"fmt"
	"strings"
	"testing"
)

func stream(t *testing.T, content string) []byte {
	t.Helper()
	var z bytes.Buffer
	w := zlib.NewWriter(&z)
	w.Write([]byte(content))
	w.Close()
	return fmt.Appendf(nil, "%%PDF-1.4\n1 0 obj\n<< /Filter /FlateDecode /Length %d >>\nstream\n%s\nendstream\nendobj\n", z.Len(), z.Bytes())
}

func TestReadShowsTjAndTJStrings(t *testing.T) {
	pdf := stream(t, `BT (Hello \(world\)) Tj [(Tot) -20 (als)] TJ (caf\351 \200) Tj (not shown) ET`)
	pages, err := Read(pdf)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"Hello (world)", "Totals", "café €"}
	if got := pages.All(); strings.Join(got, "|") != strings.Join(want, "|") {
		t.Fatalf("All() = %q, want %q", got, want)
	}
	if pages.Count("Totals") != 1 || !pages.PageHas(0, "Hello (world)") || pages.PageHas(1, "Totals") {
		t.Errorf("Count/PageHas disagree with %q", pages)
	}
}

func TestReadRefusesBrokenStreams(t *testing.T) {
	for name, pdf := range map[string][]byte{
		"unterminated string": stream(t, `BT (never closed Tj ET`),
		"length past the end": []byte("<< /Filter /FlateDecode /Length 999 >>\nstream\nabc"),
		"not zlib":            []byte("<< /Filter /FlateDecode /Length 3 >>\nstream\nabc"),
	} {
		if _, err := Read(pdf); err == nil {
			t.Errorf("%s: Read succeeded", name)
		}
	}
}
