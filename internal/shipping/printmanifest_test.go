package shipping_test

import (
	"bytes"
	"compress/zlib"
	"context"
	"encoding/base64"
	"io"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"linnstream/internal/profile"
)

func TestPrintManifestRendersTheFiledManifest(t *testing.T) {
	s := newSvcHarness(t, svcSetup{})
	tok := s.newProfile(svcToken, sbSecret)
	s.shipped(tok, "100001", details("SO-1", "Jane Doe", "LS1 5HD", 1200))
	s.shipped(tok, "100002", details("SO-2", "John Roe", "M1 1AA", 500, 750))
	r := s.post("CreateManifest", createManifest(tok, "100002", "100001"))
	if r.isError() {
		t.Fatal(r.raw)
	}
	ref := r.obj["ManifestReference"].(string)
	s.clock.Advance(3 * time.Hour) // printed later; the manifest keeps its filing time

	r = s.post("PrintManifest", map[string]any{"AuthorizationToken": tok, "ManifestReference": " " + ref + " "})
	if r.isError() {
		t.Fatal(r.message())
	}
	sameKeys(t, "PrintManifest response", r.obj, "PDFbase64", "IsError", "ErrorMessage")
	pdf, err := base64.StdEncoding.DecodeString(r.obj["PDFbase64"].(string))
	if err != nil {
		t.Fatalf("PDFbase64 is not base64: %v", err)
	}
	if !bytes.HasPrefix(pdf, []byte("%PDF-")) {
		t.Fatalf("not a PDF: %q", pdf[:min(len(pdf), 16)])
	}
	if !regexp.MustCompile(`/MediaBox \[0 0 595\.2\d+ 841\.8\d+\]`).Match(pdf) {
		t.Error("the PDF is not A4 portrait")
	}
	text := pdfStrings(t, pdf)
	for _, want := range []string{
		"Collection manifest",
		senderName, senderCo, senderStreet, senderCity, senderPost + " GB", "Tel " + senderPhone,
		ref, "2026-03-02 10:00",
		// One row per consignment, in the order listed.
		"1", "100002", "SO-2", "John Roe", "M1 1AA", "TRK100002", "2", "1.25",
		"100001", "SO-1", "Jane Doe", "LS1 5HD", "TRK100001", "1.20",
		// Totals.
		"Consignments", "Packages", "3", "Total weight", "2.45 kg",
	} {
		if !slices.Contains(text, want) {
			t.Errorf("the PDF does not show %q; it shows %q", want, text)
		}
	}
	if i, j := slices.Index(text, "100002"), slices.Index(text, "100001"); i < 0 || j < i {
		t.Errorf("rows out of order: 100002 at %d, 100001 at %d", i, j)
	}
}

func TestPrintManifestBadInput(t *testing.T) {
	s := newSvcHarness(t, svcSetup{})
	tok := s.newProfile(svcToken, sbSecret)
	other := s.newProfile(otherToken, sbSecret)
	s.shipped(other, "100001", details("X-1", "Zed", "B1 1AA", 100))
	r := s.post("CreateManifest", createManifest(other, "100001"))
	if r.isError() {
		t.Fatal(r.raw)
	}
	othersRef := r.obj["ManifestReference"].(string)
	if _, err := s.ships.GetManifest(context.Background(), profile.ID(other), othersRef); err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		name string
		body any
		want string
	}{
		{"no token", `{"ManifestReference":"STRM-20260302-001"}`, "AuthorizationToken is required"},
		{"unknown token", map[string]any{"AuthorizationToken": "9f9f9f9f-0000-4000-8000-000000000000", "ManifestReference": othersRef}, "Authorization failed for token"},
		{"no reference", map[string]any{"AuthorizationToken": tok}, "ManifestReference is required"},
		{"blank reference", map[string]any{"AuthorizationToken": tok, "ManifestReference": "  "}, "ManifestReference is required"},
		{"reference not a string", `{"AuthorizationToken":"` + tok + `","ManifestReference":7}`, "ManifestReference must be a string"},
		{"long reference", map[string]any{"AuthorizationToken": tok, "ManifestReference": strings.Repeat("R", 65)}, "ManifestReference is longer than 64 characters"},
		{"unknown reference", map[string]any{"AuthorizationToken": tok, "ManifestReference": "STRM-20260302-009"}, `manifest "STRM-20260302-009" was not found`},
		{"another profile's manifest", map[string]any{"AuthorizationToken": tok, "ManifestReference": othersRef}, `manifest "` + othersRef + `" was not found`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := s.post("PrintManifest", tt.body)
			if !r.isError() || !strings.Contains(r.message(), tt.want) {
				t.Fatalf("got %.300s, want an error containing %q", r.raw, tt.want)
			}
			if v, _ := r.obj["PDFbase64"].(string); v != "" {
				t.Error("an error answer carries a PDF")
			}
		})
	}
}

var (
	pdfStreamDict = regexp.MustCompile(`<<([^<>]*)>>\s*stream\r?\n`)
	pdfLength     = regexp.MustCompile(`/Length (\d+)`)
)

// pdfStrings returns the strings a PDF's compressed content streams show
// with Tj and TJ, in order, decoded from Windows-1252 (ASCII in these tests).
func pdfStrings(t *testing.T, data []byte) []string {
	t.Helper()
	var out []string
	for _, m := range pdfStreamDict.FindAllSubmatchIndex(data, -1) {
		dict := string(data[m[2]:m[3]])
		if !strings.Contains(dict, "/FlateDecode") {
			continue
		}
		lm := pdfLength.FindStringSubmatch(dict)
		if lm == nil {
			t.Fatalf("stream without /Length: %q", dict)
		}
		n, _ := strconv.Atoi(lm[1])
		if m[1]+n > len(data) {
			t.Fatalf("stream length %d runs past the end of the file", n)
		}
		zr, err := zlib.NewReader(bytes.NewReader(data[m[1] : m[1]+n]))
		if err != nil {
			t.Fatalf("inflate stream: %v", err)
		}
		content, err := io.ReadAll(zr)
		if err != nil {
			t.Fatalf("inflate stream: %v", err)
		}
		out = append(out, shownStrings(t, content)...)
	}
	return out
}

// shownStrings finds the operands of Tj ("(abc) Tj") and TJ ("[(a) 5 (bc)] TJ").
func shownStrings(t *testing.T, content []byte) []string {
	t.Helper()
	var out, pending, array []string
	inArray := false
	for i := 0; i < len(content); {
		switch c := content[i]; {
		case c == '(':
			s, next := pdfLiteral(t, content, i)
			if inArray {
				array = append(array, s)
			} else {
				pending = append(pending, s)
			}
			i = next
		case c == '[':
			inArray, array = true, nil
			i++
		case c == ']':
			inArray = false
			pending = append(pending, strings.Join(array, ""))
			i++
		case !strings.ContainsRune(" \t\r\n\f\x00()<>[]{}/%", rune(c)):
			j := i
			for j < len(content) && !strings.ContainsRune(" \t\r\n\f\x00()<>[]{}/%", rune(content[j])) {
				j++
			}
			if op := string(content[i:j]); (op == "Tj" || op == "TJ") && len(pending) > 0 {
				out = append(out, pending[len(pending)-1])
			}
			if !inArray {
				pending = nil
			}
			i = j
		default:
			i++
		}
	}
	return out
}

// pdfLiteral reads the literal string starting at content[i] == '('.
func pdfLiteral(t *testing.T, content []byte, i int) (string, int) {
	t.Helper()
	var b []byte
	depth := 0
	for i++; i < len(content); i++ {
		c := content[i]
		switch {
		case c == '\\' && i+1 < len(content):
			i++
			switch e := content[i]; e {
			case 'n':
				b = append(b, '\n')
			case 'r':
				b = append(b, '\r')
			case 't':
				b = append(b, '\t')
			case '0', '1', '2', '3', '4', '5', '6', '7':
				v, k := 0, 0
				for ; k < 3 && i+k < len(content) && content[i+k] >= '0' && content[i+k] <= '7'; k++ {
					v = v*8 + int(content[i+k]-'0')
				}
				b = append(b, byte(v))
				i += k - 1
			default:
				b = append(b, e)
			}
		case c == '(':
			depth++
			b = append(b, c)
		case c == ')' && depth == 0:
			return string(b), i + 1
		case c == ')':
			depth--
			b = append(b, c)
		default:
			b = append(b, c)
		}
	}
	t.Fatal("unterminated string in content stream")
	return "", 0
}
