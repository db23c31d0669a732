package label

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/boombuler/barcode/code128"
)

// example is a typical label: the sender of the project's events/ fixtures.
func example() Label {
	return Label{
		Sender: Address{Name: "Dispatch Desk", Company: "Example Warehouse Ltd",
			Lines: []string{"Unit 4, Aire Valley Park", "Canal Road"}, Town: "Leeds", Region: "West Yorkshire",
			Postcode: "LS12 2DU", Country: "GB"},
		Consignee: Address{Name: "Priya Shah", Lines: []string{"14 Wellington Street"}, Town: "Leeds",
			Postcode: "LS1 4DL", Country: "GB"},
		Reference: "WEB-55021", ReferenceCaption: "Order reference",
		Service: "Courier (Justin Depot)", Depot: "Justin Depot", Method: "Courier",
		Package: 1, Packages: 1, WeightGrams: 2350,
		TrackingNumber: "STRM100234GB",
		TrackingURL:    "https://www.go2stream.net/track?trid=STRM100234GB",
		Created:        time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC),
	}
}

// printed lays l out in format f and returns every string drawn, in order.
func printed(t *testing.T, f Format, l Label) []string {
	t.Helper()
	sp := specs[f]
	c := newCanvas(sp.widthPx, sp.heightPx)
	defer c.release()
	var drawn []string
	c.drawn = &drawn
	if err := sp.layout(c, &l); err != nil {
		t.Fatalf("%s: layout: %v", f, err)
	}
	return drawn
}

func TestReferenceIsNeverCut(t *testing.T) {
	refs := []string{
		"WEB-55021",
		"AMZ-202-1234567-8901234", // an Amazon order number
		"ORDER-2026-11-22-0000123456-WAREHOUSE-LEEDS-07",          // 46 characters, no spaces
		"eBay 12-34567-89012 Priya Shah Leeds repeat order no. 3", // spaces, 55 characters
	}
	for _, f := range Formats() {
		for _, ref := range refs {
			t.Run(fmt.Sprintf("%s/%d", f, len(ref)), func(t *testing.T) {
				l := example()
				l.Reference = ref
				drawn := printed(t, f, l)
				// The rows a wrapped reference takes, joined, give it back
				// (spaces at row breaks aside); a cut one ends in "…".
				all := strings.ReplaceAll(strings.Join(drawn, ""), " ", "")
				if !strings.Contains(all, strings.ReplaceAll(ref, " ", "")) {
					t.Errorf("reference %q not printed whole; printed %q", ref, drawn)
				}
				for _, s := range drawn {
					if strings.HasSuffix(s, "…") && strings.Contains(ref, strings.TrimSuffix(s, "…")) {
						t.Errorf("reference printed cut: %q", s)
					}
				}
			})
		}
	}
}

func TestCompactFitsTheSender(t *testing.T) {
	for _, ref := range []string{"100234", "WEB-55021", "AMZ-202-1234567-8901234"} {
		l := example()
		l.Reference = ref
		drawn := printed(t, Compact100x50, l)
		var from []string
		for i, s := range drawn {
			if strings.HasPrefix(s, "From ") {
				from = drawn[i:]
				break
			}
		}
		text := strings.Join(from, " ")
		for _, want := range []string{"Dispatch Desk", "Example Warehouse Ltd", "Leeds", "LS12 2DU"} {
			if !strings.Contains(text, want) {
				t.Errorf("reference %q: sender %q lacks %q (printed %q)", ref, text, want, drawn)
			}
		}
		if strings.Contains(text, "…") {
			t.Errorf("reference %q: sender cut short: %q", ref, text)
		}
	}
}

func TestWrappedKeepsEveryCharacter(t *testing.T) {
	f := faceFor(bold(28))
	for _, s := range []string{"A", "WEB-55021", strings.Repeat("W", 60), "a bb " + strings.Repeat("c", 70) + " d"} {
		rows := f.wrapped(s, 200)
		if strings.ReplaceAll(strings.Join(rows, ""), " ", "") != strings.ReplaceAll(s, " ", "") {
			t.Errorf("wrapped(%q) = %q loses characters", s, rows)
		}
		for _, r := range rows {
			if f.width(r) > 200 {
				t.Errorf("wrapped(%q): row %q is %d dots, wider than 200", s, r, f.width(r))
			}
		}
	}
}

// Code 128 needs a quiet zone of at least 10 modules of white on each side
// of the bars (ISO/IEC 15417). A lenient decoder reads symbols with less, so
// this measures it: on the drawn label, the bars' module width, and the white
// to their left and right over their full height, inside the label. (The
// canvas is measured rather than the PNG, which is its exact 1-bit copy, as
// TestEncodePNGRoundTrips shows; decoding 60 PNGs would only slow this.)
func TestBarcodeKeepsItsQuietZone(t *testing.T) {
	const minQuiet = 10
	const chars = "STRM0123456789ABCDEFGHJKLMNPQRSTUVWXYZ"
	for _, f := range Formats() {
		// Lengths from short to long (alphanumeric, up to what a 4-inch label
		// holds at one dot a module), so that at some length
		// the width of the label, not the module cap, sets the module size.
		for n := 4; n <= 64; n += 4 {
			tn := strings.Repeat(chars, 3)[:n]
			t.Run(fmt.Sprintf("%s/%d", f, n), func(t *testing.T) {
				l := example()
				l.TrackingNumber = tn
				if err := l.validate(); err != nil {
					t.Fatal(err)
				}
				sp := specs[f]
				c := newCanvas(sp.widthPx, sp.heightPx)
				defer c.release()
				if err := sp.layout(c, &l); err != nil {
					t.Fatal(err)
				}
				bc, err := code128.Encode(tn)
				if err != nil {
					t.Fatal(err)
				}
				checkQuietZone(t, c, bc.Bounds().Dx(), minQuiet)
			})
		}
	}
}

// checkQuietZone finds the barcode of modules modules on c (the widest
// run of ink from first to last dark dot on a row whose dark dots span
// exactly a whole number of modules) and checks quiet modules of white
// beside it, over the bars' height, within the image.
func checkQuietZone(t *testing.T, c *canvas, modules, quiet int) {
	t.Helper()
	b := c.rect
	dark := func(x, y int) bool { return c.pix[y*c.w+x] != white }
	// The bar rows: the first and last dark dots of the start and stop
	// patterns are bars, so their span is the symbol's width.
	found := false
	var x0, x1, top, bottom, module int
	for y := b.Min.Y; y < b.Max.Y && !found; y++ {
		first, last := -1, -1
		for x := b.Min.X; x < b.Max.X; x++ {
			if dark(x, y) {
				if first < 0 {
					first = x
				}
				last = x
			}
		}
		if first < 0 {
			continue
		}
		w := last - first + 1
		// A Code 128 symbol ends in a 2-module bar; on a bar row every
		// column of the span from first to last belongs to the symbol.
		if w%modules != 0 || w/modules < 1 {
			continue
		}
		m := w / modules
		if !dark(last, y) || !dark(last-2*m+1, y) || dark(last-2*m, y) {
			continue
		}
		found, x0, x1, module, top = true, first, last, m, y
	}
	if !found {
		t.Fatal("no row holds a whole Code 128 symbol")
	}
	for bottom = top; bottom+1 < b.Max.Y && dark(x0, bottom+1); bottom++ {
	}
	need := quiet * module
	if x0-need < b.Min.X || x1+need >= b.Max.X {
		t.Fatalf("bars at x %d…%d with %d-dot modules leave %d and %d dots to the label's edges; want %d each side",
			x0, x1, module, x0-b.Min.X, b.Max.X-1-x1, need)
	}
	for y := top; y <= bottom; y++ {
		for x := x0 - need; x < x0; x++ {
			if dark(x, y) {
				t.Fatalf("ink at (%d,%d) inside the left quiet zone (%d dots of %d-dot modules)", x, y, need, module)
			}
		}
		for x := x1 + 1; x <= x1+need; x++ {
			if dark(x, y) {
				t.Fatalf("ink at (%d,%d) inside the right quiet zone (%d dots of %d-dot modules)", x, y, need, module)
			}
		}
	}
}
