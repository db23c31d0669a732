// Package secrets seals small secrets (a Stream client secret, a Linnworks
// token) for storage. A sealed blob is bound to a context string, the ID of
// the profile it belongs to, so a blob copied to another profile does not
// open.
//
// Two Sealers exist: LocalKey, AES-256-GCM under a key file for the local
// runtime, and kmssealer.Sealer, envelope encryption under a KMS key in AWS.
package secrets

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"errors"
	"fmt"
)

// Sealer seals and opens secrets bound to a context.
type Sealer interface {
	// Seal encrypts plaintext so that only Open with the same context
	// returns it.
	Seal(ctx context.Context, plaintext []byte, context string) ([]byte, error)
	// Open returns the plaintext of a blob Seal made with the same context;
	// an error wrapping ErrCannotOpen if the context differs or the blob was
	// changed.
	Open(ctx context.Context, sealed []byte, context string) ([]byte, error)
}

// ErrCannotOpen means a sealed blob is damaged, was sealed under another
// key, or belongs to another context. It never carries plaintext.
var ErrCannotOpen = errors.New("sealed secret cannot be opened (wrong key or context, or damaged)")

// ErrNoContext is returned when sealing or opening without a context.
var ErrNoContext = errors.New("sealed secret needs a context")

// KeySize is the size in bytes of the AES-256 keys used.
const KeySize = 32

// aadPrefix domain-separates the additional data of our ciphertexts.
const aadPrefix = "linnstream/secrets/v1\x00"

// SealAESGCM encrypts plaintext with AES-256-GCM under key, binding it to
// context as additional data. The result is the random nonce followed by
// the ciphertext and tag.
func SealAESGCM(key, plaintext []byte, context string) ([]byte, error) {
	if context == "" {
		return nil, ErrNoContext
	}
	gcm, err := newGCM(key)
	if err != nil {
		return nil, err
	}
	out := make([]byte, gcm.NonceSize(), gcm.NonceSize()+len(plaintext)+gcm.Overhead())
	if _, err := rand.Read(out); err != nil {
		return nil, fmt.Errorf("seal secret: nonce: %w", err)
	}
	return gcm.Seal(out, out, plaintext, []byte(aadPrefix+context)), nil
}

// OpenAESGCM reverses SealAESGCM; it fails with ErrCannotOpen if key or
// context differ or the blob was changed.
func OpenAESGCM(key, sealed []byte, context string) ([]byte, error) {
	if context == "" {
		return nil, ErrNoContext
	}
	gcm, err := newGCM(key)
	if err != nil {
		return nil, err
	}
	if len(sealed) < gcm.NonceSize()+gcm.Overhead() {
		return nil, fmt.Errorf("open secret: blob of %d bytes is too short: %w", len(sealed), ErrCannotOpen)
	}
	nonce, ct := sealed[:gcm.NonceSize()], sealed[gcm.NonceSize():]
	pt, err := gcm.Open(nil, nonce, ct, []byte(aadPrefix+context))
	if err != nil {
		return nil, fmt.Errorf("open secret: %w", ErrCannotOpen)
	}
	return pt, nil
}

func newGCM(key []byte) (cipher.AEAD, error) {
	if len(key) != KeySize {
		return nil, fmt.Errorf("secret key is %d bytes, want %d", len(key), KeySize)
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, fmt.Errorf("secret key: %w", err)
	}
	return cipher.NewGCM(block)
}
