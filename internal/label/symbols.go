package label

import (
	"fmt"
	"image"
	"math"

	"github.com/boombuler/barcode"
	"github.com/boombuler/barcode/code128"
	"github.com/makiuchi-d/gozxing"
	"github.com/makiuchi-d/gozxing/qrcode/decoder"
	"github.com/makiuchi-d/gozxing/qrcode/encoder"
)

const (
	// code128Quiet is the clear space each side of a Code 128 symbol, in
	// modules (ISO/IEC 15417 asks for at least 10).
	code128Quiet = 10
	// maxBarModule caps the bar module at 4 dots (0.5 mm): wider bars only
	// make the symbol longer than a hand scanner's window.
	maxBarModule = 4
	// qrQuiet is the clear border of a QR code, in modules (ISO/IEC 18004).
	qrQuiet = 4
	// minQRModule is the smallest QR module drawn, 2 dots (0.25 mm).
	minQRModule = 2
)

// dark reports whether pixel (x, y) of a boombuler symbol is a bar or module.
func dark(bc barcode.Barcode, x, y int) bool {
	r, _, _, _ := bc.At(x, y).RGBA()
	return r < 0x8000
}

// code128 draws a Code 128 symbol of data centred in r, bars as tall as r,
// each module a whole number of dots (the largest that fits with the quiet
// zones, at most maxBarModule). r must be clear of other ink.
func (c *canvas) code128(r image.Rectangle, data string) error {
	bc, err := code128.Encode(data)
	if err != nil {
		return fmt.Errorf("encode code 128: %w", err)
	}
	n := bc.Bounds().Dx()
	x := min(maxBarModule, r.Dx()/(n+2*code128Quiet))
	if x < 1 {
		return fmt.Errorf("code 128 of %d modules does not fit %d dots", n, r.Dx())
	}
	x0 := r.Min.X + (r.Dx()-n*x)/2
	for i := 0; i < n; {
		if !dark(bc, i, 0) {
			i++
			continue
		}
		j := i
		for j < n && dark(bc, j, 0) {
			j++
		}
		c.fill(image.Rect(x0+i*x, r.Min.Y, x0+j*x, r.Max.Y), black)
		i = j
	}
	return nil
}

// qrLevels are the error correction levels a QR code is tried at, in order
// of preference: M, then L when M needs modules smaller than minQRModule,
// then Q and H, which serve only to give other module patterns when every
// mask of the earlier ones leaves false finder patterns (see falseFinders).
var qrLevels = []decoder.ErrorCorrectionLevel{
	decoder.ErrorCorrectionLevel_M, decoder.ErrorCorrectionLevel_L,
	decoder.ErrorCorrectionLevel_Q, decoder.ErrorCorrectionLevel_H,
}

// qrCode draws a QR code of data centred in r, each module a whole number of
// dots, the largest that fits with the quiet zone. r must be clear of other
// ink.
//
// The symbol is chosen among the levels of qrLevels whose symbol fits with
// modules of at least minQRModule dots and, for each level, among its eight
// mask patterns, the standard's own choice first: the first without false
// finder patterns, or else the one with the fewest. The standard's mask
// penalties alone leave one in the data of a symbol now and then, and about
// one tracking URL in a few hundred then fails to read in ZXing's
// single-symbol reader. (This is why the QR code is encoded with ZXing's
// encoder, which lets the mask be chosen, rather than with boombuler's.)
func (c *canvas) qrCode(r image.Rectangle, data string) error {
	side := min(r.Dx(), r.Dy())
	best, err := chooseQR(data, side)
	if err != nil {
		return err
	}
	g := best.grid
	x0 := r.Min.X + (r.Dx()-g.n*best.mod)/2
	y0 := r.Min.Y + (r.Dy()-g.n*best.mod)/2
	for y := 0; y < g.n; y++ {
		for x := 0; x < g.n; {
			if !g.at(x, y) {
				x++
				continue
			}
			e := x
			for e < g.n && g.at(e, y) {
				e++
			}
			c.fill(image.Rect(x0+x*best.mod, y0+y*best.mod, x0+e*best.mod, y0+(y+1)*best.mod), black)
			x = e
		}
	}
	return nil
}

// qrChoice is a candidate QR symbol: its modules, the dots per module it is
// drawn at, and how many false finder patterns it has.
type qrChoice struct {
	grid     moduleGrid
	mod      int
	spurious int
}

// chooseQR picks the QR symbol of data drawn by qrCode in a square of side
// dots; see qrCode.
func chooseQR(data string, side int) (qrChoice, error) {
	hints := map[gozxing.EncodeHintType]any{}
	if !isASCII(data) {
		hints[gozxing.EncodeHintType_CHARACTER_SET] = "UTF-8"
	}
	var (
		best      qrChoice
		found     bool
		encodeErr error
		tooBig    int // modules of the smallest symbol that does not fit
	)
	for _, level := range qrLevels {
		delete(hints, gozxing.EncodeHintType_QR_MASK_PATTERN)
		sym, err := encoder.Encoder_encode(data, level, hints)
		if err != nil {
			encodeErr = err
			continue
		}
		n := sym.GetMatrix().GetWidth()
		mod := side / (n + 2*qrQuiet)
		if mod < minQRModule {
			if tooBig == 0 || n < tooBig {
				tooBig = n
			}
			continue
		}
		chosen := sym.GetMaskPattern()
		for mask := -1; mask < encoder.QRCode_NUM_MASK_PATERNS; mask++ {
			switch {
			case mask == chosen:
				continue
			case mask >= 0:
				hints[gozxing.EncodeHintType_QR_MASK_PATTERN] = mask
				if sym, err = encoder.Encoder_encode(data, level, hints); err != nil {
					return qrChoice{}, fmt.Errorf("encode qr code with mask %d: %w", mask, err)
				}
			}
			g := modules(sym.GetMatrix())
			cand := qrChoice{grid: g, mod: mod, spurious: falseFinders(g)}
			if !found || cand.spurious < best.spurious {
				best, found = cand, true
			}
			if best.spurious == 0 {
				return best, nil
			}
		}
	}
	switch {
	case found:
		return best, nil
	case tooBig > 0:
		return qrChoice{}, fmt.Errorf("qr code of %d modules does not fit %d dots", tooBig, side)
	default:
		return qrChoice{}, fmt.Errorf("encode qr code: %w", encodeErr)
	}
}

func isASCII(s string) bool {
	for i := range len(s) {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

// moduleGrid is a QR symbol's modules, true where dark.
type moduleGrid struct {
	n    int
	dark []bool // row-major, n×n
}

func modules(m *encoder.ByteMatrix) moduleGrid {
	n := m.GetWidth()
	g := moduleGrid{n: n, dark: make([]bool, n*n)}
	for y := range n {
		for x := range n {
			g.dark[y*n+x] = m.Get(x, y) == 1
		}
	}
	return g
}

// at reports whether module (x, y) is dark; the quiet zone around the symbol
// is light.
func (g moduleGrid) at(x, y int) bool {
	return x >= 0 && y >= 0 && x < g.n && y < g.n && g.dark[y*g.n+x]
}

// falseFinders counts the spots of g, outside its three finder patterns,
// that a reader could take for one more finder pattern of the same module
// size: dark modules whose row runs dark, light, dark, light, dark in exactly
// 1:1:3:1:1 modules, the runs of a finder pattern's middle row, and whose
// column is close to those proportions, or the same with row and column
// swapped for a label read sideways.
//
// A reader estimates the module size from those runs, so a spot like this
// looks like a fourth finder pattern. ZXing's single-symbol QR reader stops
// scanning once it has three candidates of one module size, may pair two real
// finder patterns with the false one, and then fails. Spots whose runs give
// another module size are not counted: readers tell them apart by size, and
// counting them would leave almost no mask clean. The column tolerance is
// ZXing's (each run within half a module of its share); the diagonal check
// readers add is left out, so this counts every same-size spot such a reader
// confirms, and a few more.
func falseFinders(g moduleGrid) int {
	count := 0
	for y := range g.n {
		for x := range g.n {
			if !g.at(x, y) || inFinder(g.n, x, y) {
				continue
			}
			row, col := g.runs(x, y, 1, 0), g.runs(x, y, 0, 1)
			if (oneOneThree(row) && finderProportions(col)) || (oneOneThree(col) && finderProportions(row)) {
				count++
			}
		}
	}
	return count
}

// runs returns the lengths of the five runs through dark module (x, y) in
// direction (dx, dy): the dark run through it in the middle, then a light and
// a dark run on each side. The quiet zone around the symbol is light, so a
// dark run beyond the symbol's edge has length zero.
func (g moduleGrid) runs(x, y, dx, dy int) [5]int {
	var r [5]int
	walk := func(k, sign int, idx [3]int) {
		for i, dark := range []bool{true, false, true} {
			for {
				px, py := x+k*sign*dx, y+k*sign*dy
				if px < 0 || py < 0 || px >= g.n || py >= g.n || g.at(px, py) != dark {
					break
				}
				r[idx[i]]++
				k++
			}
		}
	}
	walk(0, -1, [3]int{2, 1, 0})
	walk(1, 1, [3]int{2, 3, 4})
	return r
}

// oneOneThree reports whether five runs are exactly 1, 1, 3, 1, 1 modules.
func oneOneThree(r [5]int) bool { return r == [5]int{1, 1, 3, 1, 1} }

// finderProportions reports whether five run lengths are close enough to
// 1:1:3:1:1 for ZXing's finder pattern search: each run within half a module
// of its share (the middle one within one and a half), the module being a
// seventh of the total.
func finderProportions(r [5]int) bool {
	total := 0
	for _, v := range r {
		if v == 0 {
			return false
		}
		total += v
	}
	m := float64(total) / 7
	near := func(got int, want float64) bool { return math.Abs(float64(got)-want) < want/2 }
	return near(r[0], m) && near(r[1], m) && near(r[2], 3*m) && near(r[3], m) && near(r[4], m)
}

// inFinder reports whether module (x, y) of an n-module symbol lies in one of
// its three 7×7 finder patterns.
func inFinder(n, x, y int) bool {
	left, top := x < 7, y < 7
	right, bottom := x >= n-7, y >= n-7
	return (left && top) || (right && top) || (left && bottom)
}
