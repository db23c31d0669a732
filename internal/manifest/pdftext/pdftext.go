// Package pdftext reads back the text a PDF draws: it inflates the
// FlateDecode content streams and extracts the strings shown with the Tj and
// TJ operators, decoded from Windows-1252. It understands the PDFs
// internal/manifest writes and is meant for tests that check them.
package pdftext

import (
	"bytes"
	"compress/zlib"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"
)

// Pages are the strings each content stream (one per page) shows, in order.
type Pages [][]string

// All returns every shown string of every page, in order.
func (p Pages) All() []string {
	var out []string
	for _, pg := range p {
		out = append(out, pg...)
	}
	return out
}

// Count returns how often s is shown as a whole string.
func (p Pages) Count(s string) int {
	n := 0
	for _, t := range p.All() {
		if t == s {
			n++
		}
	}
	return n
}

// PageHas reports whether page i shows s as a whole string.
func (p Pages) PageHas(i int, s string) bool {
	if i < 0 || i >= len(p) {
		return false
	}
	for _, t := range p[i] {
		if t == s {
			return true
		}
	}
	return false
}

var streamDict = regexp.MustCompile(`<<([^<>]*)>>\s*stream\r?\n`)
var lengthKey = regexp.MustCompile(`/Length (\d+)`)

// Read inflates every FlateDecode stream of a PDF and extracts the strings
// its text operators show.
func Read(data []byte) (Pages, error) {
	var out Pages
	for _, m := range streamDict.FindAllSubmatchIndex(data, -1) {
		dict := string(data[m[2]:m[3]])
		if !strings.Contains(dict, "/FlateDecode") {
			continue
		}
		lm := lengthKey.FindStringSubmatch(dict)
		if lm == nil {
			return nil, fmt.Errorf("stream without /Length: %q", dict)
		}
		n, _ := strconv.Atoi(lm[1])
		start := m[1]
		if start+n > len(data) {
			return nil, fmt.Errorf("stream length %d runs past the end of the file", n)
		}
		zr, err := zlib.NewReader(bytes.NewReader(data[start : start+n]))
		if err != nil {
			return nil, fmt.Errorf("inflate stream: %w", err)
		}
		content, err := io.ReadAll(zr)
		if err != nil {
			return nil, fmt.Errorf("inflate stream: %w", err)
		}
		shown, err := showStrings(content)
		if err != nil {
			return nil, err
		}
		out = append(out, shown)
	}
	return out, nil
}

// showStrings tokenises a content stream just enough to find the operands
// of Tj ("(abc) Tj") and TJ ("[(a) -20 (bc)] TJ").
func showStrings(content []byte) ([]string, error) {
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
			s, next, err := literal(content, i)
			if err != nil {
				return nil, err
			}
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
	return out, nil
}

func isRegular(c byte) bool {
	return !strings.ContainsRune(" \t\r\n\f\x00()<>[]{}/%", rune(c))
}

// literal reads the PDF literal string starting at content[i] == '('.
func literal(content []byte, i int) (string, int, error) {
	var b []byte
	depth := 0
	for i++; i < len(content); i++ {
		c := content[i]
		switch c {
		case '\\':
			i++
			if i >= len(content) {
				return "", 0, errors.New("string ends in a backslash")
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
				return fromCP1252(b), i + 1, nil
			}
			depth--
			b = append(b, c)
		default:
			b = append(b, c)
		}
	}
	return "", 0, errors.New("unterminated string in content stream")
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
