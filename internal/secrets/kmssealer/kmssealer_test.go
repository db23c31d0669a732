package kmssealer_test

import (
	"bytes"
	"context"
	"errors"
	"maps"
	"os"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/kms/types"

	"linnstream/internal/mototest"
	"linnstream/internal/secrets"
	"linnstream/internal/secrets/kmssealer"
)

func TestMain(m *testing.M) { os.Exit(mototest.Main(m)) }

const plaintext = "stream-client-secret-0123456789"

// recorder passes calls to KMS and records the requests.
type recorder struct {
	kmssealer.API
	mu       sync.Mutex
	generate []*kms.GenerateDataKeyInput
	decrypt  []*kms.DecryptInput
}

func (r *recorder) GenerateDataKey(ctx context.Context, in *kms.GenerateDataKeyInput, opt ...func(*kms.Options)) (*kms.GenerateDataKeyOutput, error) {
	r.mu.Lock()
	r.generate = append(r.generate, in)
	r.mu.Unlock()
	return r.API.GenerateDataKey(ctx, in, opt...)
}

func (r *recorder) Decrypt(ctx context.Context, in *kms.DecryptInput, opt ...func(*kms.Options)) (*kms.DecryptOutput, error) {
	r.mu.Lock()
	r.decrypt = append(r.decrypt, in)
	r.mu.Unlock()
	return r.API.Decrypt(ctx, in, opt...)
}

func newSealer(t *testing.T) (*kmssealer.Sealer, *recorder, string) {
	t.Helper()
	srv := mototest.Get(t)
	keyID := mototest.KMSKey(t)
	rec := &recorder{API: srv.KMS()}
	s, err := kmssealer.New(rec, keyID)
	if err != nil {
		t.Fatal(err)
	}
	return s, rec, keyID
}

func TestSealOpenOnKMS(t *testing.T) {
	t.Parallel()
	s, rec, keyID := newSealer(t)
	ctx := mototest.Context(t)
	a, err := s.Seal(ctx, []byte(plaintext), "profile-a")
	if err != nil {
		t.Fatalf("Seal: %v", err)
	}
	b, err := s.Seal(ctx, []byte(plaintext), "profile-a")
	if err != nil {
		t.Fatalf("Seal: %v", err)
	}
	if bytes.Contains(a, []byte(plaintext)) {
		t.Fatal("sealed blob contains the plaintext")
	}
	if bytes.Equal(a, b) {
		t.Fatal("two seals are identical")
	}
	if len(rec.generate) != 2 {
		t.Fatalf("%d GenerateDataKey calls for 2 seals, want one per seal", len(rec.generate))
	}
	for _, in := range rec.generate {
		if aws.ToString(in.KeyId) != keyID || in.KeySpec != types.DataKeySpecAes256 ||
			!maps.Equal(in.EncryptionContext, map[string]string{"profile": "profile-a"}) {
			t.Fatalf("GenerateDataKey key %q spec %q context %v, want %q AES_256 {profile: profile-a}",
				aws.ToString(in.KeyId), in.KeySpec, in.EncryptionContext, keyID)
		}
	}
	for _, blob := range [][]byte{a, b} {
		got, err := s.Open(ctx, blob, "profile-a")
		if err != nil {
			t.Fatalf("Open: %v", err)
		}
		if string(got) != plaintext {
			t.Fatal("Open returned other bytes than were sealed")
		}
	}
	last := rec.decrypt[len(rec.decrypt)-1]
	if !maps.Equal(last.EncryptionContext, map[string]string{"profile": "profile-a"}) || aws.ToString(last.KeyId) != keyID {
		t.Fatalf("Decrypt with key %q context %v", aws.ToString(last.KeyId), last.EncryptionContext)
	}
	empty, err := s.Seal(ctx, nil, "profile-a")
	if err != nil {
		t.Fatalf("Seal empty: %v", err)
	}
	if got, err := s.Open(ctx, empty, "profile-a"); err != nil || len(got) != 0 {
		t.Fatalf("Open empty: %q, %v", got, err)
	}
}

func TestOpenWrongContextOnKMS(t *testing.T) {
	t.Parallel()
	s, _, _ := newSealer(t)
	ctx := mototest.Context(t)
	sealed, err := s.Seal(ctx, []byte(plaintext), "profile-a")
	if err != nil {
		t.Fatal(err)
	}
	got, err := s.Open(ctx, sealed, "profile-b")
	if !errors.Is(err, secrets.ErrCannotOpen) {
		t.Fatalf("Open with another context: got %v, want ErrCannotOpen", err)
	}
	if got != nil || strings.Contains(err.Error(), plaintext) {
		t.Fatal("failed Open leaked the plaintext")
	}
	if _, err := s.Seal(ctx, []byte(plaintext), ""); !errors.Is(err, secrets.ErrNoContext) {
		t.Fatalf("Seal without context: got %v, want ErrNoContext", err)
	}
}

func TestOpenTamperedOnKMS(t *testing.T) {
	t.Parallel()
	s, _, _ := newSealer(t)
	ctx := mototest.Context(t)
	sealed, err := s.Seal(ctx, []byte(plaintext), "profile-a")
	if err != nil {
		t.Fatal(err)
	}
	keyLen := int(sealed[1])<<8 | int(sealed[2])
	cases := map[string]int{
		"format byte":        0,
		"key length":         2,
		"encrypted data key": 3 + keyLen/2,
		"nonce":              3 + keyLen + 1,
		"ciphertext":         3 + keyLen + 12 + 3,
		"tag":                len(sealed) - 1,
	}
	for name, i := range cases {
		bad := bytes.Clone(sealed)
		bad[i] ^= 0x01
		got, err := s.Open(ctx, bad, "profile-a")
		if !errors.Is(err, secrets.ErrCannotOpen) {
			t.Fatalf("%s (byte %d) flipped: got %v, want ErrCannotOpen", name, i, err)
		}
		if got != nil || strings.Contains(err.Error(), plaintext) {
			t.Fatalf("%s flipped: failed Open leaked the plaintext", name)
		}
	}
	for _, bad := range [][]byte{nil, sealed[:2], sealed[:3+keyLen-1], sealed[:len(sealed)-1]} {
		if _, err := s.Open(ctx, bad, "profile-a"); !errors.Is(err, secrets.ErrCannotOpen) {
			t.Fatalf("blob cut to %d bytes: got %v, want ErrCannotOpen", len(bad), err)
		}
	}
}

func TestOpenWithAnotherKeyOnKMS(t *testing.T) {
	t.Parallel()
	s, _, _ := newSealer(t)
	other, _, _ := newSealer(t)
	ctx := mototest.Context(t)
	sealed, err := s.Seal(ctx, []byte(plaintext), "profile-a")
	if err != nil {
		t.Fatal(err)
	}
	// Real KMS answers IncorrectKeyException (ErrCannotOpen); moto answers
	// AccessDeniedException, which in AWS means a policy problem and so is
	// passed on as it is. Either way the blob must not open.
	got, err := other.Open(ctx, sealed, "profile-a")
	if err == nil || got != nil || strings.Contains(err.Error(), plaintext) {
		t.Fatalf("Open under another key: got %d bytes, %v; want an error without plaintext", len(got), err)
	}
}

// failing is a KMS that cannot be reached.
type failing struct{ kmssealer.API }

var errUnreachable = errors.New("dial tcp: connection refused")

func (failing) GenerateDataKey(context.Context, *kms.GenerateDataKeyInput, ...func(*kms.Options)) (*kms.GenerateDataKeyOutput, error) {
	return nil, errUnreachable
}

func (failing) Decrypt(context.Context, *kms.DecryptInput, ...func(*kms.Options)) (*kms.DecryptOutput, error) {
	return nil, errUnreachable
}

func TestKMSUnavailableIsNotCannotOpen(t *testing.T) {
	s, err := kmssealer.New(failing{}, "alias/linnstream")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Seal(context.Background(), []byte(plaintext), "p"); !errors.Is(err, errUnreachable) {
		t.Fatalf("Seal: got %v, want the KMS error wrapped", err)
	}
	blob := append([]byte{'K', 0, 4, 1, 2, 3, 4}, make([]byte, 40)...)
	_, err = s.Open(context.Background(), blob, "p")
	if !errors.Is(err, errUnreachable) || errors.Is(err, secrets.ErrCannotOpen) {
		t.Fatalf("Open: got %v, want the KMS error and not ErrCannotOpen", err)
	}
	if _, err := kmssealer.New(failing{}, ""); err == nil {
		t.Fatal("New accepted an empty key ID")
	}
}

// refusing is a KMS that refuses every data key with err.
type refusing struct {
	kmssealer.API
	err error
}

func (r refusing) Decrypt(context.Context, *kms.DecryptInput, ...func(*kms.Options)) (*kms.DecryptOutput, error) {
	return nil, r.err
}

func TestKMSRefusalIsCannotOpen(t *testing.T) {
	blob := append([]byte{'K', 0, 4, 1, 2, 3, 4}, make([]byte, 40)...)
	for _, refusal := range []error{
		&types.InvalidCiphertextException{Message: aws.String("bad blob")},
		&types.IncorrectKeyException{Message: aws.String("other key")},
	} {
		s, err := kmssealer.New(refusing{err: refusal}, "alias/linnstream")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.Open(context.Background(), blob, "p"); !errors.Is(err, secrets.ErrCannotOpen) {
			t.Fatalf("KMS %T: got %v, want ErrCannotOpen", refusal, err)
		}
	}
}
