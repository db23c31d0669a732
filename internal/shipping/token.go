package shipping

import (
	"encoding/hex"
	"fmt"
	"io"
	"strings"
)

// newToken returns a new AuthorizationToken: 128 random bits written as a
// lower-case hyphenated GUID. The contract types the token as a Guid, so it
// must parse as one on the Linnworks side; all 128 bits are random (no
// version bits), which is still a well-formed GUID.
func newToken(random io.Reader) (string, error) {
	b := make([]byte, 16)
	if _, err := io.ReadFull(random, b); err != nil {
		return "", fmt.Errorf("generate token: %w", err)
	}
	h := hex.EncodeToString(b)
	return h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:], nil
}

// newWebhookKey returns a random key of 256 bits that names a profile in its
// Stream webhook URL.
func newWebhookKey(random io.Reader) (string, error) {
	b := make([]byte, 32)
	if _, err := io.ReadFull(random, b); err != nil {
		return "", fmt.Errorf("generate webhook key: %w", err)
	}
	return hex.EncodeToString(b), nil
}

// canonicalToken returns the form of a token that profile IDs are computed
// from. Tokens are issued as lower-case hyphenated GUIDs; a GUID in another
// common form (upper case, no hyphens, braces), as .NET may re-format it,
// maps back to that. Anything else is used as it is.
func canonicalToken(t string) string {
	s := t
	if strings.HasPrefix(s, "{") && strings.HasSuffix(s, "}") {
		s = s[1 : len(s)-1]
	}
	if g, ok := parseGUID(s); ok {
		return g
	}
	return t
}

// parseGUID accepts a GUID as 32 hexadecimal digits, with the four hyphens
// of the 8-4-4-4-12 form or none, in either case, and returns it lower-case
// and hyphenated.
func parseGUID(s string) (string, bool) {
	h := s
	if len(s) == 36 {
		if s[8] != '-' || s[13] != '-' || s[18] != '-' || s[23] != '-' {
			return "", false
		}
		h = s[:8] + s[9:13] + s[14:18] + s[19:23] + s[24:]
	}
	if len(h) != 32 {
		return "", false
	}
	if _, err := hex.DecodeString(h); err != nil {
		return "", false
	}
	h = strings.ToLower(h)
	return h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:], true
}
