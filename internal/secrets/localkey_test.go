package secrets_test

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"linnstream/internal/secrets"
)

const plaintext = "stream-client-secret-0123456789"

func newLocal(t *testing.T, dir string) *secrets.LocalKey {
	t.Helper()
	k, err := secrets.NewLocalKey(dir)
	if err != nil {
		t.Fatalf("NewLocalKey: %v", err)
	}
	return k
}

func TestLocalKeyRoundTrip(t *testing.T) {
	ctx := context.Background()
	k := newLocal(t, t.TempDir())
	for _, pt := range []string{plaintext, "", strings.Repeat("x", 10000)} {
		sealed, err := k.Seal(ctx, []byte(pt), "profile-a")
		if err != nil {
			t.Fatalf("Seal: %v", err)
		}
		if pt != "" && bytes.Contains(sealed, []byte(pt)) {
			t.Fatal("sealed blob contains the plaintext")
		}
		got, err := k.Open(ctx, sealed, "profile-a")
		if err != nil {
			t.Fatalf("Open: %v", err)
		}
		if string(got) != pt {
			t.Fatalf("Open returned %d bytes that differ from the %d sealed", len(got), len(pt))
		}
	}
	a, _ := k.Seal(ctx, []byte(plaintext), "profile-a")
	b, _ := k.Seal(ctx, []byte(plaintext), "profile-a")
	if bytes.Equal(a, b) {
		t.Fatal("two seals of the same plaintext are identical; the nonce is not random")
	}
}

func TestLocalKeyWrongContext(t *testing.T) {
	ctx := context.Background()
	k := newLocal(t, t.TempDir())
	sealed, err := k.Seal(ctx, []byte(plaintext), "profile-a")
	if err != nil {
		t.Fatal(err)
	}
	got, err := k.Open(ctx, sealed, "profile-b")
	if !errors.Is(err, secrets.ErrCannotOpen) {
		t.Fatalf("Open with another context: got %v, want ErrCannotOpen", err)
	}
	if got != nil || strings.Contains(err.Error(), plaintext) {
		t.Fatalf("failed Open leaked the plaintext: %q, %v", got, err)
	}
	if _, err := k.Seal(ctx, []byte(plaintext), ""); !errors.Is(err, secrets.ErrNoContext) {
		t.Fatalf("Seal without context: got %v, want ErrNoContext", err)
	}
	if _, err := k.Open(ctx, sealed, ""); !errors.Is(err, secrets.ErrNoContext) {
		t.Fatalf("Open without context: got %v, want ErrNoContext", err)
	}
}

func TestLocalKeyTamper(t *testing.T) {
	ctx := context.Background()
	k := newLocal(t, t.TempDir())
	sealed, err := k.Seal(ctx, []byte(plaintext), "profile-a")
	if err != nil {
		t.Fatal(err)
	}
	for i := range sealed {
		bad := bytes.Clone(sealed)
		bad[i] ^= 0x01
		got, err := k.Open(ctx, bad, "profile-a")
		if !errors.Is(err, secrets.ErrCannotOpen) {
			t.Fatalf("byte %d flipped: got %v, want ErrCannotOpen", i, err)
		}
		if got != nil || strings.Contains(err.Error(), plaintext) {
			t.Fatalf("byte %d flipped: failed Open leaked the plaintext", i)
		}
	}
	for _, bad := range [][]byte{nil, {}, sealed[:1], sealed[:20], sealed[:len(sealed)-1], append(bytes.Clone(sealed), 0)} {
		if _, err := k.Open(ctx, bad, "profile-a"); !errors.Is(err, secrets.ErrCannotOpen) {
			t.Fatalf("blob of %d bytes: got %v, want ErrCannotOpen", len(bad), err)
		}
	}
}

func TestLocalKeyFileCreatedAndReused(t *testing.T) {
	ctx := context.Background()
	dir := filepath.Join(t.TempDir(), "data")
	k := newLocal(t, dir)
	path := filepath.Join(dir, secrets.KeyFileName)
	st, err := os.Stat(path)
	if err != nil {
		t.Fatalf("key file not created: %v", err)
	}
	if st.Mode().Perm() != 0o600 || st.Size() != secrets.KeySize {
		t.Fatalf("key file mode %04o size %d, want 0600 and %d", st.Mode().Perm(), st.Size(), secrets.KeySize)
	}
	if dst, err := os.Stat(dir); err != nil || dst.Mode().Perm() != 0o700 {
		t.Fatalf("data dir: %v mode %v, want 0700", err, dst.Mode().Perm())
	}
	key1, _ := os.ReadFile(path)
	if bytes.Equal(key1, make([]byte, secrets.KeySize)) {
		t.Fatal("key file is all zeros")
	}
	sealed, err := k.Seal(ctx, []byte(plaintext), "profile-a")
	if err != nil {
		t.Fatal(err)
	}

	again := newLocal(t, dir)
	if key2, _ := os.ReadFile(path); !bytes.Equal(key1, key2) {
		t.Fatal("second NewLocalKey replaced the key file")
	}
	if got, err := again.Open(ctx, sealed, "profile-a"); err != nil || string(got) != plaintext {
		t.Fatalf("reopened key cannot open earlier blob: %v", err)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		t.Fatalf("data dir holds %d entries, want only the key file", len(entries))
	}

	other := newLocal(t, t.TempDir())
	if _, err := other.Open(ctx, sealed, "profile-a"); !errors.Is(err, secrets.ErrCannotOpen) {
		t.Fatalf("another key file opened the blob: %v", err)
	}
}

func TestLocalKeyConcurrentFirstUse(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	const n = 8
	keys := make([]*secrets.LocalKey, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() { keys[i], errs[i] = secrets.NewLocalKey(dir) })
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("NewLocalKey %d: %v", i, err)
		}
	}
	sealed, err := keys[0].Seal(ctx, []byte(plaintext), "p")
	if err != nil {
		t.Fatal(err)
	}
	for i, k := range keys {
		if got, err := k.Open(ctx, sealed, "p"); err != nil || string(got) != plaintext {
			t.Fatalf("sealer %d does not share the key: %v", i, err)
		}
	}
}

func TestLocalKeyRefusesBadKeyFile(t *testing.T) {
	cases := []struct {
		name string
		data []byte
		mode os.FileMode
		want string
	}{
		{"readable by others", make([]byte, secrets.KeySize), 0o644, "chmod 600"},
		{"too short", make([]byte, 16), 0o600, "holds 16 bytes"},
		{"too long", make([]byte, 64), 0o600, "holds 64 bytes"},
		{"empty", nil, 0o600, "holds 0 bytes"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, secrets.KeyFileName)
			if err := os.WriteFile(path, c.data, c.mode); err != nil {
				t.Fatal(err)
			}
			if err := os.Chmod(path, c.mode); err != nil {
				t.Fatal(err)
			}
			_, err := secrets.NewLocalKey(dir)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("got %v, want an error mentioning %q", err, c.want)
			}
			if got, _ := os.ReadFile(path); !bytes.Equal(got, c.data) {
				t.Fatal("a refused key file was rewritten")
			}
		})
	}
}
