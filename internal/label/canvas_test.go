package label

import (
	"bytes"
	"image"
	"image/png"
	"math/rand/v2"
	"testing"
)

func TestEncodePNGRoundTrips(t *testing.T) {
	for _, w := range []int{1, 7, 8, 9, 63, 812, 799} {
		c := newCanvas(w, 13)
		rng := rand.New(rand.NewPCG(uint64(w), 1))
		for i := range c.pix {
			if rng.IntN(3) == 0 {
				c.pix[i] = black
			}
		}
		data, err := c.encodePNG()
		if err != nil {
			t.Fatalf("width %d: encode: %v", w, err)
		}
		img, err := png.Decode(bytes.NewReader(data))
		if err != nil {
			t.Fatalf("width %d: decode: %v", w, err)
		}
		if img.Bounds() != image.Rect(0, 0, w, 13) {
			t.Fatalf("width %d: bounds %v", w, img.Bounds())
		}
		for y := 0; y < 13; y++ {
			for x := 0; x < w; x++ {
				r, _, _, _ := img.At(x, y).RGBA()
				if gotBlack := r == 0; gotBlack != (c.pix[y*w+x] == black) {
					t.Fatalf("width %d: pixel (%d,%d) black=%v, want %v", w, x, y, gotBlack, c.pix[y*w+x] == black)
				}
			}
		}
		c.release()
	}
}
