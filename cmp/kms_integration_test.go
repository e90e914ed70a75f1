package cmp_test

// Direct KMS provider tests against the local KMS server (and DynamoDB
// Local) that scripts/services.sh runs; they skip without them (fail under
// CI=true). See internal/testing/testenv.

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"maps"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	kmstypes "github.com/aws/aws-sdk-go-v2/service/kms/types"

	"github.com/ddbcrypt/ddbcrypt"
	"github.com/ddbcrypt/ddbcrypt/cmp"
	"github.com/ddbcrypt/ddbcrypt/crypto"
	"github.com/ddbcrypt/ddbcrypt/internal/testing/testenv"
	"github.com/ddbcrypt/ddbcrypt/mapper"
)

// localKey creates a local-kms key and returns the client and its ARN.
func localKey(t *testing.T) (*kms.Client, string) {
	t.Helper()
	client := testenv.KMS(t)
	return client, testenv.NewKMSKey(t, client)
}

// localKMSTable returns DynamoDB Local with a new table of the given keys,
// and a Direct KMS provider with a new key in local-kms, whose calls kmsc
// counts.
func localKMSTable(t *testing.T, partition, sort testenv.Key) (db *dynamodb.Client, table string, p *cmp.DirectKMS, kmsc *countingKMS) {
	t.Helper()
	client, keyARN := localKey(t)
	db = testenv.DynamoDB(t)
	table = testenv.NewTable(t, db, partition, sort)
	kmsc = newCountingKMS(client)
	return db, table, newDirectKMS(t, cmp.DirectKMSConfig{Client: kmsc, KeyID: keyARN}), kmsc
}

// newAlias creates an alias for the key and returns its name and ARN.
func newAlias(t *testing.T, client *kms.Client, keyARN string) (name, arn string) {
	t.Helper()
	var suffix [6]byte
	rand.Read(suffix[:])
	name = "alias/ddbcrypt-test-" + hex.EncodeToString(suffix[:])
	if _, err := client.CreateAlias(t.Context(), &kms.CreateAliasInput{AliasName: &name, TargetKeyId: &keyARN}); err != nil {
		t.Fatalf("CreateAlias: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		client.DeleteAlias(ctx, &kms.DeleteAliasInput{AliasName: &name})
	})
	// arn:aws:kms:REGION:ACCOUNT:key/ID → arn:aws:kms:REGION:ACCOUNT:alias/NAME
	prefix, _, _ := strings.Cut(keyARN, ":key/")
	return name, prefix + ":" + name
}

// keyIDOf returns the bare key id of a key ARN.
func keyIDOf(keyARN string) string {
	_, id, _ := strings.Cut(keyARN, ":key/")
	return id
}

// TestKMSLocalKeyIDForms: items round-trip through the item encryptor with
// the key named by id, ARN, alias name and alias ARN, with exactly one
// GenerateDataKey per item written, one Decrypt per item read, no other
// call, and the grant tokens and exact encryption context on every call.
func TestKMSLocalKeyIDForms(t *testing.T) {
	client, keyARN := localKey(t)
	aliasName, aliasARN := newAlias(t, client, keyARN)
	grant, err := client.CreateGrant(t.Context(), &kms.CreateGrantInput{
		KeyId: &keyARN, GranteePrincipal: aws.String("arn:aws:iam::111122223333:role/reader"),
		Operations: []kmstypes.GrantOperation{kmstypes.GrantOperationGenerateDataKey, kmstypes.GrantOperationDecrypt},
	})
	var tokens []string
	if err == nil && grant.GrantToken != nil {
		tokens = []string{aws.ToString(grant.GrantToken)}
	} else {
		t.Logf("CreateGrant unavailable (%v); passing a made-up grant token", err)
		tokens = []string{"ddbcrypt-test-grant-token"}
	}

	for form, keyID := range map[string]string{
		"key id":    keyIDOf(keyARN),
		"key ARN":   keyARN,
		"alias":     aliasName,
		"alias ARN": aliasARN,
	} {
		t.Run(form, func(t *testing.T) {
			kmsc := newCountingKMS(client)
			enc := crypto.NewEncryptor(newDirectKMS(t, cmp.DirectKMSConfig{Client: kmsc, KeyID: keyID, GrantTokens: tokens}))
			c := testenv.GuideContext("kms-local-table")
			const n = 3
			var stored []map[string]types.AttributeValue
			for i := range n {
				item := testenv.GuideItem()
				item["sort_attribute"] = &types.AttributeValueMemberN{Value: fmt.Sprint(i)}
				s, err := enc.EncryptItem(t.Context(), item, testenv.GuideActions(), c)
				if err != nil {
					t.Fatal(err)
				}
				stored = append(stored, s)
			}
			kmsc.wantCalls(t, n, 0)
			for i, s := range stored {
				got, err := enc.DecryptItem(t.Context(), s, testenv.GuideActions(), c)
				if err != nil {
					t.Fatal(err)
				}
				if got["example"].(*types.AttributeValueMemberS).Value != "data" || got["sort_attribute"].(*types.AttributeValueMemberN).Value != fmt.Sprint(i) {
					t.Errorf("item %d decrypted to %v", i, got)
				}
			}
			kmsc.wantCalls(t, n, n)
			for i, call := range kmsc.calls { // n GenerateDataKey, then n Decrypt, in item order
				want := map[string]string{
					"*amzn-ddb-env-alg*":  "AES/256",
					"*amzn-ddb-sig-alg*":  "HmacSHA256/256",
					"partition_attribute": "is this",
					"sort_attribute":      fmt.Sprint(i % n),
					"*aws-kms-table*":     "kms-local-table",
				}
				if call.KeyID != keyID || !maps.Equal(call.Context, want) || strings.Join(call.GrantTokens, ",") != strings.Join(tokens, ",") {
					t.Errorf("%s call: key %q, context %v, grant tokens %q", call.Op, call.KeyID, call.Context, call.GrantTokens)
				}
			}
		})
	}
}

// TestKMSLocalInterchangeable: an item written with the key ARN reads with
// the alias, and the other way round (Decrypt sends the configured key id,
// which KMS resolves).
func TestKMSLocalInterchangeable(t *testing.T) {
	client, keyARN := localKey(t)
	aliasName, _ := newAlias(t, client, keyARN)
	byARN := crypto.NewEncryptor(newDirectKMS(t, cmp.DirectKMSConfig{Client: client, KeyID: keyARN}))
	byAlias := crypto.NewEncryptor(newDirectKMS(t, cmp.DirectKMSConfig{Client: client, KeyID: aliasName}))
	c := testenv.GuideContext("t")
	for _, pair := range [][2]*crypto.Encryptor{{byARN, byAlias}, {byAlias, byARN}} {
		s, err := pair[0].EncryptItem(t.Context(), testenv.GuideItem(), testenv.GuideActions(), c)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := pair[1].DecryptItem(t.Context(), s, testenv.GuideActions(), c); err != nil {
			t.Error(err)
		}
	}
}

// TestKMSLocalTamper: KMS refuses the data key when a key value, the table
// name, a descriptor or the encrypted data key changed, or when the reader
// is configured with another KMS key; all of it is ErrIntegrity.
func TestKMSLocalTamper(t *testing.T) {
	client, keyARN := localKey(t)
	otherARN := testenv.NewKMSKey(t, client)
	p := newDirectKMS(t, cmp.DirectKMSConfig{Client: client, KeyID: keyARN})
	enc := crypto.NewEncryptor(p)
	c := testenv.GuideContext("kms-table")
	stored, err := enc.EncryptItem(t.Context(), testenv.GuideItem(), testenv.GuideActions(), c)
	if err != nil {
		t.Fatal(err)
	}
	desc := storedDescription(t, stored)

	changedKey := testenv.GuideItem()
	changedKey["partition_attribute"] = &types.AttributeValueMemberS{Value: "is that"}
	blob, _ := base64.StdEncoding.DecodeString(desc["amzn-ddb-env-key"])
	// Flip a bit of the authentication tag at the end. (local-kms blobs
	// start with the key ARN in clear, which it does not check when the
	// request names the key.)
	blob[len(blob)-1] ^= 1
	otherItem, err := enc.EncryptItem(t.Context(), testenv.GuideItem(), testenv.GuideActions(), c)
	if err != nil {
		t.Fatal(err)
	}
	for name, ec := range map[string]*cmp.EncryptionContext{
		"key value":      providerContext("kms-table", changedKey, desc),
		"table name":     providerContext("other-table", testenv.GuideItem(), desc),
		"env-alg":        providerContext("kms-table", testenv.GuideItem(), with(desc, "amzn-ddb-env-alg", "AES/128")),
		"sig-alg":        providerContext("kms-table", testenv.GuideItem(), with(desc, "amzn-ddb-sig-alg", "HmacSHA384/384")),
		"env-key":        providerContext("kms-table", testenv.GuideItem(), with(desc, "amzn-ddb-env-key", base64.StdEncoding.EncodeToString(blob))),
		"other item key": providerContext("kms-table", changedKey, storedDescription(t, otherItem)),
	} {
		if _, err := p.DecryptionMaterials(t.Context(), ec); err != ddbcrypt.ErrIntegrity {
			t.Errorf("%s changed: %v, want exactly ErrIntegrity", name, err)
		}
	}

	// Through the item encryptor: a changed sort key, a moved item.
	moved := maps.Clone(stored)
	moved["sort_attribute"] = &types.AttributeValueMemberN{Value: "56"}
	if _, err := enc.DecryptItem(t.Context(), moved, testenv.GuideActions(), c); !errors.Is(err, ddbcrypt.ErrIntegrity) {
		t.Errorf("changed sort key: %v", err)
	}
	if _, err := enc.DecryptItem(t.Context(), stored, testenv.GuideActions(), testenv.GuideContext("other-table")); !errors.Is(err, ddbcrypt.ErrIntegrity) {
		t.Errorf("other table: %v", err)
	}

	// A reader configured with another key.
	other := newDirectKMS(t, cmp.DirectKMSConfig{Client: client, KeyID: otherARN})
	if _, err := other.DecryptionMaterials(t.Context(), providerContext("kms-table", testenv.GuideItem(), desc)); err != ddbcrypt.ErrIntegrity {
		t.Errorf("reader with another key: %v, want exactly ErrIntegrity", err)
	}
}

// TestKMSLocalDisabledKey: with the key disabled, writing and reading fail
// with a *KMSError naming the key and the operation, wrapping ErrKeyService,
// and not ErrIntegrity.
func TestKMSLocalDisabledKey(t *testing.T) {
	client, keyARN := localKey(t)
	enc := crypto.NewEncryptor(newDirectKMS(t, cmp.DirectKMSConfig{Client: client, KeyID: keyARN}))
	c := testenv.GuideContext("t")
	stored, err := enc.EncryptItem(t.Context(), testenv.GuideItem(), testenv.GuideActions(), c)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := client.DisableKey(t.Context(), &kms.DisableKeyInput{KeyId: &keyARN}); err != nil {
		t.Fatal(err)
	}
	_, err = enc.EncryptItem(t.Context(), testenv.GuideItem(), testenv.GuideActions(), c)
	wantKMSError(t, err, keyARN, "GenerateDataKey")
	t.Logf("encrypt: %v", err)
	_, err = enc.DecryptItem(t.Context(), stored, testenv.GuideActions(), c)
	wantKMSError(t, err, keyARN, "Decrypt")
	t.Logf("decrypt: %v", err)
	if errors.Is(err, ddbcrypt.ErrIntegrity) {
		t.Errorf("a disabled key looks like tampering: %v", err)
	}
	var disabled *kmstypes.DisabledException
	if !errors.As(err, &disabled) {
		t.Errorf("errors.As does not reach the SDK's DisabledException: %v", err)
	}
	if msg := err.Error(); !strings.Contains(msg, keyARN) || !strings.Contains(msg, "Decrypt") {
		t.Errorf("message %q does not name the key and the operation", msg)
	}

	// Enabled again, the item reads.
	if _, err := client.EnableKey(t.Context(), &kms.EnableKeyInput{KeyId: &keyARN}); err != nil {
		t.Fatal(err)
	}
	if _, err := enc.DecryptItem(t.Context(), stored, testenv.GuideActions(), c); err != nil {
		t.Errorf("after EnableKey: %v", err)
	}
}

// TestKMSLocalUnreachable: no KMS at the endpoint is a *KMSError.
func TestKMSLocalUnreachable(t *testing.T) {
	client, keyARN := localKey(t)
	stored, err := crypto.NewEncryptor(newDirectKMS(t, cmp.DirectKMSConfig{Client: client, KeyID: keyARN})).
		EncryptItem(t.Context(), testenv.GuideItem(), testenv.GuideActions(), testenv.GuideContext("t"))
	if err != nil {
		t.Fatal(err)
	}
	dead := kms.New(client.Options(), func(o *kms.Options) {
		o.BaseEndpoint = aws.String("http://127.0.0.1:1")
		o.Retryer = aws.NopRetryer{}
	})
	enc := crypto.NewEncryptor(newDirectKMS(t, cmp.DirectKMSConfig{Client: dead, KeyID: keyARN}))
	_, err = enc.EncryptItem(t.Context(), testenv.GuideItem(), testenv.GuideActions(), testenv.GuideContext("t"))
	wantKMSError(t, err, keyARN, "GenerateDataKey")
	_, err = enc.DecryptItem(t.Context(), stored, testenv.GuideActions(), testenv.GuideContext("t"))
	wantKMSError(t, err, keyARN, "Decrypt")
	t.Logf("unreachable: %v", err)

	// A cancelled context is reported the same way, and is context.Canceled.
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	_, err = crypto.NewEncryptor(newDirectKMS(t, cmp.DirectKMSConfig{Client: client, KeyID: keyARN})).
		DecryptItem(ctx, stored, testenv.GuideActions(), testenv.GuideContext("t"))
	wantKMSError(t, err, keyARN, "Decrypt")
	if !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: %v", err)
	}
}

// TestKMSLocalNumberKeys: an item written with number keys in
// non-canonical form ("1.0", "1E2") is read back from DynamoDB Local with
// the canonical text ("1", "100") and decrypts (docs/format.md 11 item 8, 13 Q2).
func TestKMSLocalNumberKeys(t *testing.T) {
	db, table, p, kmsc := localKMSTable(t, testenv.N("pk"), testenv.N("sk"))
	enc := crypto.NewEncryptor(p)
	c := crypto.Context{TableName: table, PartitionKeyName: "pk", SortKeyName: "sk"}
	for _, tc := range []struct{ pk, sk, wantPK, wantSK string }{
		{"1.0", "1E2", "1", "100"},
		{"-0", "0.50", "0", "0.5"},
		{"007", "-1.0E-5", "7", "-0.00001"},
	} {
		item := map[string]types.AttributeValue{
			"pk":     &types.AttributeValueMemberN{Value: tc.pk},
			"sk":     &types.AttributeValueMemberN{Value: tc.sk},
			"secret": &types.AttributeValueMemberS{Value: "s3cr3t " + tc.pk},
		}
		stored, err := enc.EncryptItem(t.Context(), item, testenv.GuideActions(), c)
		if err != nil {
			t.Fatal(err)
		}
		if call := kmsc.last(); call.Context["pk"] != tc.wantPK || call.Context["sk"] != tc.wantSK {
			t.Errorf("context holds pk=%q sk=%q, want %q %q", call.Context["pk"], call.Context["sk"], tc.wantPK, tc.wantSK)
		}
		if _, err := db.PutItem(t.Context(), &dynamodb.PutItemInput{TableName: &table, Item: stored}); err != nil {
			t.Fatal(err)
		}
		got, err := db.GetItem(t.Context(), &dynamodb.GetItemInput{TableName: &table, ConsistentRead: aws.Bool(true),
			Key: map[string]types.AttributeValue{"pk": item["pk"], "sk": item["sk"]}})
		if err != nil {
			t.Fatal(err)
		}
		if pk, sk := got.Item["pk"].(*types.AttributeValueMemberN).Value, got.Item["sk"].(*types.AttributeValueMemberN).Value; pk != tc.wantPK || sk != tc.wantSK {
			t.Errorf("DynamoDB returned pk=%q sk=%q, want %q %q", pk, sk, tc.wantPK, tc.wantSK)
		}
		plain, err := enc.DecryptItem(t.Context(), got.Item, testenv.GuideActions(), c)
		if err != nil {
			t.Fatalf("pk %s sk %s as read back: %v", tc.pk, tc.sk, err)
		}
		if s := plain["secret"].(*types.AttributeValueMemberS).Value; s != "s3cr3t "+tc.pk {
			t.Errorf("secret = %q", s)
		}
	}
}

// TestKMSLocalMapper: Save and Load through the mapper, one KMS call each.
func TestKMSLocalMapper(t *testing.T) {
	db, name, p, kmsc := localKMSTable(t, testenv.S("partition_attribute"), testenv.N("sort_attribute"))
	m := mapper.New(db, p)
	table, err := mapper.NewTable[testenv.GuideRecord](m, mapper.WithTableName(name))
	if err != nil {
		t.Fatal(err)
	}
	in := testenv.GuideRecord{PartitionAttribute: "is this", SortAttribute: 55, Example: "data", SomeNumbers: 99, SomeBinary: []byte{0, 1, 2}, LeaveMe: "alone"}
	if err := table.Save(t.Context(), &in); err != nil {
		t.Fatal(err)
	}
	kmsc.wantCalls(t, 1, 0)
	out := testenv.GuideRecord{PartitionAttribute: "is this", SortAttribute: 55}
	if err := table.Load(t.Context(), &out, mapper.ConsistentRead()); err != nil {
		t.Fatal(err)
	}
	kmsc.wantCalls(t, 1, 1)
	if fmt.Sprint(in) != fmt.Sprint(out) {
		t.Errorf("loaded %+v, saved %+v", out, in)
	}
	raw, err := db.GetItem(t.Context(), &dynamodb.GetItemInput{TableName: &name, ConsistentRead: aws.Bool(true), Key: map[string]types.AttributeValue{
		"partition_attribute": &types.AttributeValueMemberS{Value: "is this"},
		"sort_attribute":      &types.AttributeValueMemberN{Value: "55"},
	}})
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := raw.Item["example"].(*types.AttributeValueMemberB); !ok {
		t.Errorf("example is stored as %T, want encrypted bytes", raw.Item["example"])
	}
	if d := storedDescription(t, raw.Item); d["amzn-ddb-wrap-alg"] != "kms" || d["amzn-ddb-env-alg"] != "AES/256" {
		t.Errorf("stored description %v", d)
	}
}

// TestKMSLocalCache: with the data-key cache, the same item read many
// times costs one Decrypt, concurrent first reads one Decrypt, and expiry
// by TTL or use count a new one.
func TestKMSLocalCache(t *testing.T) {
	client, keyARN := localKey(t)
	kmsc := newCountingKMS(client)
	p := newDirectKMS(t, cmp.DirectKMSConfig{Client: kmsc, KeyID: keyARN, Cache: &cmp.DataKeyCacheConfig{TTL: time.Minute, MaxUses: 50}})
	now := time.Now()
	var clockMu sync.Mutex
	cmp.SetDataKeyCacheClock(p, func() time.Time { clockMu.Lock(); defer clockMu.Unlock(); return now })
	advance := func(d time.Duration) { clockMu.Lock(); now = now.Add(d); clockMu.Unlock() }
	enc := crypto.NewEncryptor(p)
	c := testenv.GuideContext("t")
	write := func(sk int) map[string]types.AttributeValue {
		item := testenv.GuideItem()
		item["sort_attribute"] = &types.AttributeValueMemberN{Value: fmt.Sprint(sk)}
		s, err := enc.EncryptItem(t.Context(), item, testenv.GuideActions(), c)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	read := func(s map[string]types.AttributeValue) {
		t.Helper()
		if _, err := enc.DecryptItem(t.Context(), s, testenv.GuideActions(), c); err != nil {
			t.Fatal(err)
		}
	}

	// The same item read 10 times: one Decrypt.
	a := write(1)
	kmsc.reset()
	for range 10 {
		read(a)
	}
	kmsc.wantCalls(t, 0, 1)

	// 16 concurrent first reads of another item: one Decrypt.
	b := write(2)
	kmsc.reset()
	var wg sync.WaitGroup
	start := make(chan struct{})
	for range 16 {
		wg.Go(func() {
			<-start
			if _, err := enc.DecryptItem(t.Context(), b, testenv.GuideActions(), c); err != nil {
				t.Error(err)
			}
		})
	}
	close(start)
	wg.Wait()
	kmsc.wantCalls(t, 0, 1)

	// TTL: a minute later, a new call.
	kmsc.reset()
	advance(59 * time.Second)
	read(a)
	kmsc.wantCalls(t, 0, 0)
	advance(2 * time.Second)
	read(a)
	kmsc.wantCalls(t, 0, 1)

	// Uses: 50 reads per call.
	kmsc.reset()
	cc := write(3)
	kmsc.reset()
	for range 120 {
		read(cc)
	}
	kmsc.wantCalls(t, 0, 3)
}
