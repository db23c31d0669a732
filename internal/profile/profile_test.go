package profile

import "testing"

func TestIDIsSHA256OfToken(t *testing.T) {
	// Known SHA-256 of "abc".
	const want = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
	if got := ID("abc"); got != want {
		t.Fatalf("ID(abc) = %s, want %s", got, want)
	}
	p := &Profile{ID: want}
	if got := p.Short(); got != want[:12] {
		t.Fatalf("Short() = %s", got)
	}
}
