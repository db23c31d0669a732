package secrets

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
)

// The local runtime keeps its data (the key file, the embedded database) in
// the directory named by EnvDataDir, DefaultDataDir when unset.
const (
	EnvDataDir     = "DATA_DIR"
	DefaultDataDir = ".local"
)

// KeyFileName is the name of the local key file inside the data directory.
const KeyFileName = "secrets.key"

// localFormat is the first byte of blobs sealed by LocalKey.
const localFormat byte = 'L'

// LocalKey seals secrets with AES-256-GCM under a key kept in a file, for
// the local runtime where there is no KMS. It is safe for concurrent use.
type LocalKey struct {
	key []byte
}

var _ Sealer = (*LocalKey)(nil)

// NewLocalKey loads the key file in dir, creating dir (mode 0700) and the
// file (mode 0600, 32 random bytes) on first use. It refuses a key file of
// the wrong size or one that others may read.
func NewLocalKey(dir string) (*LocalKey, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("local secret key: %w", err)
	}
	path := filepath.Join(dir, KeyFileName)
	key, err := readKeyFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		if err := createKeyFile(path); err != nil {
			return nil, err
		}
		key, err = readKeyFile(path)
	}
	if err != nil {
		return nil, err
	}
	return &LocalKey{key: key}, nil
}

func readKeyFile(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("local secret key: %w", err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("local secret key: %w", err)
	}
	if st.Mode().Perm()&0o077 != 0 {
		return nil, fmt.Errorf("local secret key %s has mode %04o; make it readable by its owner only (chmod 600)", path, st.Mode().Perm())
	}
	key, err := io.ReadAll(io.LimitReader(f, KeySize+1))
	if err != nil {
		return nil, fmt.Errorf("local secret key: %w", err)
	}
	if len(key) != KeySize {
		return nil, fmt.Errorf("local secret key %s holds %d bytes, want %d", path, max(int64(len(key)), st.Size()), KeySize)
	}
	return key, nil
}

// createKeyFile writes a new key atomically: a complete temporary file is
// linked into place, so a concurrent first start never sees a partial key,
// and if another process linked its key first, that key wins.
func createKeyFile(path string) error {
	key := make([]byte, KeySize)
	if _, err := rand.Read(key); err != nil {
		return fmt.Errorf("local secret key: generate: %w", err)
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), KeyFileName+".tmp*")
	if err != nil {
		return fmt.Errorf("local secret key: %w", err)
	}
	defer os.Remove(tmp.Name())
	if err := tmp.Chmod(0o600); err != nil {
		tmp.Close()
		return fmt.Errorf("local secret key: %w", err)
	}
	if _, err := tmp.Write(key); err != nil {
		tmp.Close()
		return fmt.Errorf("local secret key: write: %w", err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return fmt.Errorf("local secret key: sync: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("local secret key: %w", err)
	}
	if err := os.Link(tmp.Name(), path); err != nil && !errors.Is(err, fs.ErrExist) {
		return fmt.Errorf("local secret key: %w", err)
	}
	return nil
}

// Seal encrypts plaintext bound to context.
func (k *LocalKey) Seal(_ context.Context, plaintext []byte, context string) ([]byte, error) {
	ct, err := SealAESGCM(k.key, plaintext, context)
	if err != nil {
		return nil, err
	}
	return append([]byte{localFormat}, ct...), nil
}

// Open decrypts a blob Seal made with the same context.
func (k *LocalKey) Open(_ context.Context, sealed []byte, context string) ([]byte, error) {
	if len(sealed) == 0 || sealed[0] != localFormat {
		return nil, fmt.Errorf("open secret: not sealed with a local key: %w", ErrCannotOpen)
	}
	return OpenAESGCM(k.key, sealed[1:], context)
}
