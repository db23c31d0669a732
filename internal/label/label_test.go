package label_test

import (
	"bytes"
	"errors"
	"fmt"
	"image"
	"image/png"
	"math"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/makiuchi-d/gozxing"
	"github.com/makiuchi-d/gozxing/oned"
	"github.com/makiuchi-d/gozxing/qrcode"

	"linnstream/internal/label"
	"linnstream/internal/wizard"
)

func sample() label.Label {
	return label.Label{
		Sender: label.Address{
			Name: "Acme Warehouse", Company: "Acme Ltd", Lines: []string{"Unit 4, Trade Park"},
			Town: "Leeds", Postcode: "LS1 4AB", Country: "GB",
		},
		Consignee: label.Address{
			Name: "Jane O'Neil-Smith", Company: "Smith & Sons", Lines: []string{"12 High Street", "Flat 3"},
			Town: "Manchester", Region: "Greater Manchester", Postcode: "M1 2AB", Country: "United Kingdom",
		},
		Reference: "100234", ReferenceCaption: "Order ID",
		Service: "Stream Next Day", Depot: "Manchester", Method: "Standard",
		Package: 1, Packages: 2, WeightGrams: 1250,
		TrackingNumber: "STRM12345678GB",
		TrackingURL:    "https://www.go2stream.net/stream/live/track/view/Tracking.php?trid=ABC123456",
		Created:        time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC),
	}
}

func render(t *testing.T, f label.Format, l label.Label) (label.Image, image.Image) {
	t.Helper()
	img, err := label.Render(f, l)
	if err != nil {
		t.Fatalf("Render(%s): %v", f, err)
	}
	if !bytes.HasPrefix(img.PNG, []byte("\x89PNG\r\n\x1a\n")) {
		t.Fatalf("Render(%s) did not return a PNG", f)
	}
	decoded, err := png.Decode(bytes.NewReader(img.PNG))
	if err != nil {
		t.Fatalf("decode %s png: %v", f, err)
	}
	return img, decoded
}

func bitmap(t *testing.T, img image.Image) *gozxing.BinaryBitmap {
	t.Helper()
	bmp, err := gozxing.NewBinaryBitmapFromImage(img)
	if err != nil {
		t.Fatalf("binary bitmap: %v", err)
	}
	return bmp
}

func decodeBarcode(t *testing.T, img image.Image) (string, error) {
	t.Helper()
	res, err := oned.NewCode128Reader().Decode(bitmap(t, img), map[gozxing.DecodeHintType]any{gozxing.DecodeHintType_TRY_HARDER: true})
	if err != nil {
		return "", err
	}
	return res.GetText(), nil
}

func decodeQR(t *testing.T, img image.Image) (string, error) {
	t.Helper()
	res, err := qrcode.NewQRCodeReader().Decode(bitmap(t, img), nil)
	if err != nil {
		return "", err
	}
	return res.GetText(), nil
}

// checkSymbols decodes the Code 128 and, where the format has one, the QR
// code from the rendered label and compares them with the tracking data.
func checkSymbols(t *testing.T, f label.Format, img image.Image, l label.Label) {
	t.Helper()
	got, err := decodeBarcode(t, img)
	if err != nil {
		t.Fatalf("%s: decode code 128: %v", f, err)
	}
	if got != l.TrackingNumber {
		t.Errorf("%s: code 128 = %q, want %q", f, got, l.TrackingNumber)
	}
	gotURL, err := decodeQR(t, img)
	switch {
	case f.HasQR() && l.TrackingURL != "":
		if err != nil {
			t.Fatalf("%s: decode qr: %v", f, err)
		}
		if gotURL != l.TrackingURL {
			t.Errorf("%s: qr = %q, want %q", f, gotURL, l.TrackingURL)
		}
	case err == nil:
		t.Errorf("%s: found a qr code %q on a label that should have none", f, gotURL)
	}
}

func TestRenderEncodesTrackingData(t *testing.T) {
	for _, f := range label.Formats() {
		t.Run(string(f), func(t *testing.T) {
			l := sample()
			_, img := render(t, f, l)
			checkSymbols(t, f, img, l)
		})
	}
}

func TestRenderTrackingNumberShapes(t *testing.T) {
	// Numeric runs use Code 128 set C, mixed text set B; the longest numbers
	// need the narrowest bars. All must still decode.
	numbers := []string{
		"12345678901234",
		"S-0001/ab.c",
		"STREAM0123456789ABCDEFGHIJ01234",
		strings.Repeat("A1b2", 10),
	}
	for _, f := range label.Formats() {
		for _, n := range numbers {
			t.Run(fmt.Sprintf("%s/%s", f, n), func(t *testing.T) {
				l := sample()
				l.TrackingNumber = n
				l.TrackingURL = "https://track.example/" + n
				_, img := render(t, f, l)
				checkSymbols(t, f, img, l)
			})
		}
	}
}

func TestRenderSizes(t *testing.T) {
	tests := []struct {
		f           label.Format
		wIn, hIn    float64
		wPx, hPx    int
		description string
	}{
		{label.Default4x6, 4, 6, 812, 1218, "4 × 6 in"},
		{label.PortraitNoQR, 4, 6, 812, 1218, "4 × 6 in"},
		{label.PortraitStandard, 105 / 25.4, 148 / 25.4, 839, 1183, "A6"},
		{label.Compact100x50, 100 / 25.4, 50 / 25.4, 799, 400, "100 × 50 mm"},
	}
	for _, tt := range tests {
		t.Run(string(tt.f), func(t *testing.T) {
			img, decoded := render(t, tt.f, sample())
			if img.DPI != 203 {
				t.Errorf("DPI = %d, want 203", img.DPI)
			}
			if math.Abs(img.WidthInches-tt.wIn) > 1e-9 || math.Abs(img.HeightInches-tt.hIn) > 1e-9 {
				t.Errorf("size = %v × %v in, want %v × %v in (%s)", img.WidthInches, img.HeightInches, tt.wIn, tt.hIn, tt.description)
			}
			b := decoded.Bounds()
			if b.Dx() != tt.wPx || b.Dy() != tt.hPx || img.WidthPx != tt.wPx || img.HeightPx != tt.hPx {
				t.Errorf("pixels = %d×%d (reported %d×%d), want %d×%d",
					b.Dx(), b.Dy(), img.WidthPx, img.HeightPx, tt.wPx, tt.hPx)
			}
			if want := int(math.Round(img.WidthInches * float64(img.DPI))); b.Dx() != want {
				t.Errorf("width %d px is not %v in × %d dpi = %d", b.Dx(), img.WidthInches, img.DPI, want)
			}
			if want := int(math.Round(img.HeightInches * float64(img.DPI))); b.Dy() != want {
				t.Errorf("height %d px is not %v in × %d dpi = %d", b.Dy(), img.HeightInches, img.DPI, want)
			}
		})
	}
}

// inked reports whether any pixel of r is not white.
func inked(img image.Image, r image.Rectangle) (image.Point, bool) {
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			if c, _, _, _ := img.At(x, y).RGBA(); c < 0x8000 {
				return image.Pt(x, y), true
			}
		}
	}
	return image.Point{}, false
}

func hostile() label.Label {
	long := strings.Repeat("Bartholomew-Fitzwilliam ", 20)
	l := sample()
	l.Sender = label.Address{
		Name: long, Company: "Ünïcödé & Co. (Holdings) Ltd. — \"Quotes\" 'n' <tags> ;:!?@#$%^&*",
		Lines: []string{long, "Улица Пушкина, дом 10", "شارع الملك فهد"},
		Town:  "北京市朝阳区", Region: long, Postcode: "100000", Country: "中国",
	}
	l.Consignee = label.Address{
		Name:    "王小明 🎁📦👨‍👩‍👧 " + long,
		Company: "Ωμέγα Ltd\tTab\nNewline\r\x00\x07control",
		Lines:   []string{long, long, long, long, "line with \u0301 combining, \u200d joiner and \ufe0f selector"},
		Town:    "Санкт-Петербург " + long, Region: "محافظة الرياض", Postcode: "WWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWW",
		Country: long,
	}
	l.Reference = strings.Repeat("REF-ß-Ж-漢-", 20)
	l.ReferenceCaption = "Référence client très longue " + long
	l.Service = long
	l.Depot = "Депо " + long
	l.Method = "طريقة " + long
	l.Package, l.Packages = 99999, 99999
	l.WeightGrams = 123456789.5
	return l
}

func TestRenderHostileTextStaysInside(t *testing.T) {
	for _, f := range label.Formats() {
		t.Run(string(f), func(t *testing.T) {
			l := hostile()
			img, decoded := render(t, f, l)
			m := 20
			if f == label.Compact100x50 {
				m = 16
			}
			w, h := img.WidthPx, img.HeightPx
			for _, strip := range []image.Rectangle{
				image.Rect(0, 0, w, m), image.Rect(0, h-m, w, h),
				image.Rect(0, 0, m, h), image.Rect(w-m, 0, w, h),
			} {
				if p, ok := inked(decoded, strip); ok {
					t.Errorf("ink at %v, inside the %d-dot margin", p, m)
				}
			}
			checkSymbols(t, f, decoded, l)
		})
	}
}

func TestRenderUnsupportedScriptsShowReplacementMarks(t *testing.T) {
	withName := func(name string) []byte {
		l := sample()
		l.Consignee.Name = name
		img, err := label.Render(label.Default4x6, l)
		if err != nil {
			t.Fatalf("Render with name %q: %v", name, err)
		}
		return img.PNG
	}
	// Characters the font lacks all become the same mark, so two different
	// CJK names of the same length look alike, and unlike no name at all.
	han, nah, none := withName("漢字"), withName("字漢"), withName("")
	if !bytes.Equal(han, nah) {
		t.Error("two unsupported names of equal length render differently; want the same replacement marks")
	}
	if bytes.Equal(han, none) {
		t.Error("an unsupported name renders like an empty one; want visible replacement marks")
	}
	// Cyrillic is in the font, so different names look different.
	if bytes.Equal(withName("Иван"), withName("Петр")) {
		t.Error("two Cyrillic names render alike; want real glyphs")
	}
}

func TestRenderTruncatesOverlongText(t *testing.T) {
	// Text beyond what fits is cut: changing only its tail changes nothing,
	// while a change at its start shows. (That the cut is marked with "…" is
	// tested on the text engine itself.)
	base := strings.Repeat("Wolfeschlegelsteinhausenberger ", 10)
	for _, f := range label.Formats() {
		t.Run(string(f), func(t *testing.T) {
			withName := func(name string) []byte {
				l := sample()
				l.Consignee.Name = name
				img, err := label.Render(f, l)
				if err != nil {
					t.Fatalf("Render: %v", err)
				}
				return img.PNG
			}
			a, b := withName(base+"Alpha"), withName(base+"Omega")
			if !bytes.Equal(a, b) {
				t.Error("names differing only past the cut render differently")
			}
			if bytes.Equal(a, withName("X"+base+"Alpha")) {
				t.Error("overlong names differing in their first letter render alike; want the start shown")
			}
		})
	}
}

func TestRenderWithoutTrackingURLOmitsQR(t *testing.T) {
	l := sample()
	l.TrackingURL = ""
	_, img := render(t, label.Default4x6, l)
	if got, err := decodeQR(t, img); err == nil {
		t.Errorf("found qr %q, want none without a tracking URL", got)
	}
	if got, err := decodeBarcode(t, img); err != nil || got != l.TrackingNumber {
		t.Errorf("code 128 = %q, %v; want %q", got, err, l.TrackingNumber)
	}
}

func TestRenderRejectsInvalidLabels(t *testing.T) {
	tests := []struct {
		name   string
		change func(*label.Label)
		want   string
	}{
		{"missing tracking number", func(l *label.Label) { l.TrackingNumber = "" }, "tracking number is missing"},
		{"blank tracking number", func(l *label.Label) { l.TrackingNumber = "   " }, "tracking number is missing"},
		{"non-ASCII tracking number", func(l *label.Label) { l.TrackingNumber = "TRK€1" }, "printable ASCII"},
		{"control character in tracking number", func(l *label.Label) { l.TrackingNumber = "TRK\n1" }, "printable ASCII"},
		{"overlong tracking number", func(l *label.Label) { l.TrackingNumber = strings.Repeat("1", 81) }, "at most 80"},
		{"package above count", func(l *label.Label) { l.Package, l.Packages = 3, 2 }, "package 3 of 2"},
		{"package zero", func(l *label.Label) { l.Package = 0 }, "package number 0"},
		{"no packages", func(l *label.Label) { l.Package, l.Packages = 0, 0 }, "package count 0"},
		{"negative weight", func(l *label.Label) { l.WeightGrams = -1 }, "weight -1"},
		{"NaN weight", func(l *label.Label) { l.WeightGrams = math.NaN() }, "weight NaN"},
		{"infinite weight", func(l *label.Label) { l.WeightGrams = math.Inf(1) }, "weight +Inf"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l := sample()
			tt.change(&l)
			img, err := label.Render(label.Default4x6, l)
			if !errors.Is(err, label.ErrInvalidLabel) {
				t.Fatalf("err = %v, want ErrInvalidLabel", err)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err = %q, want it to mention %q", err, tt.want)
			}
			if img.PNG != nil {
				t.Error("an image came back with the error")
			}
		})
	}
}

func TestRenderRejectsUnknownFormat(t *testing.T) {
	_, err := label.Render(label.Format("ZPL_4X6"), sample())
	if !errors.Is(err, label.ErrUnknownFormat) || !strings.Contains(err.Error(), "ZPL_4X6") {
		t.Errorf("err = %v, want ErrUnknownFormat naming ZPL_4X6", err)
	}
}

func TestParseFormat(t *testing.T) {
	tests := []struct {
		in   string
		want label.Format
	}{
		{"DEFAULT_4X6", label.Default4x6},
		{"PORTRAIT_NO_QR", label.PortraitNoQR},
		{"PORTRAIT_STANDARD", label.PortraitStandard},
		{"COMPACT_100X50", label.Compact100x50},
		{" compact_100x50 ", label.Compact100x50},
	}
	for _, tt := range tests {
		got, err := label.ParseFormat(tt.in)
		if err != nil || got != tt.want {
			t.Errorf("ParseFormat(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
		}
	}
	for _, bad := range []string{"", "A4", "DEFAULT", "DEFAULT_4X6_EXTRA"} {
		if got, err := label.ParseFormat(bad); !errors.Is(err, label.ErrUnknownFormat) || got != "" {
			t.Errorf("ParseFormat(%q) = %q, %v; want ErrUnknownFormat", bad, got, err)
		}
	}
}

func TestFormatsDescribeTheGuide(t *testing.T) {
	want := map[label.Format]struct {
		title string
		qr    bool
	}{
		label.Default4x6:       {"Default (4×6 with QR & Barcode)", true},
		label.PortraitNoQR:     {"Portrait without QR (4×6)", false},
		label.PortraitStandard: {"Portrait Standard (A6)", true},
		label.Compact100x50:    {"Compact (100x50mm without QR)", false},
	}
	fs := label.Formats()
	if len(fs) != len(want) {
		t.Fatalf("Formats() = %v, want %d formats", fs, len(want))
	}
	for _, f := range fs {
		w, ok := want[f]
		if !ok {
			t.Fatalf("unexpected format %q", f)
		}
		if f.Title() != w.title || f.HasQR() != w.qr {
			t.Errorf("%s: Title %q HasQR %v, want %q %v", f, f.Title(), f.HasQR(), w.title, w.qr)
		}
	}
}

func TestRenderIsDeterministicAndConcurrencySafe(t *testing.T) {
	type job struct {
		f label.Format
		l label.Label
	}
	var jobs []job
	for i, f := range label.Formats() {
		for _, l := range []label.Label{sample(), hostile()} {
			l.TrackingNumber = fmt.Sprintf("STRM%08d", i*7+len(l.Reference))
			jobs = append(jobs, job{f, l})
		}
	}
	want := make([][]byte, len(jobs))
	for i, j := range jobs {
		img, err := label.Render(j.f, j.l)
		if err != nil {
			t.Fatalf("Render: %v", err)
		}
		want[i] = img.PNG
	}
	const workers = 6
	var wg sync.WaitGroup
	errs := make(chan error, workers*len(jobs))
	for w := range workers {
		wg.Go(func() {
			for k := range jobs {
				i := (k + w) % len(jobs)
				img, err := label.Render(jobs[i].f, jobs[i].l)
				switch {
				case err != nil:
					errs <- err
				case !bytes.Equal(img.PNG, want[i]):
					errs <- fmt.Errorf("job %d (%s) rendered differently under concurrency", i, jobs[i].f)
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

func BenchmarkRender(b *testing.B) {
	for _, f := range label.Formats() {
		b.Run(string(f), func(b *testing.B) {
			l := sample()
			b.ReportAllocs()
			for b.Loop() {
				if _, err := label.Render(f, l); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// The wizard offers exactly the formats Render draws, under their sized
// titles, and every value a stored profile may hold still selects its format
// at the size its title names.
func TestWizardOffersTheFormatsBySize(t *testing.T) {
	w, err := wizard.New(wizard.Options{Stream: wizard.StreamCredentials{}})
	if err != nil {
		t.Fatal(err)
	}
	var offered []wizard.Option
	for _, it := range w.Items() {
		if it.ID == wizard.ItemLabelFormat {
			offered = it.Options
		}
	}
	if len(offered) != len(label.Formats()) {
		t.Fatalf("wizard offers %v, want the %d formats", offered, len(label.Formats()))
	}
	size := map[label.Format]struct {
		word string
		w, h float64 // inches
	}{
		label.Default4x6:       {"4×6", 4, 6},
		label.PortraitNoQR:     {"4×6", 4, 6},
		label.PortraitStandard: {"A6", 105 / 25.4, 148 / 25.4},
		label.Compact100x50:    {"100x50mm", 100 / 25.4, 50 / 25.4},
	}
	for i, f := range label.Formats() {
		o := offered[i]
		if o.Value != string(f) || o.Display != f.Title() {
			t.Errorf("option %d = %+v, want %q shown as %q", i, o, f, f.Title())
		}
		if !strings.Contains(o.Display, size[f].word) {
			t.Errorf("%s is shown as %q, which does not say its size %s", f, o.Display, size[f].word)
		}
		// The values profiles stored before the titles named sizes.
		got, err := label.ParseFormat(o.Value)
		if err != nil || got != f {
			t.Fatalf("stored value %q parses as %q, %v", o.Value, got, err)
		}
		img, err := label.Render(got, sample())
		if err != nil {
			t.Fatal(err)
		}
		if math.Abs(img.WidthInches-size[f].w) > 0.001 || math.Abs(img.HeightInches-size[f].h) > 0.001 {
			t.Errorf("%s renders %.3f × %.3f in, want %.3f × %.3f", f, img.WidthInches, img.HeightInches, size[f].w, size[f].h)
		}
	}
}
