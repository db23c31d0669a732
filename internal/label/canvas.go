package label

import (
	"bytes"
	"compress/zlib"
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"image"
	"sync"
)

// Pixel values of a canvas.
const (
	white byte = 0
	black byte = 1
)

// canvas is a black-and-white drawing surface, one byte per pixel; it is
// written out as a 1-bit PNG. Thermal printers print dots, not greys, and a
// 1-bit image is an eighth of the data to compress.
type canvas struct {
	pix  []byte
	w, h int
	rect image.Rectangle

	// drawn, when set, collects every string drawn, so tests can read what a
	// layout printed (shortened or whole) without recognising glyphs.
	drawn *[]string
}

// pixPool recycles pixel buffers between renders; a 4×6 label is about 1 MB.
var pixPool sync.Pool

func newCanvas(w, h int) *canvas {
	n := w * h
	var pix []byte
	if p, ok := pixPool.Get().(*[]byte); ok && cap(*p) >= n {
		pix = (*p)[:n]
		clear(pix)
	} else {
		pix = make([]byte, n)
	}
	return &canvas{pix: pix, w: w, h: h, rect: image.Rect(0, 0, w, h)}
}

// release returns the pixel buffer to the pool; the canvas is unusable after.
func (c *canvas) release() {
	pix := c.pix
	c.pix = nil
	pixPool.Put(&pix)
}

// fill paints r (clipped to the canvas) in colour v.
func (c *canvas) fill(r image.Rectangle, v byte) {
	r = r.Intersect(c.rect)
	if r.Empty() {
		return
	}
	for y := r.Min.Y; y < r.Max.Y; y++ {
		row := c.pix[y*c.w+r.Min.X : y*c.w+r.Max.X]
		if v == white {
			clear(row)
			continue
		}
		for i := range row {
			row[i] = v
		}
	}
}

// hline draws a horizontal rule of thickness t whose top edge is at y.
func (c *canvas) hline(x0, x1, y, t int) { c.fill(image.Rect(x0, y, x1, y+t), black) }

// vline draws a vertical rule of thickness t whose left edge is at x.
func (c *canvas) vline(x, y0, y1, t int) { c.fill(image.Rect(x, y0, x+t, y1), black) }

// zlibPool recycles compressors; BestSpeed because a label is mostly white
// and compresses well either way, while rendering time is what a packer waits
// for.
var zlibPool = sync.Pool{New: func() any {
	zw, _ := zlib.NewWriterLevel(nil, zlib.BestSpeed)
	return zw
}}

// encodePNG writes the canvas as a 1-bit greyscale PNG. The standard encoder
// would look every pixel up through the image interface, which costs more
// than the whole drawing; packing eight pixels at a time is a few loops.
func (c *canvas) encodePNG() ([]byte, error) {
	stride := 1 + (c.w+7)/8 // filter byte, then packed pixels
	raw := make([]byte, stride*c.h)
	for y := 0; y < c.h; y++ {
		packRow(raw[y*stride+1:(y+1)*stride], c.pix[y*c.w:(y+1)*c.w])
	}

	var out bytes.Buffer
	out.Grow(len(raw)/8 + 1024)
	out.WriteString("\x89PNG\r\n\x1a\n")
	var ihdr [13]byte
	binary.BigEndian.PutUint32(ihdr[0:], uint32(c.w))
	binary.BigEndian.PutUint32(ihdr[4:], uint32(c.h))
	ihdr[8] = 1 // bit depth
	ihdr[9] = 0 // greyscale; compression, filter and interlace stay 0
	writeChunk(&out, "IHDR", ihdr[:])

	var idat bytes.Buffer
	idat.Grow(len(raw) / 8)
	zw := zlibPool.Get().(*zlib.Writer)
	defer zlibPool.Put(zw)
	zw.Reset(&idat)
	if _, err := zw.Write(raw); err != nil {
		return nil, fmt.Errorf("encode png: %w", err)
	}
	if err := zw.Close(); err != nil {
		return nil, fmt.Errorf("encode png: %w", err)
	}
	writeChunk(&out, "IDAT", idat.Bytes())
	writeChunk(&out, "IEND", nil)
	return out.Bytes(), nil
}

// packRow packs one row of pixels (0 white, 1 black) into PNG greyscale
// bits, most significant bit first, where 1 is white. Padding bits past the
// row's end are white.
func packRow(dst, src []byte) {
	x, i := 0, 0
	for ; x+8 <= len(src); x, i = x+8, i+1 {
		// Each of the eight bytes is 0 or 1; the multiply gathers byte k's
		// bit into bit 7-k of the top byte without carries between them.
		v := binary.LittleEndian.Uint64(src[x:])
		dst[i] = ^byte(v * 0x8040201008040201 >> 56)
	}
	if x < len(src) {
		b := byte(0xff)
		for k := 0; x < len(src); x, k = x+1, k+1 {
			if src[x] == black {
				b &^= 0x80 >> k
			}
		}
		dst[i] = b
	}
}

func writeChunk(w *bytes.Buffer, typ string, data []byte) {
	var n [4]byte
	binary.BigEndian.PutUint32(n[:], uint32(len(data)))
	w.Write(n[:])
	crc := crc32.NewIEEE()
	crc.Write([]byte(typ))
	crc.Write(data)
	w.WriteString(typ)
	w.Write(data)
	binary.BigEndian.PutUint32(n[:], crc.Sum32())
	w.Write(n[:])
}
