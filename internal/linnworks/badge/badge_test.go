package badge_test

import (
	"bytes"
	"image"
	"image/color"
	"image/png"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"linnstream/internal/linnworks"
	"linnstream/internal/linnworks/badge"
)

func TestHandlerServesEveryIdentifierBadge(t *testing.T) {
	mux := http.NewServeMux()
	mux.Handle("GET "+badge.PathPrefix, badge.Handler())
	srv := httptest.NewServer(mux)
	defer srv.Close()

	seen := map[string]string{}
	specs := linnworks.StandardIdentifiers()
	if len(specs) != 49 {
		t.Fatalf("want 49 identifiers, got %d", len(specs))
	}
	for _, spec := range specs {
		url := linnworks.IdentifierImageURL(srv.URL+"/identifiers", spec.Tag)
		resp, err := http.Get(url)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("%s: status %d", url, resp.StatusCode)
		}
		if ct := resp.Header.Get("Content-Type"); ct != "image/png" {
			t.Fatalf("%s: content type %q", spec.Tag, ct)
		}
		img, err := png.Decode(bytes.NewReader(body))
		if err != nil {
			t.Fatalf("%s: not a PNG: %v", spec.Tag, err)
		}
		b := img.Bounds()
		if b.Dy() != badge.Height || b.Dx() < 20 || b.Dx() > 120 {
			t.Fatalf("%s: unexpected size %v", spec.Tag, b)
		}
		// Background at the left edge, mid height; text pixels somewhere.
		if got := color.RGBAModel.Convert(img.At(1, badge.Height/2)).(color.RGBA); got != badge.Colour(spec) {
			t.Fatalf("%s: background %v, want %v", spec.Tag, got, badge.Colour(spec))
		}
		if n := lightPixels(img); n < 20 {
			t.Fatalf("%s: only %d text pixels drawn", spec.Tag, n)
		}
		if other, dup := seen[string(body)]; dup {
			t.Fatalf("%s and %s have identical images", spec.Tag, other)
		}
		seen[string(body)] = spec.Tag
	}
}

func lightPixels(img image.Image) int {
	n := 0
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			c := color.RGBAModel.Convert(img.At(x, y)).(color.RGBA)
			if c.R > 0xe0 && c.G > 0xe0 && c.B > 0xe0 && c.A == 0xff {
				n++
			}
		}
	}
	return n
}

func TestHandlerRejectsUnknownNames(t *testing.T) {
	h := badge.Handler()
	for _, tc := range []struct {
		method, path string
		want         int
	}{
		{http.MethodGet, "/identifiers/NOT_OURS.png", http.StatusNotFound},
		{http.MethodGet, "/identifiers/STREAM_SENT.gif", http.StatusNotFound},
		{http.MethodGet, "/identifiers/STREAM_RUN_21.png", http.StatusNotFound},
		{http.MethodGet, "/identifiers/", http.StatusNotFound},
		{http.MethodPost, "/identifiers/STREAM_SENT.png", http.StatusMethodNotAllowed},
		{http.MethodHead, "/identifiers/STREAM_DAY_SUNDAY.png", http.StatusOK},
	} {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(tc.method, tc.path, nil))
		if rec.Code != tc.want {
			t.Errorf("%s %s: status %d, want %d", tc.method, tc.path, rec.Code, tc.want)
		}
		if tc.method == http.MethodHead && rec.Body.Len() != 0 {
			t.Errorf("HEAD returned a body")
		}
	}
}
