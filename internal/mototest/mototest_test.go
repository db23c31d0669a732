package mototest_test

import (
	"bufio"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/kms"

	"linnstream/internal/mototest"
)

func TestMain(m *testing.M) {
	if os.Getenv("MOTOTEST_CHILD") == "1" {
		orphanChild()
		return
	}
	os.Exit(mototest.Main(m))
}

func TestServerListensOnLoopback(t *testing.T) {
	s := mototest.Get(t)
	u, err := url.Parse(s.Endpoint())
	if err != nil {
		t.Fatalf("parse endpoint %q: %v", s.Endpoint(), err)
	}
	if u.Scheme != "http" || u.Hostname() != "127.0.0.1" || u.Port() == "" {
		t.Fatalf("endpoint %q, want http://127.0.0.1:<port>", s.Endpoint())
	}
	resp, err := http.Get(s.Endpoint() + "/moto-api/data.json")
	if err != nil {
		t.Fatalf("server does not answer: %v", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("moto API answered %d", resp.StatusCode)
	}
}

func TestProfilesTable(t *testing.T) {
	s := mototest.Get(t)
	name := mototest.ProfilesTable(t)
	desc := describe(t, s, name)
	assertKeys(t, desc.KeySchema, "pk", "")
	if len(desc.GlobalSecondaryIndexes) != 3 {
		t.Fatalf("got %d GSIs, want 3", len(desc.GlobalSecondaryIndexes))
	}
	byName := map[string]types.GlobalSecondaryIndexDescription{}
	for _, g := range desc.GlobalSecondaryIndexes {
		byName[aws.ToString(g.IndexName)] = g
	}
	// The webhook index holds hashes of keys and no other attribute.
	hash, ok := byName["webhookKeyHash-index"]
	if !ok || hash.Projection.ProjectionType != types.ProjectionTypeKeysOnly {
		t.Fatalf("GSIs %v, want webhookKeyHash-index KEYS_ONLY", byName)
	}
	assertKeys(t, hash.KeySchema, "webhookKeyHash", "")
	gsi, ok := byName["webhookKey-index"]
	if !ok || gsi.Projection.ProjectionType != types.ProjectionTypeAll {
		t.Fatalf("GSIs %v, want webhookKey-index ALL", byName)
	}
	assertKeys(t, gsi.KeySchema, "webhookKey", "")
	// The order sync's sparse index: keys only, as the scheduler reads ids.
	sync, ok := byName["syncing-index"]
	if !ok || sync.Projection.ProjectionType != types.ProjectionTypeKeysOnly {
		t.Fatalf("GSIs %v, want syncing-index KEYS_ONLY", byName)
	}
	assertKeys(t, sync.KeySchema, "syncing", "")
	assertAttrTypes(t, desc.AttributeDefinitions, map[string]types.ScalarAttributeType{"pk": "S", "webhookKeyHash": "S", "webhookKey": "S", "syncing": "S"})
	assertTTL(t, s, name)
}

func TestShipmentsTable(t *testing.T) {
	s := mototest.Get(t)
	name := mototest.ShipmentsTable(t)
	desc := describe(t, s, name)
	assertKeys(t, desc.KeySchema, "pk", "sk")
	if len(desc.GlobalSecondaryIndexes) != 2 {
		t.Fatalf("got %d GSIs, want 2", len(desc.GlobalSecondaryIndexes))
	}
	byName := map[string]types.GlobalSecondaryIndexDescription{}
	for _, g := range desc.GlobalSecondaryIndexes {
		byName[aws.ToString(g.IndexName)] = g
	}
	gsi, ok := byName["streamOrder-index"]
	if !ok || gsi.Projection.ProjectionType != types.ProjectionTypeAll {
		t.Fatalf("GSIs %v, want streamOrder-index ALL", byName)
	}
	assertKeys(t, gsi.KeySchema, "streamOrderKey", "")
	// The dispatch poll's sparse index of open shipments, keys only.
	open, ok := byName["open-index"]
	if !ok || open.Projection.ProjectionType != types.ProjectionTypeKeysOnly {
		t.Fatalf("GSIs %v, want open-index KEYS_ONLY", byName)
	}
	assertKeys(t, open.KeySchema, "openProfile", "openKey")
	assertAttrTypes(t, desc.AttributeDefinitions, map[string]types.ScalarAttributeType{"pk": "S", "sk": "S", "streamOrderKey": "S", "openProfile": "S", "openKey": "S"})
	assertTTL(t, s, name)
}

func TestKMSKeyHonoursEncryptionContext(t *testing.T) {
	s := mototest.Get(t)
	arn := mototest.KMSKey(t)
	if !strings.HasPrefix(arn, "arn:aws:kms:eu-west-2:") {
		t.Fatalf("key ARN %q is not a KMS ARN in eu-west-2", arn)
	}
	ctx := mototest.Context(t)
	c := s.KMS()
	enc, err := c.Encrypt(ctx, &kms.EncryptInput{
		KeyId: aws.String(arn), Plaintext: []byte("hello"),
		EncryptionContext: map[string]string{"profile": "a"},
	})
	if err != nil {
		t.Fatalf("Encrypt: %v", err)
	}
	dec, err := c.Decrypt(ctx, &kms.DecryptInput{CiphertextBlob: enc.CiphertextBlob, EncryptionContext: map[string]string{"profile": "a"}})
	if err != nil || string(dec.Plaintext) != "hello" {
		t.Fatalf("Decrypt: %q, %v", dec.Plaintext, err)
	}
	if _, err := c.Decrypt(ctx, &kms.DecryptInput{CiphertextBlob: enc.CiphertextBlob, EncryptionContext: map[string]string{"profile": "b"}}); err == nil {
		t.Fatal("Decrypt with another encryption context succeeded")
	}
}

func TestCloseStopsServer(t *testing.T) {
	mototest.Get(t) // skip or fail like the other moto tests
	s, err := mototest.Start()
	if err != nil {
		t.Fatalf("Start: %v", err)
	}
	pid := s.PID()
	s.Close()
	s.Close() // a second Close is harmless
	if !s.Exited() {
		t.Fatal("process still running after Close")
	}
	if err := syscall.Kill(pid, 0); !errors.Is(err, syscall.ESRCH) {
		t.Fatalf("process %d still exists after Close (kill 0: %v)", pid, err)
	}
	if err := syscall.Kill(-pid, 0); !errors.Is(err, syscall.ESRCH) {
		t.Fatalf("process group %d still has members after Close (kill 0: %v)", pid, err)
	}
	client := &http.Client{Timeout: time.Second}
	if resp, err := client.Get(s.Endpoint() + "/moto-api/data.json"); err == nil {
		resp.Body.Close()
		t.Fatalf("%s still answers after Close", s.Endpoint())
	}
}

// TestServerDiesWithTestBinary runs a copy of this test binary that starts
// a server and is then killed without a chance to clean up: the server must
// not survive it.
func TestServerDiesWithTestBinary(t *testing.T) {
	mototest.Get(t)
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	child := exec.Command(exe)
	child.Env = append(os.Environ(), "MOTOTEST_CHILD=1")
	stdout, err := child.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := child.Start(); err != nil {
		t.Fatal(err)
	}
	// The child prints one line: "pid <n>" or "error <reason>".
	line, err := bufio.NewReader(stdout).ReadString('\n')
	pid, convErr := strconv.Atoi(strings.TrimSpace(strings.TrimPrefix(line, "pid ")))
	if err != nil || convErr != nil {
		_ = child.Process.Kill()
		_ = child.Wait()
		t.Fatalf("child did not report a server pid: %q (%v)", line, err)
	}
	deadline := time.Now().Add(30 * time.Second)
	if err := syscall.Kill(pid, 0); err != nil {
		t.Fatalf("server %d not running while its parent lives: %v", pid, err)
	}
	if err := child.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = child.Wait()
	for {
		// The server is not our child, so it cannot be reaped here: once
		// its parent is gone it is reaped by init, and kill(pid, 0) fails.
		if err := syscall.Kill(pid, 0); errors.Is(err, syscall.ESRCH) {
			return
		}
		if time.Now().After(deadline) {
			_ = syscall.Kill(-pid, syscall.SIGKILL)
			t.Fatalf("server %d survived its killed parent", pid)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// orphanChild starts a server, reports its pid and waits to be killed.
func orphanChild() {
	s, err := mototest.Start()
	if err != nil {
		fmt.Println("error", err)
		os.Exit(1)
	}
	fmt.Printf("pid %d\n", s.PID())
	time.Sleep(time.Minute)
	s.Close()
	os.Exit(1)
}

func describe(t *testing.T, s *mototest.Server, name string) *types.TableDescription {
	t.Helper()
	out, err := s.DynamoDB().DescribeTable(mototest.Context(t), &dynamodb.DescribeTableInput{TableName: aws.String(name)})
	if err != nil {
		t.Fatalf("DescribeTable %s: %v", name, err)
	}
	return out.Table
}

func assertKeys(t *testing.T, ks []types.KeySchemaElement, hash, rng string) {
	t.Helper()
	got := map[types.KeyType]string{}
	for _, k := range ks {
		got[k.KeyType] = aws.ToString(k.AttributeName)
	}
	if got[types.KeyTypeHash] != hash || got[types.KeyTypeRange] != rng || len(ks) != len(got) {
		t.Fatalf("key schema %v, want hash %q range %q", got, hash, rng)
	}
}

func assertAttrTypes(t *testing.T, defs []types.AttributeDefinition, want map[string]types.ScalarAttributeType) {
	t.Helper()
	got := map[string]types.ScalarAttributeType{}
	for _, d := range defs {
		got[aws.ToString(d.AttributeName)] = d.AttributeType
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("attribute definitions %v, want %v", got, want)
	}
}

func assertTTL(t *testing.T, s *mototest.Server, name string) {
	t.Helper()
	out, err := s.DynamoDB().DescribeTimeToLive(mototest.Context(t), &dynamodb.DescribeTimeToLiveInput{TableName: aws.String(name)})
	if err != nil {
		t.Fatalf("DescribeTimeToLive %s: %v", name, err)
	}
	d := out.TimeToLiveDescription
	if aws.ToString(d.AttributeName) != "expiresAt" || d.TimeToLiveStatus != types.TimeToLiveStatusEnabled {
		t.Fatalf("TTL on %s: attribute %q status %s, want expiresAt ENABLED", name, aws.ToString(d.AttributeName), d.TimeToLiveStatus)
	}
}
