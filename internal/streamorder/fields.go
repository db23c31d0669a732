package streamorder

import (
	"math"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// The field policy: what Build (and Check, CheckQuote) does with each value
// before it reaches Stream. One rule per kind of field, whichever source the
// order came from (a label request, a quote, the order sync):
//
//   - Numbers must be finite, not negative and within the plausible bounds
//     below; anything else is refused, naming the field.
//   - Text must not hold control characters: notes may hold line breaks,
//     every other field is a single line. Surrounding white space is dropped.
//   - A name longer than its Stream field (the consignee's name, the
//     company, an item's name) is cut at a word boundary to fit: the label
//     still prints it whole, and a shorter name still finds the person.
//   - Notes longer than their field are cut, ending with "…".
//   - Everything that locates or identifies (address lines, town, region,
//     postcode, country, phone, email, references, SKUs) is refused when it
//     does not fit: a cut address misdelivers, a cut reference names another
//     order.
//   - The country must be an ISO 3166-1 alpha-2 code (UK is read as GB).
//
// Problems quote a value only where the value is the problem and carries no
// personal data (a country code, a number), and never more than
// maxEcho characters of it.

// Plausible bounds of what one order carries. Stream moves parcels, furniture
// and pallets; values beyond these are typing or unit mistakes (grams typed
// as milligrams), not freight.
const (
	// MaxWeightGrams bounds a package's weight, an item's unit weight and
	// an item line's weight (unit weight × quantity): 2,000 kg, more than a
	// full pallet (about 1,200 kg) and far more than a two-person delivery.
	MaxWeightGrams = 2_000_000
	// MaxDimensionCm bounds each of a package's width, height and depth:
	// 15 m, longer than the 13.6 m of an articulated trailer.
	MaxDimensionCm = 1_500
	// MaxQuantity bounds an item line's quantity.
	MaxQuantity = 10_000
	// MaxPackages bounds the packages of one order, each a parent item in
	// Stream and a label in Linnworks.
	MaxPackages = 200
	// MaxLines bounds the item lines (composite components included) of
	// one order.
	MaxLines = 1_000
)

// Field lengths the builder applies beyond Stream's documented ones
// (stream-api.md §12 lists no limit for them).
const (
	// maxItemName bounds an item's description: Stream documents no limit,
	// and the one Stream integration whose code is public cuts it to 50.
	maxItemName = 50
	// maxCode bounds an item's code (SKU) and a package format, which
	// become Stream stock codes.
	maxCode = 50
	// maxWhat3Words bounds a what3words address: three words of at most
	// about 20 letters each, with dots and an optional "///".
	maxWhat3Words = 64
	// maxEcho is the most characters of a sent value a problem quotes.
	maxEcho = 80
)

// echo is v as a problem quotes it: at most maxEcho characters, in quotes.
func echo(v string) string {
	if utf8.RuneCountInString(v) > maxEcho {
		v = string([]rune(v)[:maxEcho-1]) + "…"
	}
	return strconv.Quote(v)
}

// number is a short rendering of a number for a problem: in full up to a
// billion, in exponent form beyond (1e+308 is not 309 digits long).
func number(v float64) string {
	if math.Abs(v) < 1e9 {
		return strconv.FormatFloat(v, 'f', -1, 64)
	}
	return strconv.FormatFloat(v, 'g', 6, 64)
}

// control returns the first control character of s that is not allowed
// (a line break is when lines is set) and its position, counting from 1.
func control(s string, lines bool) (rune, int, bool) {
	pos := 0
	for _, r := range s {
		pos++
		if lines && (r == '\n' || r == '\r') {
			continue
		}
		if unicode.IsControl(r) {
			return r, pos, true
		}
	}
	return 0, 0, false
}

// line checks a single-line value and returns it trimmed, or "" with a
// problem when it holds a control character.
func (p *problems) line(what, v string) string {
	v = strings.TrimSpace(v)
	if r, pos, bad := control(v, false); bad {
		p.addf("%s contains a control character (%U at character %d); only printable text is accepted", what, r, pos)
		return ""
	}
	return strings.Join(strings.Fields(v), " ")
}

// note checks a note and returns it cleaned: line breaks kept (one at a
// time), white space within lines collapsed.
func (p *problems) note(what, v string) string {
	v = strings.TrimSpace(v)
	if r, pos, bad := control(v, true); bad {
		p.addf("%s contains a control character (%U at character %d); only text and line breaks are accepted", what, r, pos)
		return ""
	}
	return cleanNote(v)
}

// fits refuses a value longer than limit.
func (p *problems) fits(what, v string, limit int) {
	if n := utf8.RuneCountInString(v); n > limit {
		p.addf("%s is %d characters; Stream allows %d", what, n, limit)
	}
}

// amount checks a number against its bound, in unit.
func (p *problems) amount(what string, v, limit float64, unit string) {
	switch {
	case math.IsNaN(v) || math.IsInf(v, 0):
		p.addf("%s is not a finite number", what)
	case v < 0:
		p.addf("%s must not be negative (%s %s)", what, number(v), unit)
	case v > limit:
		p.addf("%s of %s %s is beyond the %s %s accepted", what, number(v), unit, number(limit), unit)
	}
}

// cutName shortens a name to n characters at a word boundary (at the
// last space that leaves a non-empty name), or at n when the first word
// alone is longer.
func cutName(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	head := r[:n+1]
	for i := n; i > 0; i-- {
		if head[i] == ' ' {
			if out := strings.TrimRight(string(head[:i]), " "); out != "" {
				return out
			}
		}
	}
	return strings.TrimRight(string(r[:n]), " ")
}

// cutNote shortens a note to n characters, the last of them "…".
func cutNote(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return strings.TrimRight(string(r[:n-1]), " \n") + "…"
}

// country returns the ISO 3166-1 alpha-2 code of v (upper-cased, UK read
// as GB) and whether it is one.
func country(v string) (string, bool) {
	c := strings.ToUpper(v)
	if c == "UK" {
		// Exceptionally reserved for the United Kingdom and common in
		// marketplace data; Stream's address checks know it as GB.
		c = "GB"
	}
	if len(c) != 2 {
		return c, false
	}
	return c, strings.Contains(countryCodes, " "+c+" ")
}

// countryCodes are the 249 officially assigned ISO 3166-1 alpha-2 codes,
// space-separated with a space at each end.
const countryCodes = " " +
	"AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ " +
	"BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ BR BS BT BV BW BY BZ " +
	"CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ " +
	"DE DJ DK DM DO DZ " +
	"EC EE EG EH ER ES ET " +
	"FI FJ FK FM FO FR " +
	"GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW GY " +
	"HK HM HN HR HT HU " +
	"ID IE IL IM IN IO IQ IR IS IT " +
	"JE JM JO JP " +
	"KE KG KH KI KM KN KP KR KW KY KZ " +
	"LA LB LC LI LK LR LS LT LU LV LY " +
	"MA MC MD ME MF MG MH MK ML MM MN MO MP MQ MR MS MT MU MV MW MX MY MZ " +
	"NA NC NE NF NG NI NL NO NP NR NU NZ " +
	"OM " +
	"PA PE PF PG PH PK PL PM PN PR PS PT PW PY " +
	"QA " +
	"RE RO RS RU RW " +
	"SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ " +
	"TC TD TF TG TH TJ TK TL TM TN TO TR TT TV TW TZ " +
	"UA UG UM US UY UZ " +
	"VA VC VE VG VI VN VU " +
	"WF WS " +
	"YE YT " +
	"ZA ZM ZW "
