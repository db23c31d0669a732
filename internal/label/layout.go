package label

import (
	"fmt"
	"image"
	"strconv"
	"strings"
)

// Layout coordinates are in dots at DPI (8 dots per mm). Every layout keeps
// an outer margin free of ink, so printers that cannot print to the edge of
// the label lose nothing.
const (
	margin        = 20 // 2.5 mm on the portrait formats
	compactMargin = 16 // 2 mm on the compact format
	rule          = 3  // section rules
	pad           = 8  // space between a rule and text
)

// sizes lists text sizes in dots, largest first.
func sizes(st func(int) style, px ...int) []style {
	out := make([]style, len(px))
	for i, p := range px {
		out[i] = st(p)
	}
	return out
}

func packageText(l *Label) string { return fmt.Sprintf("%d of %d", l.Package, l.Packages) }

func weightText(l *Label) string {
	return strconv.FormatFloat(l.WeightGrams/1000, 'f', 2, 64) + " kg"
}

func dateText(l *Label) string {
	if l.Created.IsZero() {
		return ""
	}
	return l.Created.Format("2006-01-02")
}

func caption(l *Label) string {
	if c := clean(l.ReferenceCaption); c != "" {
		return c
	}
	return "Reference"
}

// joinNonEmpty joins the non-blank parts with sep.
func joinNonEmpty(sep string, parts ...string) string {
	var keep []string
	for _, p := range parts {
		if p = clean(p); p != "" {
			keep = append(keep, p)
		}
	}
	return strings.Join(keep, sep)
}

func routeText(l *Label) string {
	return joinNonEmpty(" · ", prefixed("Depot ", l.Depot), prefixed("Method ", l.Method))
}

func prefixed(p, s string) string {
	if clean(s) == "" {
		return ""
	}
	return p + s
}

// packageBox draws "PACKAGE / n of N" white on black in r.
func (c *canvas) packageBox(r image.Rectangle, l *Label, titlePx int, nPx ...int) {
	c.fill(r, black)
	in := r.Inset(pad)
	top := faceFor(bold(titlePx)).lineHeight()
	c.text(image.Rect(in.Min.X, in.Min.Y, in.Max.X, in.Min.Y+top), "PACKAGE", center, white, bold(titlePx))
	c.text(image.Rect(in.Min.X, in.Min.Y+top, in.Max.X, in.Max.Y), packageText(l), center, white, sizes(bold, nPx...)...)
}

// trackingBarcode draws the Code 128 of the tracking number in bars and the
// number, as text, centred in under.
func (c *canvas) trackingBarcode(bars, under image.Rectangle, l *Label, px ...int) error {
	if err := c.code128(bars, l.TrackingNumber); err != nil {
		return fmt.Errorf("tracking barcode: %w", err)
	}
	c.text(under, l.TrackingNumber, center, black, sizes(bold, px...)...)
	return nil
}

// layoutPortrait draws the two 4 × 6 in layouts, which differ only in the QR
// code.
func layoutPortrait(c *canvas, l *Label, withQR bool) error {
	x0, x1 := margin, c.w-margin // 20 … 792
	inner := func(y0, y1 int) image.Rectangle { return image.Rect(x0+pad, y0, x1-pad, y1) }

	// Header: service and route; package n of N on the right.
	box := image.Rect(x1-210, margin, x1, 150)
	c.packageBox(box, l, 24, 60, 52, 44, 36, 28)
	c.text(image.Rect(x0, 26, box.Min.X-pad, 92), l.Service, left, black, sizes(bold, 56, 48, 40, 32, 26)...)
	c.text(image.Rect(x0, 94, box.Min.X-pad, 146), routeText(l), left, black, sizes(regular, 30, 26, 22)...)
	c.hline(x0, x1, 150, rule)

	// Sender.
	c.block(inner(153+pad, 310-pad/2), senderLines(l.Sender, 22, 28, 26)...)
	c.hline(x0, x1, 310, rule)

	// Consignee.
	c.block(inner(313+pad, 750-pad/2), consigneeLines(l.Consignee)...)
	c.hline(x0, x1, 750, rule)

	// Reference, weight, date; QR code of the tracking URL.
	info := inner(753+pad, 960-pad/2)
	if withQR {
		q := image.Rect(x1-210, 753, x1, 960)
		c.vline(q.Min.X-rule, 753, 960, rule)
		info.Max.X = q.Min.X - rule - pad
		if l.TrackingURL != "" {
			if err := c.qrCode(q, l.TrackingURL); err != nil {
				return fmt.Errorf("tracking qr code: %w", err)
			}
		}
		c.block(info,
			line{s: caption(l), styles: sizes(regular, 28, 24)},
			reference(l, 56, 48, 40, 32, 28),
			line{s: "Weight " + weightText(l), styles: sizes(regular, 34, 30, 26)},
			line{s: prefixed("Date ", dateText(l)), styles: sizes(regular, 34, 30, 26)},
		)
	} else {
		mid := (x0 + x1) / 2
		c.vline(mid, 753, 960, rule)
		c.block(image.Rect(info.Min.X, info.Min.Y, mid-pad, info.Max.Y),
			line{s: caption(l), styles: sizes(regular, 30, 26)},
			reference(l, 72, 60, 52, 44, 36, 28),
		)
		c.block(image.Rect(mid+rule+pad, info.Min.Y, info.Max.X, info.Max.Y),
			line{s: "Weight", styles: sizes(regular, 30, 26)},
			line{s: weightText(l), styles: sizes(bold, 60, 52, 44, 36)},
			line{s: prefixed("Date ", dateText(l)), styles: sizes(regular, 34, 30, 26)},
		)
	}
	c.hline(x0, x1, 960, rule)

	// Tracking barcode and number.
	return c.trackingBarcode(image.Rect(x0, 975, x1, 1145), image.Rect(x0, 1148, x1, c.h-margin), l, 44, 38, 32, 26)
}

func layoutDefault(c *canvas, l *Label) error      { return layoutPortrait(c, l, true) }
func layoutPortraitNoQR(c *canvas, l *Label) error { return layoutPortrait(c, l, false) }

// layoutPortraitStandard is the A6 layout: service, barcode, consignee,
// sender, then reference and QR code.
func layoutPortraitStandard(c *canvas, l *Label) error {
	x0, x1 := margin, c.w-margin // 20 … 819
	inner := func(y0, y1 int) image.Rectangle { return image.Rect(x0+pad, y0, x1-pad, y1) }

	box := image.Rect(x1-210, margin, x1, 150)
	c.packageBox(box, l, 24, 60, 52, 44, 36, 28)
	c.text(image.Rect(x0, 26, box.Min.X-pad, 92), l.Service, left, black, sizes(bold, 56, 48, 40, 32, 26)...)
	c.text(image.Rect(x0, 94, box.Min.X-pad, 146), routeText(l), left, black, sizes(regular, 30, 26, 22)...)
	c.hline(x0, x1, 150, rule)

	if err := c.trackingBarcode(image.Rect(x0, 165, x1, 318), image.Rect(x0, 320, x1, 368), l, 44, 38, 32, 26); err != nil {
		return err
	}
	c.hline(x0, x1, 370, rule)

	c.block(inner(373+pad, 790-pad/2), consigneeLines(l.Consignee)...)
	c.hline(x0, x1, 790, rule)

	c.block(inner(793+pad, 930-pad/2), senderLines(l.Sender, 22, 26, 24)...)
	c.hline(x0, x1, 930, rule)

	q := image.Rect(x1-230, 933, x1, c.h-margin)
	c.vline(q.Min.X-rule, 933, c.h-margin, rule)
	if l.TrackingURL != "" {
		if err := c.qrCode(q, l.TrackingURL); err != nil {
			return fmt.Errorf("tracking qr code: %w", err)
		}
	}
	c.block(image.Rect(x0+pad, 933+pad, q.Min.X-rule-pad, c.h-margin),
		line{s: caption(l), styles: sizes(regular, 28, 24)},
		reference(l, 60, 52, 44, 36, 28),
		line{s: "Weight " + weightText(l), styles: sizes(regular, 34, 30, 26)},
		line{s: prefixed("Date ", dateText(l)), styles: sizes(regular, 34, 30, 26)},
	)
	return nil
}

// layoutCompact is the 100 × 50 mm landscape layout.
func layoutCompact(c *canvas, l *Label) error {
	x0, x1 := compactMargin, c.w-compactMargin // 16 … 783
	const thin = 2

	box := image.Rect(x1-150, compactMargin, x1, 66)
	c.fill(box, black)
	c.text(box.Inset(4), packageText(l), center, white, sizes(bold, 36, 30, 26, 22)...)
	c.text(image.Rect(x0, compactMargin, box.Min.X-pad, 66), joinNonEmpty(" · ", l.Service, routeText(l)), left, black,
		sizes(bold, 30, 26, 22, 20)...)
	c.hline(x0, x1, 66, thin)

	split := 496
	c.vline(split, 68, 230, thin)
	a := l.Consignee
	c.block(image.Rect(x0, 72, split-pad, 228),
		line{s: a.Name, styles: sizes(bold, 34, 30, 26, 22)},
		line{s: a.Company, styles: sizes(regular, 26, 22, 20)},
		line{s: joinNonEmpty(", ", a.Lines...), styles: sizes(regular, 26, 22, 20)},
		line{s: joinNonEmpty(", ", a.Town, a.Region), styles: sizes(regular, 26, 22, 20)},
		line{s: joinNonEmpty("  ", a.Postcode, a.Country), styles: sizes(bold, 34, 30, 26, 22)},
	)
	// The right column: the reference (whole, wrapped if long), weight and
	// date on one row, and the sender, wrapped rather than cut.
	s := l.Sender
	c.block(image.Rect(split+thin+pad, 72, x1, 228),
		line{s: caption(l), styles: sizes(regular, 20, 18)},
		reference(l, 34, 30, 26, 22),
		line{s: joinNonEmpty(" · ", weightText(l), dateText(l)), styles: sizes(regular, 24, 20, 18)},
		line{s: prefixed("From ", joinNonEmpty(", ", s.Name, s.Company, s.Town, s.Postcode)), styles: sizes(regular, 20, 18), wrap: true},
	)
	c.hline(x0, x1, 230, thin)

	return c.trackingBarcode(image.Rect(x0, 238, x1, 340), image.Rect(x0, 342, x1, c.h-compactMargin), l, 34, 30, 26, 22)
}

// reference is the label's reference line: it is what the warehouse matches
// parcels by, so it is never shortened. It shrinks through the given bold
// sizes and, when even the smallest is too wide, wraps onto further rows.
func reference(l *Label, px ...int) line {
	return line{s: l.Reference, styles: sizes(bold, px...), wrap: true, keep: true}
}

// senderLines is the "FROM" block: caption, then the address in the given
// sizes.
func senderLines(a Address, captionPx, namePx, restPx int) []line {
	small := sizes(regular, restPx, restPx-4, restPx-6)
	return []line{
		{s: "FROM", styles: sizes(bold, captionPx)},
		{s: joinNonEmpty(", ", a.Name, a.Company), styles: sizes(bold, namePx, namePx-4, namePx-6)},
		{s: joinNonEmpty(", ", a.Lines...), styles: small},
		{s: joinNonEmpty(", ", a.Town, a.Region, a.Postcode), styles: small},
		{s: a.Country, styles: small},
	}
}

// consigneeLines is the "TO" block, the largest text of a portrait label.
func consigneeLines(a Address) []line {
	body := sizes(regular, 44, 38, 32, 28, 24)
	ls := []line{
		{s: "TO", styles: sizes(bold, 26)},
		{s: a.Name, styles: sizes(bold, 64, 56, 48, 40, 34)},
		{s: a.Company, styles: body},
	}
	for _, s := range a.Lines {
		ls = append(ls, line{s: s, styles: body})
	}
	return append(ls,
		line{s: joinNonEmpty(", ", a.Town, a.Region), styles: body},
		line{s: a.Postcode, styles: sizes(bold, 72, 64, 56, 48, 40)},
		line{s: a.Country, styles: sizes(bold, 44, 38, 32, 28, 24)},
	)
}
