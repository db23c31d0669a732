package label

import (
	"testing"

	"github.com/makiuchi-d/gozxing/qrcode/decoder"
	"github.com/makiuchi-d/gozxing/qrcode/encoder"
)

// TestChooseQRAvoidsFalseFinderPatterns takes URLs whose QR code, masked as
// the standard's penalties choose, holds a false finder pattern that made
// ZXing's single-symbol reader fail, and checks that the symbol drawn has
// none.
func TestChooseQRAvoidsFalseFinderPatterns(t *testing.T) {
	for _, u := range []string{
		"http://127.0.0.1:46242/track/QY0LGSLZJP",
		"http://127.0.0.1:53576/track/SS01TJT0TW",
	} {
		sym, err := encoder.Encoder_encode(u, decoder.ErrorCorrectionLevel_M, nil)
		if err != nil {
			t.Fatalf("encode %s: %v", u, err)
		}
		if n := falseFinders(modules(sym.GetMatrix())); n == 0 {
			t.Errorf("%s: the standard mask %d has no false finder pattern; the test needs a URL where it has", u, sym.GetMaskPattern())
		}
		got, cerr := chooseQR(u, 207)
		if cerr != nil {
			t.Fatalf("chooseQR(%s): %v", u, cerr)
		}
		if got.spurious != 0 || falseFinders(got.grid) != 0 {
			t.Errorf("%s: chosen symbol has %d false finder patterns, want 0", u, falseFinders(got.grid))
		}
		if got.mod != 207/(got.grid.n+2*qrQuiet) || got.mod < minQRModule {
			t.Errorf("%s: module %d dots for %d modules in 207 dots", u, got.mod, got.grid.n)
		}
	}
}

func TestFalseFindersCountsOnlySameSizeLookalikes(t *testing.T) {
	// A 21-module grid, light but for one pattern centred at (14, 14).
	grid := func(row, col [5]int) moduleGrid {
		g := moduleGrid{n: 21, dark: make([]bool, 21*21)}
		draw := func(r [5]int, set func(k int)) {
			// The middle run is centred on module 14.
			k := 14 - r[2]/2 - r[1] - r[0]
			for i, n := range r {
				for range n {
					if i%2 == 0 {
						set(k)
					}
					k++
				}
			}
		}
		draw(row, func(x int) { g.dark[14*21+x] = true })
		draw(col, func(y int) { g.dark[y*21+14] = true })
		return g
	}
	tests := []struct {
		name     string
		row, col [5]int
		want     int
	}{
		{"finder-like row and column", [5]int{1, 1, 3, 1, 1}, [5]int{1, 1, 3, 1, 1}, 1},
		{"finder-like row, column within tolerance", [5]int{1, 1, 3, 1, 1}, [5]int{1, 1, 2, 1, 1}, 1},
		{"sideways: finder-like column", [5]int{1, 1, 2, 1, 1}, [5]int{1, 1, 3, 1, 1}, 1},
		{"another module size", [5]int{1, 1, 4, 1, 1}, [5]int{1, 1, 4, 1, 1}, 0},
		{"row and column out of proportion", [5]int{1, 1, 2, 1, 1}, [5]int{1, 1, 2, 1, 1}, 0},
		{"column out of proportion", [5]int{1, 1, 3, 1, 1}, [5]int{2, 1, 3, 1, 1}, 0},
	}
	for _, tt := range tests {
		if got := falseFinders(grid(tt.row, tt.col)); got != tt.want {
			t.Errorf("%s: falseFinders = %d, want %d", tt.name, got, tt.want)
		}
	}
	// The three real finder patterns of a symbol are not counted.
	sym, err := encoder.Encoder_encode("1", decoder.ErrorCorrectionLevel_H, nil)
	if err != nil {
		t.Fatal(err)
	}
	g := modules(sym.GetMatrix())
	for y := range g.n {
		for x := range g.n {
			if !inFinder(g.n, x, y) {
				g.dark[y*g.n+x] = false
			}
		}
	}
	if got := falseFinders(g); got != 0 {
		t.Errorf("finder patterns alone: falseFinders = %d, want 0", got)
	}
}
