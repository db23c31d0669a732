// Package badge draws and serves the images of the integration's Linnworks identifiers:
// small PNG badges ("SENT", "RUN 07", "MON", "SEQ 12" …) that Linnworks shows on orders.
// Identifier image URLs point at this handler (linnworks.IdentifierImageURL).
package badge

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"net/http"
	"path"
	"strconv"
	"strings"
	"sync"

	"golang.org/x/image/font"
	"golang.org/x/image/font/gofont/gobold"
	"golang.org/x/image/font/opentype"
	"golang.org/x/image/math/fixed"

	"linnstream/internal/linnworks"
)

// PathPrefix is where the handler is meant to be mounted; image base URLs passed to
// linnworks.EnsureIdentifiers end with it (without the final slash).
const PathPrefix = "/identifiers/"

// Height is the height of every badge in pixels.
const Height = 24

const (
	fontSize = 13
	padX     = 7
	radius   = 5
)

// colours per identifier kind; the error badge stands out in red.
var (
	colourSent  = color.RGBA{0x2e, 0x7d, 0x32, 0xff}
	colourError = color.RGBA{0xc6, 0x28, 0x28, 0xff}
	colourRun   = color.RGBA{0x15, 0x65, 0xc0, 0xff}
	colourDay   = color.RGBA{0x6a, 0x1b, 0x9a, 0xff}
	colourSeq   = color.RGBA{0xe6, 0x51, 0x00, 0xff}
	colourText  = color.RGBA{0xff, 0xff, 0xff, 0xff}
)

// Colour returns the background colour of the badge of spec.
func Colour(spec linnworks.IdentifierSpec) color.RGBA {
	switch spec.Kind {
	case linnworks.KindRun:
		return colourRun
	case linnworks.KindDay:
		return colourDay
	case linnworks.KindSequence:
		return colourSeq
	}
	if spec.Tag == linnworks.TagError {
		return colourError
	}
	return colourSent
}

var (
	faceOnce sync.Once
	face     font.Face
	faceErr  error
)

func loadFace() (font.Face, error) {
	faceOnce.Do(func() {
		f, err := opentype.Parse(gobold.TTF)
		if err != nil {
			faceErr = fmt.Errorf("parse Go Bold font: %w", err)
			return
		}
		face, faceErr = opentype.NewFace(f, &opentype.FaceOptions{Size: fontSize, DPI: 72, Hinting: font.HintingFull})
	})
	return face, faceErr
}

// Render draws the badge of spec as an image.
func Render(spec linnworks.IdentifierSpec) (*image.RGBA, error) {
	fc, err := loadFace()
	if err != nil {
		return nil, err
	}
	label := spec.Label
	if label == "" {
		label = spec.Name
	}
	textW := font.MeasureString(fc, label).Ceil()
	w := textW + 2*padX
	img := image.NewRGBA(image.Rect(0, 0, w, Height))
	bg := Colour(spec)
	for y := 0; y < Height; y++ {
		for x := 0; x < w; x++ {
			if insideRounded(x, y, w, Height, radius) {
				img.SetRGBA(x, y, bg)
			}
		}
	}
	m := fc.Metrics()
	// Centre the text vertically on its cap height.
	baseline := (Height + m.Ascent.Ceil() - m.Descent.Ceil()) / 2
	d := font.Drawer{
		Dst:  img,
		Src:  image.NewUniform(colourText),
		Face: fc,
		Dot:  fixed.P(padX, baseline),
	}
	d.DrawString(label)
	return img, nil
}

// insideRounded reports whether pixel (x, y) lies in a w×h rectangle with corners of radius r.
func insideRounded(x, y, w, h, r int) bool {
	cx, cy := -1, -1
	switch {
	case x < r && y < r:
		cx, cy = r, r
	case x >= w-r && y < r:
		cx, cy = w-r-1, r
	case x < r && y >= h-r:
		cx, cy = r, h-r-1
	case x >= w-r && y >= h-r:
		cx, cy = w-r-1, h-r-1
	}
	if cx < 0 {
		return true
	}
	dx, dy := x-cx, y-cy
	return dx*dx+dy*dy <= r*r
}

// PNG returns the encoded badge of spec.
func PNG(spec linnworks.IdentifierSpec) ([]byte, error) {
	img, err := Render(spec)
	if err != nil {
		return nil, err
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		return nil, fmt.Errorf("encode badge %s: %w", spec.Tag, err)
	}
	return b.Bytes(), nil
}

// Handler serves GET and HEAD "<anything>/<TAG>.png" for every identifier of
// linnworks.StandardIdentifiers; any other name is 404. Images are drawn once and cached.
func Handler() http.Handler {
	h := &handler{}
	return h
}

type handler struct {
	once   sync.Once
	images map[string][]byte
	err    error
}

func (h *handler) load() {
	h.images = make(map[string][]byte)
	for _, spec := range linnworks.StandardIdentifiers() {
		b, err := PNG(spec)
		if err != nil {
			h.err = err
			return
		}
		h.images[spec.Tag] = b
	}
}

func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	name := path.Base(r.URL.Path)
	tag, ok := strings.CutSuffix(name, ".png")
	if !ok {
		http.NotFound(w, r)
		return
	}
	h.once.Do(h.load)
	if h.err != nil {
		http.Error(w, "badge images unavailable", http.StatusInternalServerError)
		return
	}
	b, ok := h.images[tag]
	if !ok {
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Content-Type", "image/png")
	w.Header().Set("Content-Length", strconv.Itoa(len(b)))
	w.Header().Set("Cache-Control", "public, max-age=86400")
	w.WriteHeader(http.StatusOK)
	if r.Method == http.MethodGet {
		_, _ = w.Write(b)
	}
}
