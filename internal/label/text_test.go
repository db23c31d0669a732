package label

import (
	"image"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestFitShortensWithEllipsis(t *testing.T) {
	f := faceFor(bold(40))
	long := strings.Repeat("Bartholomew ", 30)
	for _, maxW := range []int{700, 300, 100} {
		got, truncated := f.fit(long, maxW)
		if !truncated || !strings.HasSuffix(got, "…") {
			t.Fatalf("fit(%d) = %q, %v; want a shortened string ending in …", maxW, got, truncated)
		}
		if w := f.width(got); w > maxW {
			t.Errorf("fit(%d) is %d dots wide", maxW, w)
		}
		prefix := strings.TrimSuffix(got, "…")
		if !strings.HasPrefix(long, prefix) || strings.HasSuffix(prefix, " ") {
			t.Errorf("fit(%d) = %q, want a prefix of the text without trailing space", maxW, got)
		}
		// Nothing longer would have fitted.
		next, _ := utf8.DecodeRuneInString(long[len(prefix):])
		if w := f.width(prefix + string(next) + "…"); w <= maxW && next != ' ' {
			t.Errorf("fit(%d) = %q stops early: %q is %d dots", maxW, got, prefix+string(next)+"…", w)
		}
	}
	if got, truncated := f.fit("Short", 700); got != "Short" || truncated {
		t.Errorf("fit(short) = %q, %v; want it unchanged", got, truncated)
	}
	if got, _ := f.fit("Anything", 5); got != "" {
		t.Errorf("fit into 5 dots = %q, want nothing", got)
	}
}

func TestMissingGlyphsBecomeReplacementMarks(t *testing.T) {
	f := faceFor(regular(30))
	mark := f.glyph(replacement)
	if mark.w == 0 || !hasInk(mark) {
		t.Fatal("the replacement mark has no ink")
	}
	for _, r := range []rune{'漢', 'ب', '😀', '\U0010FFFD'} {
		g := f.glyph(r)
		if g.drop || g.adv != mark.adv || !equalBits(g, mark) {
			t.Errorf("%q is not drawn as the replacement mark", r)
		}
	}
	for _, r := range []rune{'Ж', 'é', 'Ω', '€', '…'} {
		if g := f.glyph(r); g.drop || equalBits(g, mark) || !hasInk(g) {
			t.Errorf("%q is not drawn with its own glyph", r)
		}
	}
	for _, r := range []rune{'\u200d', '\ufe0f', '\u0301'} {
		if g := f.glyph(r); !g.drop {
			t.Errorf("zero-width %U is drawn; want it dropped", r)
		}
	}
}

func TestCleanFlattensToOneLine(t *testing.T) {
	got := clean("  a\tb\r\nc\x00d  \u00a0 e ")
	if got != "a b c d e" {
		t.Errorf("clean = %q, want %q", got, "a b c d e")
	}
}

func TestBlockMarksVerticalOverflow(t *testing.T) {
	c := newCanvas(400, 200)
	defer c.release()
	r := image.Rect(0, 0, 400, 100)
	var ls []line
	for range 10 {
		ls = append(ls, line{s: "Line", styles: sizes(regular, 30)})
	}
	used := c.block(r, ls...)
	lh := faceFor(regular(30)).lineHeight()
	if used != (100/lh)*lh || used > 100 {
		t.Errorf("block used %d dots, want %d whole lines within 100", used, 100/lh)
	}
	// The last line drawn ends with "…": compare with a canvas where it
	// does not.
	plain := newCanvas(400, 200)
	defer plain.release()
	plain.block(r, ls[:100/lh]...)
	if string(c.pix) == string(plain.pix) {
		t.Error("cut block looks like a complete one; want a trailing …")
	}
	if _, ok := firstInk(c, image.Rect(0, 100, 400, 200)); ok {
		t.Error("block drew below its box")
	}
}

func hasInk(g *glyph) bool {
	for _, b := range g.bits {
		if b {
			return true
		}
	}
	return false
}

func equalBits(a, b *glyph) bool {
	if a.w != b.w || a.h != b.h || a.dx != b.dx || a.dy != b.dy {
		return false
	}
	for i := range a.bits {
		if a.bits[i] != b.bits[i] {
			return false
		}
	}
	return true
}

func firstInk(c *canvas, r image.Rectangle) (image.Point, bool) {
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			if c.pix[y*c.w+x] != white {
				return image.Pt(x, y), true
			}
		}
	}
	return image.Point{}, false
}
