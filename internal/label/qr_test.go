package label_test

import (
	"fmt"
	"image"
	"math/rand/v2"
	"testing"

	"linnstream/internal/label"
)

// knownFailures is how many URLs trackingURLs starts with whose QR codes,
// masked by the standard's penalties alone (by either boombuler's or ZXing's
// encoder), ZXing's single-symbol reader failed to read.
const knownFailures = 10

// trackingURLs returns n tracking URLs shaped like the ones the integration
// prints (a local base URL with a port, a ten-character tracking id), from a
// fixed seed, led by the knownFailures.
func trackingURLs(n int) []string {
	urls := []string{ // knownFailures of them
		"http://127.0.0.1:44039/track/K3HPK3R6Y8",
		"http://127.0.0.1:46242/track/QY0LGSLZJP",
		"http://127.0.0.1:48208/track/RZSP1XE72R",
		"http://127.0.0.1:33078/track/M1YX48BCRZ",
		"http://127.0.0.1:52547/track/B44YRRCV0Z",
		"http://127.0.0.1:53576/track/SS01TJT0TW",
		"http://127.0.0.1:50027/track/HRCZUMQLE1",
		"http://127.0.0.1:59091/track/SL9L33AY1R",
		"http://127.0.0.1:39601/track/WD9D7S8293",
		"http://127.0.0.1:42207/track/U4GD7W346E",
	}
	rng := rand.New(rand.NewPCG(4, 18004))
	const alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ0123456789"
	for len(urls) < n {
		id := make([]byte, 10)
		for i := range id {
			id[i] = alphabet[rng.IntN(len(alphabet))]
		}
		urls = append(urls, fmt.Sprintf("http://127.0.0.1:%d/track/%s", 30000+rng.IntN(30000), id))
	}
	return urls
}

// inkDiff returns the smallest rectangle holding every pixel where a and b,
// two renders of the same format, differ.
func inkDiff(a, b *image.Gray) image.Rectangle {
	box := image.Rectangle{}
	for i := range a.Pix {
		if a.Pix[i] != b.Pix[i] {
			x, y := i%a.Stride, i/a.Stride
			box = box.Union(image.Rect(x, y, x+1, y+1))
		}
	}
	return box
}

// TestRenderQRDecodesWithSingleSymbolReader sweeps a few hundred tracking
// URLs through the formats with a QR code and reads each back with ZXing's
// single-symbol QR reader, which gives up when the symbol's data holds a
// false finder pattern. The URLs known to have failed are read from the whole
// label; the rest from the QR code's part of the label (where it differs from
// a label without one, and 60 dots around for the neighbouring rules and
// text), to keep the sweep fast.
func TestRenderQRDecodesWithSingleSymbolReader(t *testing.T) {
	sweep := map[label.Format]int{label.Default4x6: 200, label.PortraitStandard: 100}
	for _, f := range label.Formats() {
		if f.HasQR() != (sweep[f] > 0) {
			t.Fatalf("%s: HasQR %v but sweep of %d", f, f.HasQR(), sweep[f])
		}
	}
	for f, n := range sweep {
		if testing.Short() {
			n = 20
		}
		urls := trackingURLs(n)
		l := sample()
		l.TrackingURL = ""
		_, without := render(t, f, l)
		area := image.Rectangle{}
		failed := 0
		for i, u := range urls {
			l.TrackingURL = u
			_, decoded := render(t, f, l)
			gray, ok := decoded.(*image.Gray)
			if !ok {
				t.Fatalf("%s: decoded PNG is %T, want *image.Gray", f, decoded)
			}
			if i < knownFailures {
				area = area.Union(inkDiff(gray, without.(*image.Gray)))
			} else {
				decoded = gray.SubImage(area.Inset(-60).Intersect(gray.Bounds()))
			}
			got, err := decodeQR(t, decoded)
			if err != nil || got != u {
				failed++
				t.Errorf("%s: qr of %s read back as %q, %v", f, u, got, err)
			}
		}
		if failed > 0 {
			t.Errorf("%s: %d of %d QR codes did not read back", f, failed, len(urls))
		}
	}
}
