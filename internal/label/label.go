// Package label renders print-ready shipping labels as black-and-white PNG
// images.
//
// Stream has no label API, so the integration draws its own labels for
// Linnworks GenerateLabel. Every label is rendered at 203 dpi (8 dots per mm,
// the native resolution of common thermal label printers) as a 1-bit PNG, in
// one of the four formats of the user guide's label configuration:
//
//	Format             LABEL_FORMAT value  Size                  Pixels    QR code
//	Default4x6         DEFAULT_4X6         4 × 6 in portrait     812×1218  yes
//	PortraitNoQR       PORTRAIT_NO_QR      4 × 6 in portrait     812×1218  no
//	PortraitStandard   PORTRAIT_STANDARD   A6 105 × 148 mm       839×1183  yes
//	Compact100x50      COMPACT_100X50      100 × 50 mm landscape 799×400   no
//
// Each label shows the sender, the consignee, the chosen reference with its
// caption, the service, depot and delivery method, "package n of N", the
// weight in kg, the creation date, a Code 128 barcode of the tracking number
// with the number printed under it, and, where the format has one, a QR code
// of the tracking URL. Bars and QR modules are whole numbers of dots with
// their quiet zones kept clear, so scanners read them without interpolation
// artefacts. Text that does not fit its box is shortened with a visible "…",
// except the reference, which the warehouse matches parcels by: it shrinks
// and then wraps onto further rows, and other lines give way to it. On the
// compact format the sender wraps too, rather than lose its town or postcode;
// characters the Go fonts have no glyph for (CJK, Arabic, emoji …) are drawn
// as the replacement mark "�".
//
// Render is safe for concurrent use.
package label

import (
	"errors"
	"fmt"
	"math"
	"strings"
	"time"
)

// DPI is the resolution every label is rendered at, in dots per inch.
const DPI = 203

// Format is a label layout; its value is the wizard's LABEL_FORMAT setting.
type Format string

// The label formats of the user guide.
const (
	// Default4x6 is a 4 × 6 in portrait label with a Code 128 barcode and a
	// QR code of the tracking URL.
	Default4x6 Format = "DEFAULT_4X6"
	// PortraitNoQR is a 4 × 6 in portrait label with a Code 128 barcode and no
	// QR code; the space goes to larger reference and address text.
	PortraitNoQR Format = "PORTRAIT_NO_QR"
	// PortraitStandard is an A6 (105 × 148 mm) portrait label in the classic
	// carrier order: service, barcode, consignee, sender, then reference and
	// QR code.
	PortraitStandard Format = "PORTRAIT_STANDARD"
	// Compact100x50 is a 100 × 50 mm landscape label for small printers, with
	// a Code 128 barcode and no QR code.
	Compact100x50 Format = "COMPACT_100X50"
)

// Formats returns every format in the order the user guide lists them.
func Formats() []Format {
	return []Format{Default4x6, PortraitNoQR, PortraitStandard, Compact100x50}
}

// Title returns the name the user guide gives the format, with its size where
// the guide's name does not say it (a printer takes one size of label), for
// display in the configuration wizard. Only the titles carry the size: the
// LABEL_FORMAT values stay as they are, so stored profiles keep their format.
func (f Format) Title() string {
	switch f {
	case Default4x6:
		return "Default (4×6 with QR & Barcode)"
	case PortraitNoQR:
		return "Portrait without QR (4×6)"
	case PortraitStandard:
		return "Portrait Standard (A6)"
	case Compact100x50:
		return "Compact (100x50mm without QR)"
	}
	return string(f)
}

// HasQR reports whether the format prints a QR code of the tracking URL.
func (f Format) HasQR() bool {
	return f == Default4x6 || f == PortraitStandard
}

// ErrUnknownFormat is returned for a format that is not one of Formats.
var ErrUnknownFormat = errors.New("unknown label format")

// ErrInvalidLabel is wrapped by every error Render returns because of the
// Label it was given (missing tracking number, package n greater than N …).
var ErrInvalidLabel = errors.New("invalid label")

// ParseFormat returns the format named by a LABEL_FORMAT value. Surrounding
// spaces and letter case are ignored.
func ParseFormat(s string) (Format, error) {
	want := strings.ToUpper(strings.TrimSpace(s))
	for _, f := range Formats() {
		if string(f) == want {
			return f, nil
		}
	}
	return "", fmt.Errorf("%w %q", ErrUnknownFormat, s)
}

// Address is a postal address as printed on a label.
type Address struct {
	Name     string
	Company  string
	Lines    []string // street lines, in order; empty lines are skipped
	Town     string
	Region   string // county or state
	Postcode string
	Country  string // country name or 2-letter code, printed as given
}

// Label is what one label shows.
type Label struct {
	Sender    Address
	Consignee Address

	// Reference is the identifier chosen by the LABEL_REFERENCE setting,
	// already resolved by the caller; ReferenceCaption names it ("Order ID").
	// An empty caption prints as "Reference".
	Reference        string
	ReferenceCaption string

	Service string // the Linnworks service name
	Depot   string // the Stream depot
	Method  string // the Stream delivery method

	Package  int // this package, 1-based
	Packages int // packages in the consignment

	WeightGrams float64 // printed in kg

	// TrackingNumber is encoded in the Code 128 barcode and printed under it.
	// It must be printable ASCII, at most 80 characters.
	TrackingNumber string
	// TrackingURL is encoded in the QR code of formats that have one. When it
	// is empty the QR code is left out and the rest of the label is unchanged.
	TrackingURL string

	// Created is printed as a date (YYYY-MM-DD, in Created's location); the
	// zero time prints nothing.
	Created time.Time
}

// Image is a rendered label.
type Image struct {
	PNG []byte // 1-bit black-and-white PNG

	// WidthInches and HeightInches are the physical size, as Linnworks wants
	// them in GenerateLabel's LabelWidth and LabelHeight.
	WidthInches  float64
	HeightInches float64

	WidthPx  int // = round(WidthInches × DPI)
	HeightPx int // = round(HeightInches × DPI)
	DPI      int
}

// Render draws label l in format f.
func Render(f Format, l Label) (Image, error) {
	sp, ok := specs[f]
	if !ok {
		return Image{}, fmt.Errorf("render label: %w %q", ErrUnknownFormat, string(f))
	}
	if err := l.validate(); err != nil {
		return Image{}, fmt.Errorf("render %s label for %q: %w", f, l.TrackingNumber, err)
	}
	c := newCanvas(sp.widthPx, sp.heightPx)
	defer c.release()
	if err := sp.layout(c, &l); err != nil {
		return Image{}, fmt.Errorf("render %s label for %q: %w", f, l.TrackingNumber, err)
	}
	png, err := c.encodePNG()
	if err != nil {
		return Image{}, fmt.Errorf("render %s label for %q: %w", f, l.TrackingNumber, err)
	}
	return Image{
		PNG:          png,
		WidthInches:  sp.widthIn,
		HeightInches: sp.heightIn,
		WidthPx:      sp.widthPx,
		HeightPx:     sp.heightPx,
		DPI:          DPI,
	}, nil
}

func (l *Label) validate() error {
	tn := l.TrackingNumber
	switch {
	case strings.TrimSpace(tn) == "":
		return fmt.Errorf("%w: tracking number is missing", ErrInvalidLabel)
	case len(tn) > maxTrackingLen:
		return fmt.Errorf("%w: tracking number is %d characters, at most %d fit a Code 128 barcode",
			ErrInvalidLabel, len(tn), maxTrackingLen)
	}
	for _, r := range tn {
		if r < 0x20 || r > 0x7e {
			return fmt.Errorf("%w: tracking number contains %q, only printable ASCII fits a Code 128 barcode",
				ErrInvalidLabel, r)
		}
	}
	switch {
	case l.Packages < 1:
		return fmt.Errorf("%w: package count %d is below 1", ErrInvalidLabel, l.Packages)
	case l.Package < 1:
		return fmt.Errorf("%w: package number %d is below 1", ErrInvalidLabel, l.Package)
	case l.Package > l.Packages:
		return fmt.Errorf("%w: package %d of %d", ErrInvalidLabel, l.Package, l.Packages)
	case math.IsNaN(l.WeightGrams) || math.IsInf(l.WeightGrams, 0) || l.WeightGrams < 0:
		return fmt.Errorf("%w: weight %v g", ErrInvalidLabel, l.WeightGrams)
	}
	return nil
}

// maxTrackingLen is the longest content the Code 128 encoder accepts.
const maxTrackingLen = 80

// spec is the physical size and the layout of a format.
type spec struct {
	widthIn, heightIn float64
	widthPx, heightPx int
	layout            func(*canvas, *Label) error
}

var specs = map[Format]spec{
	Default4x6:       newSpec(4, 6, layoutDefault),
	PortraitNoQR:     newSpec(4, 6, layoutPortraitNoQR),
	PortraitStandard: newSpec(105/mmPerInch, 148/mmPerInch, layoutPortraitStandard),
	Compact100x50:    newSpec(100/mmPerInch, 50/mmPerInch, layoutCompact),
}

const mmPerInch = 25.4

func newSpec(wIn, hIn float64, layout func(*canvas, *Label) error) spec {
	return spec{
		widthIn: wIn, heightIn: hIn,
		widthPx:  int(math.Round(wIn * DPI)),
		heightPx: int(math.Round(hIn * DPI)),
		layout:   layout,
	}
}
