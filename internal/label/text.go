package label

import (
	"fmt"
	"image"
	"slices"
	"strings"
	"sync"
	"unicode"

	"golang.org/x/image/font"
	"golang.org/x/image/font/gofont/gobold"
	"golang.org/x/image/font/gofont/goregular"
	"golang.org/x/image/font/opentype"
	"golang.org/x/image/font/sfnt"
	"golang.org/x/image/math/fixed"
)

// The Go fonts cover Latin, Greek and Cyrillic; they are parsed once.
var (
	regularFont = mustParse(goregular.TTF)
	boldFont    = mustParse(gobold.TTF)
)

func mustParse(ttf []byte) *sfnt.Font {
	f, err := opentype.Parse(ttf)
	if err != nil {
		panic(fmt.Sprintf("label: parse embedded Go font: %v", err))
	}
	return f
}

const (
	ellipsis    = '…'
	replacement = '\uFFFD' // present in both Go fonts
	// inkThreshold turns anti-aliased glyph coverage into printed dots.
	inkThreshold = 0x80
)

// style selects a font and pixel size (the em size in dots at DPI).
type style struct {
	bold bool
	px   int
}

func regular(px int) style { return style{px: px} }
func bold(px int) style    { return style{bold: true, px: px} }

// face is one font at one size, with a cache of thresholded glyphs. Glyphs
// are rasterised once per process, under mu because font.Face is not safe for
// concurrent use; lookups after that take no lock.
type face struct {
	mu     sync.Mutex
	src    *sfnt.Font
	ff     font.Face   // guarded by mu
	buf    sfnt.Buffer // guarded by mu
	glyphs sync.Map    // rune → *glyph

	ascent, descent int // dots above and below the baseline
}

// glyph is a 1-bit glyph bitmap positioned relative to the pen.
type glyph struct {
	adv    int    // pen advance in dots
	dx, dy int    // top-left of the bitmap relative to the pen on the baseline
	w, h   int    // bitmap size
	bits   []bool // row-major ink
	drop   bool   // zero-width mark the font lacks: not drawn at all
}

var faces sync.Map // style → *face

func faceFor(s style) *face {
	if f, ok := faces.Load(s); ok {
		return f.(*face)
	}
	src := regularFont
	if s.bold {
		src = boldFont
	}
	ff, err := opentype.NewFace(src, &opentype.FaceOptions{Size: float64(s.px), DPI: 72, Hinting: font.HintingFull})
	if err != nil {
		// Sizes are constants of the layouts and the fonts are embedded, so
		// this cannot happen at run time.
		panic(fmt.Sprintf("label: face %+v: %v", s, err))
	}
	m := ff.Metrics()
	f := &face{src: src, ff: ff, ascent: m.Ascent.Ceil(), descent: m.Descent.Ceil()}
	actual, _ := faces.LoadOrStore(s, f)
	return actual.(*face)
}

// lineHeight is the height of one line of text in dots.
func (f *face) lineHeight() int { return f.ascent + f.descent }

func (f *face) glyph(r rune) *glyph {
	if g, ok := f.glyphs.Load(r); ok {
		return g.(*glyph)
	}
	f.mu.Lock()
	g := f.rasterise(r)
	f.mu.Unlock()
	actual, _ := f.glyphs.LoadOrStore(r, g)
	return actual.(*glyph)
}

// rasterise draws r, or the replacement mark when the font has no glyph for
// it. Callers hold f.mu.
func (f *face) rasterise(r rune) *glyph {
	if idx, err := f.src.GlyphIndex(&f.buf, r); err != nil || idx == 0 {
		if unicode.In(r, unicode.Mn, unicode.Me, unicode.Cf) {
			// Combining marks, joiners and variation selectors modify the
			// character before them, which already shows.
			return &glyph{drop: true}
		}
		r = replacement
	}
	dr, mask, mp, adv, ok := f.ff.Glyph(fixed.Point26_6{}, r)
	if !ok {
		dr, mask, mp, adv, _ = f.ff.Glyph(fixed.Point26_6{}, replacement)
	}
	g := &glyph{adv: adv.Round(), dx: dr.Min.X, dy: dr.Min.Y, w: dr.Dx(), h: dr.Dy()}
	g.bits = make([]bool, g.w*g.h)
	for y := 0; y < g.h; y++ {
		for x := 0; x < g.w; x++ {
			_, _, _, a := mask.At(mp.X+x, mp.Y+y).RGBA()
			g.bits[y*g.w+x] = a>>8 >= inkThreshold
		}
	}
	return g
}

// clean makes s printable on one line: control characters and runs of
// white space become one space, and the ends are trimmed.
func clean(s string) string {
	if s == "" {
		return ""
	}
	return strings.Join(strings.FieldsFunc(s, func(r rune) bool {
		return unicode.IsSpace(r) || unicode.IsControl(r)
	}), " ")
}

// width is the advance of s in dots.
func (f *face) width(s string) int {
	w := 0
	for _, r := range s {
		if g := f.glyph(r); !g.drop {
			w += g.adv
		}
	}
	return w
}

// fit returns s, or the longest prefix of s followed by "…" that is at most
// maxW dots wide; "" if not even "…" fits. truncated reports shortening.
func (f *face) fit(s string, maxW int) (out string, truncated bool) {
	if f.width(s) <= maxW {
		return s, false
	}
	ell := f.glyph(ellipsis).adv
	if ell > maxW {
		return "", true
	}
	w, end := 0, 0
	for i, r := range s {
		g := f.glyph(r)
		if g.drop {
			continue
		}
		if w+g.adv+ell > maxW {
			break
		}
		w += g.adv
		end = i + len(string(r))
	}
	return strings.TrimRight(s[:end], " ") + string(ellipsis), true
}

// draw writes s with its baseline at y starting at x, in colour v, painting
// only inside clip.
func (c *canvas) draw(f *face, s string, x, y int, clip image.Rectangle, v byte) {
	if c.drawn != nil {
		*c.drawn = append(*c.drawn, s)
	}
	clip = clip.Intersect(c.rect)
	for _, r := range s {
		g := f.glyph(r)
		if g.drop {
			continue
		}
		ox, oy := x+g.dx, y+g.dy
		for gy := 0; gy < g.h; gy++ {
			py := oy + gy
			if py < clip.Min.Y || py >= clip.Max.Y {
				continue
			}
			row := c.pix[py*c.w:]
			bits := g.bits[gy*g.w : (gy+1)*g.w]
			for gx, on := range bits {
				px := ox + gx
				if on && px >= clip.Min.X && px < clip.Max.X {
					row[px] = v
				}
			}
		}
		x += g.adv
	}
}

// align places a line horizontally in its box.
type align int

const (
	left align = iota
	center
	right
)

// text draws s on one line in box r (vertically centred), in the first of
// styles whose line fits r without shortening; if none does, s is shortened
// with "…" in the last (smallest) style. It returns the
// height used, 0 when nothing could be drawn.
func (c *canvas) text(r image.Rectangle, s string, a align, v byte, styles ...style) int {
	s = clean(s)
	if s == "" || len(styles) == 0 {
		return 0
	}
	var f *face
	for _, st := range styles {
		if f = faceFor(st); f.lineHeight() <= r.Dy() && f.width(s) <= r.Dx() {
			break
		}
	}
	s, _ = f.fit(s, r.Dx())
	if s == "" {
		return 0
	}
	x := r.Min.X
	switch a {
	case center:
		x += (r.Dx() - f.width(s)) / 2
	case right:
		x = r.Max.X - f.width(s)
	}
	y := r.Min.Y + (r.Dy()-f.lineHeight())/2 + f.ascent
	c.draw(f, s, x, y, r, v)
	return min(f.lineHeight(), r.Dy())
}

// line is one line of a text block, with the styles it may take, largest
// first. A line that would be wider than its block is shortened with "…",
// unless wrap is set: then it continues on further rows instead. A keep line
// is never given up for space: the other lines of its block make room for it.
type line struct {
	s      string
	styles []style
	wrap   bool
	keep   bool
}

// wrapped splits s into rows at most maxW dots wide: at spaces where it can,
// inside a word only where the word alone is wider than maxW (order
// references have no spaces). Nothing is dropped: the rows joined with
// single spaces, or nothing where a word was broken, give s back.
func (f *face) wrapped(s string, maxW int) []string {
	var rows []string
	cur := ""
	for _, word := range strings.Split(s, " ") {
		if cur != "" && f.width(cur+" "+word) <= maxW {
			cur += " " + word
			continue
		}
		if cur != "" {
			rows = append(rows, cur)
			cur = ""
		}
		// Break a word wider than a row between characters; a row always
		// takes at least one character so that the split ends.
		for f.width(word) > maxW {
			w, end := 0, 0
			for i, r := range word {
				if g := f.glyph(r); !g.drop {
					if end > 0 && w+g.adv > maxW {
						break
					}
					w += g.adv
				}
				end = i + len(string(r))
			}
			rows = append(rows, word[:end])
			word = word[end:]
		}
		cur = word
	}
	return append(rows, cur)
}

// row is one drawn row of a block.
type row struct {
	s    string
	f    *face
	wrap bool // a row of a wrapped line: it fits and is not shortened
	keep bool
}

// rows lays ls out at a level (each line's level-th style, or its last).
func rows(ls []line, level, maxW int) (out []row, h int) {
	for _, l := range ls {
		f := faceFor(l.styles[min(level, len(l.styles)-1)])
		parts := []string{l.s}
		if l.wrap {
			parts = f.wrapped(l.s, maxW)
		}
		for _, p := range parts {
			out = append(out, row{s: p, f: f, wrap: l.wrap, keep: l.keep})
			h += f.lineHeight()
		}
	}
	return out, h
}

// block draws lines top to bottom in r, left-aligned. It uses the largest
// sizes for which every line fits r's height (level i takes each line's i-th
// style, or its last); lines wider than r are shortened with "…" or, when they
// wrap, continued on further rows. When even the smallest sizes are too tall,
// lines that are not kept are given up from the bottom until the rest fits;
// if it still does not, the rows that fit are drawn and the last of them ends
// with "…" to show that more was cut. Empty lines are skipped. It returns the
// height used.
func (c *canvas) block(r image.Rectangle, lines ...line) int {
	var ls []line
	levels := 0
	for _, l := range lines {
		if l.s = clean(l.s); l.s != "" && len(l.styles) > 0 {
			ls = append(ls, l)
			levels = max(levels, len(l.styles))
		}
	}
	if len(ls) == 0 {
		return 0
	}
	level := 0
	rs, h := rows(ls, level, r.Dx())
	for ; h > r.Dy() && level < levels-1; rs, h = rows(ls, level, r.Dx()) {
		level++
	}
	for i := len(ls) - 1; i >= 0 && h > r.Dy(); i-- {
		if !ls[i].keep && slices.ContainsFunc(ls, func(l line) bool { return l.keep }) {
			ls = slices.Delete(ls, i, i+1)
			rs, h = rows(ls, level, r.Dx())
		}
	}
	y := r.Min.Y
	for i, rw := range rs {
		f := rw.f
		if y+f.lineHeight() > r.Max.Y {
			break
		}
		s := rw.s
		if !rw.wrap {
			s, _ = f.fit(s, r.Dx())
		}
		if i+1 < len(rs) && y+f.lineHeight()+rs[i+1].f.lineHeight() > r.Max.Y {
			// The next row will not fit: mark this one as cut short.
			s, _ = f.fit(strings.TrimSuffix(s, string(ellipsis))+string(ellipsis), r.Dx())
		}
		c.draw(f, s, r.Min.X, y+f.ascent, r, black)
		y += f.lineHeight()
	}
	return y - r.Min.Y
}
