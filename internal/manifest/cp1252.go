package manifest

import (
	"strings"
	"unicode"
)

// cp1252High maps the printable characters Windows-1252 puts at 0x80–0x9F;
// 0xA0–0xFF are the Latin-1 characters with the same numbers.
var cp1252High = map[rune]byte{
	'€': 0x80, '‚': 0x82, 'ƒ': 0x83, '„': 0x84, '…': 0x85, '†': 0x86, '‡': 0x87,
	'ˆ': 0x88, '‰': 0x89, 'Š': 0x8a, '‹': 0x8b, 'Œ': 0x8c, 'Ž': 0x8e,
	'‘': 0x91, '’': 0x92, '“': 0x93, '”': 0x94, '•': 0x95, '–': 0x96, '—': 0x97,
	'˜': 0x98, '™': 0x99, 'š': 0x9a, '›': 0x9b, 'œ': 0x9c, 'ž': 0x9e, 'Ÿ': 0x9f,
}

// cp1252 converts s to Windows-1252, the encoding of the PDF core fonts.
// Characters it lacks become "?", white space and control characters one
// space, and the ends are trimmed, so any text prints on one line and the
// PDF stays valid.
func cp1252(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	space := false
	for _, r := range s {
		if unicode.IsSpace(r) || unicode.IsControl(r) {
			space = b.Len() > 0
			continue
		}
		if space {
			b.WriteByte(' ')
			space = false
		}
		switch c, ok := cp1252High[r]; {
		case r < 0x80 || (r >= 0xa0 && r <= 0xff):
			b.WriteByte(byte(r))
		case ok:
			b.WriteByte(c)
		default:
			b.WriteByte('?')
		}
	}
	return b.String()
}
