package manifest_test

import (
	"bytes"
	"compress/zlib"
	"io"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// pdfText is what a PDF draws: for each page content stream, in order, the
// strings shown with Tj and TJ, decoded from Windows-1252.
type pdfText struct {
	pages [][]string
}

func (p pdfText) all() []string {
	var out []string
	for _, pg := range p.pages {
		out = append(out, pg...)
	}
	return out
}

// count returns how often s is drawn as a whole string.
func (p pdfText) count(s string) int {
	n := 0
	for _, t := range p.all() {
		if t == s {
			n++
		}
	}
	return n
}

func (p pdfText) pageHas(i int, s string) bool {
	for _, t := range p.pages[i] {
		if t == s {
			return true
		}
	}
	return false
}

var streamDict = regexp.MustCompile(`<<([^<>]*)>>\s*stream\r?\n`)
var lengthKey = regexp.MustCompile(`/Length (\d+)`)

// readPDFText inflates every FlateDecode stream of a PDF and extracts the
// strings its text operators show.
func readPDFText(t *testing.T, data []byte) pdfText {
	t.Helper()
	var out pdfText
	for _, m := range streamDict.FindAllSubmatchIndex(data, -1) {
		dict := string(data[m[2]:m[3]])
		if !strings.Contains(dict, "/FlateDecode") {
			continue
		}
		lm := lengthKey.FindStringSubmatch(dict)
		if lm == nil {
			t.Fatalf("stream without /Length: %q", dict)
		}
		n, _ := strconv.Atoi(lm[1])
		start := m[1]
		if start+n > len(data) {
			t.Fatalf("stream length %d runs past the end of the file", n)
		}
		zr, err := zlib.NewReader(bytes.NewReader(data[start : start+n]))
		if err != nil {
			t.Fatalf("inflate stream: %v", err)
		}
		content, err := io.ReadAll(zr)
		if err != nil {
			t.Fatalf("inflate stream: %v", err)
		}
		out.pages = append(out.pages, showStrings(t, content))
	}
	return out
}

// showStrings tokenises a content stream just enough to find the operands
// of Tj ("(abc) Tj") and TJ ("[(a) -20 (bc)] TJ").
func showStrings(t *testing.T, content []byte) []string {
	t.Helper()
	var (
		out     []string
		pending []string // string operands since the last operator
		inArray bool
		array   []string
	)
	for i := 0; i < len(content); {
		c := content[i]
		switch {
		case c == '(':
			s, next := literal(t, content, i)
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
		case isRegular(c):
			j := i
			for j < len(content) && isRegular(content[j]) {
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

func isRegular(c byte) bool {
	return !strings.ContainsRune(" \t\r\n\f\x00()<>[]{}/%", rune(c))
}

// literal reads the PDF literal string starting at content[i] == '('.
func literal(t *testing.T, content []byte, i int) (string, int) {
	t.Helper()
	var b []byte
	depth := 0
	for i++; i < len(content); i++ {
		c := content[i]
		switch c {
		case '\\':
			i++
			if i >= len(content) {
				t.Fatal("string ends in a backslash")
			}
			switch e := content[i]; e {
			case 'n':
				b = append(b, '\n')
			case 'r':
				b = append(b, '\r')
			case 't':
				b = append(b, '\t')
			case 'b':
				b = append(b, '\b')
			case 'f':
				b = append(b, '\f')
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
		case '(':
			depth++
			b = append(b, c)
		case ')':
			if depth == 0 {
				return fromCP1252(b), i + 1
			}
			depth--
			b = append(b, c)
		default:
			b = append(b, c)
		}
	}
	t.Fatal("unterminated string in content stream")
	return "", 0
}

var cp1252High = []rune("€\u0081‚ƒ„…†‡ˆ‰Š‹Œ\u008dŽ\u008f\u0090‘’“”•–—˜™š›œ\u009džŸ")

func fromCP1252(b []byte) string {
	var sb strings.Builder
	for _, c := range b {
		switch {
		case c >= 0x80 && c <= 0x9f:
			sb.WriteRune(cp1252High[c-0x80])
		default:
			sb.WriteRune(rune(c))
		}
	}
	return sb.String()
}
