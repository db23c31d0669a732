package label

import (
	"fmt"
	"image"

	"github.com/boombuler/barcode"
	"github.com/boombuler/barcode/code128"
	"github.com/boombuler/barcode/qr"
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

// qrCode draws a QR code of data centred in r, each module a whole number of
// dots, the largest that fits with the quiet zone. It uses error correction
// level M, or L when M would need modules smaller than minQRModule. r must be
// clear of other ink.
func (c *canvas) qrCode(r image.Rectangle, data string) error {
	side := min(r.Dx(), r.Dy())
	var (
		bc  barcode.Barcode
		n   int
		mod int
	)
	for _, level := range []qr.ErrorCorrectionLevel{qr.M, qr.L} {
		var err error
		if bc, err = qr.Encode(data, level, qr.Auto); err != nil {
			return fmt.Errorf("encode qr code: %w", err)
		}
		n = bc.Bounds().Dx()
		if mod = side / (n + 2*qrQuiet); mod >= minQRModule {
			break
		}
	}
	if mod < minQRModule {
		return fmt.Errorf("qr code of %d modules does not fit %d dots", n, side)
	}
	x0 := r.Min.X + (r.Dx()-n*mod)/2
	y0 := r.Min.Y + (r.Dy()-n*mod)/2
	for y := 0; y < n; y++ {
		for x := 0; x < n; {
			if !dark(bc, x, y) {
				x++
				continue
			}
			e := x
			for e < n && dark(bc, e, y) {
				e++
			}
			c.fill(image.Rect(x0+x*mod, y0+y*mod, x0+e*mod, y0+(y+1)*mod), black)
			x = e
		}
	}
	return nil
}
