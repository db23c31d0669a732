// Package kmssealer seals secrets by envelope encryption under an AWS KMS
// key: each Seal asks KMS for a fresh AES-256 data key, encrypts locally
// with AES-GCM and stores the KMS-encrypted data key in the blob. The
// context is the KMS encryption context {"profile": context} and the GCM
// additional data, so a blob opens only for the profile it was sealed for.
package kmssealer

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/kms/types"

	"linnstream/internal/secrets"
)

// API is the part of the KMS client the Sealer uses.
type API interface {
	GenerateDataKey(ctx context.Context, in *kms.GenerateDataKeyInput, optFns ...func(*kms.Options)) (*kms.GenerateDataKeyOutput, error)
	Decrypt(ctx context.Context, in *kms.DecryptInput, optFns ...func(*kms.Options)) (*kms.DecryptOutput, error)
}

var _ API = (*kms.Client)(nil)

// EnvKeyID is the environment variable that names the KMS key in Lambda.
const EnvKeyID = "SECRETS_KEY_ID"

// format is the first byte of blobs sealed by Sealer.
const format byte = 'K'

// ContextKey is the KMS encryption context key that carries the context.
const ContextKey = "profile"

// Sealer seals secrets under one KMS key. It is safe for concurrent use.
type Sealer struct {
	api   API
	keyID string
}

var _ secrets.Sealer = (*Sealer)(nil)

// New returns a Sealer using the KMS key keyID (an ID, ARN or alias; in
// Lambda the SECRETS_KEY_ID environment variable).
func New(api API, keyID string) (*Sealer, error) {
	if keyID == "" {
		return nil, errors.New("kms sealer: no key ID")
	}
	return &Sealer{api: api, keyID: keyID}, nil
}

// Seal encrypts plaintext under a fresh data key bound to context. The blob
// is: 'K', the length of the encrypted data key (2 bytes, big endian), the
// encrypted data key, then the AES-GCM nonce, ciphertext and tag.
func (s *Sealer) Seal(ctx context.Context, plaintext []byte, context string) ([]byte, error) {
	if context == "" {
		return nil, secrets.ErrNoContext
	}
	out, err := s.api.GenerateDataKey(ctx, &kms.GenerateDataKeyInput{
		KeyId:             aws.String(s.keyID),
		KeySpec:           types.DataKeySpecAes256,
		EncryptionContext: map[string]string{ContextKey: context},
	})
	if err != nil {
		return nil, fmt.Errorf("seal secret: generate data key: %w", err)
	}
	defer clear(out.Plaintext)
	if len(out.CiphertextBlob) == 0 || len(out.CiphertextBlob) > 0xFFFF {
		return nil, fmt.Errorf("seal secret: KMS returned an encrypted data key of %d bytes", len(out.CiphertextBlob))
	}
	ct, err := secrets.SealAESGCM(out.Plaintext, plaintext, context)
	if err != nil {
		return nil, fmt.Errorf("seal secret: %w", err)
	}
	blob := make([]byte, 0, 3+len(out.CiphertextBlob)+len(ct))
	blob = append(blob, format)
	blob = binary.BigEndian.AppendUint16(blob, uint16(len(out.CiphertextBlob)))
	blob = append(blob, out.CiphertextBlob...)
	return append(blob, ct...), nil
}

// Open decrypts a blob Seal made with the same context. A blob that KMS
// refuses (another context, key or a damaged data key) or that fails
// authentication gives an error wrapping secrets.ErrCannotOpen; other KMS
// failures (throttling, network) are returned wrapped as they are, since a
// retry may succeed.
func (s *Sealer) Open(ctx context.Context, sealed []byte, context string) ([]byte, error) {
	if context == "" {
		return nil, secrets.ErrNoContext
	}
	if len(sealed) < 3 || sealed[0] != format {
		return nil, fmt.Errorf("open secret: not sealed with KMS: %w", secrets.ErrCannotOpen)
	}
	n := int(binary.BigEndian.Uint16(sealed[1:3]))
	if len(sealed) < 3+n {
		return nil, fmt.Errorf("open secret: truncated blob: %w", secrets.ErrCannotOpen)
	}
	encKey, ct := sealed[3:3+n], sealed[3+n:]
	out, err := s.api.Decrypt(ctx, &kms.DecryptInput{
		KeyId:             aws.String(s.keyID),
		CiphertextBlob:    encKey,
		EncryptionContext: map[string]string{ContextKey: context},
	})
	if err != nil {
		if refused(err) {
			return nil, fmt.Errorf("open secret: KMS refused the data key: %w", secrets.ErrCannotOpen)
		}
		return nil, fmt.Errorf("open secret: decrypt data key: %w", err)
	}
	defer clear(out.Plaintext)
	pt, err := secrets.OpenAESGCM(out.Plaintext, ct, context)
	if err != nil {
		return nil, err
	}
	return pt, nil
}

// refused reports whether KMS rejected the ciphertext itself rather than
// failing to answer.
func refused(err error) bool {
	var (
		invalid   *types.InvalidCiphertextException
		incorrect *types.IncorrectKeyException
	)
	return errors.As(err, &invalid) || errors.As(err, &incorrect)
}
