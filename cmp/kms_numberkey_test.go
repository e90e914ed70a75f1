package cmp_test

// Number key values in the KMS encryption context (docs/format.md 7.5.2, 11
// item 8, 13 Q2): the references put the text as given into the context,
// ddbcrypt the canonical text; a reader tries the text as stored first and
// the canonical text once more only when KMS refuses the context.

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	kmstypes "github.com/aws/aws-sdk-go-v2/service/kms/types"

	"github.com/ddbcrypt/ddbcrypt"
	"github.com/ddbcrypt/ddbcrypt/cmp"
	"github.com/ddbcrypt/ddbcrypt/crypto"
	"github.com/ddbcrypt/ddbcrypt/internal/testing/testenv"
)

// asGivenKMS makes a writer behave like the Python and Java references: on
// GenerateDataKey it replaces the context values of the named attributes
// with the given text, which is what those writers send for a number key
// written that way. Everything else the writer does is the same in ddbcrypt
// and the references.
type asGivenKMS struct {
	cmp.KMSClient
	asGiven map[string]string
}

func (a *asGivenKMS) GenerateDataKey(ctx context.Context, in *kms.GenerateDataKeyInput, o ...func(*kms.Options)) (*kms.GenerateDataKeyOutput, error) {
	c := maps.Clone(in.EncryptionContext)
	maps.Copy(c, a.asGiven)
	in2 := *in
	in2.EncryptionContext = c
	return a.KMSClient.GenerateDataKey(ctx, &in2, o...)
}

// scriptedKMS fails the nth Decrypt call with errs[n] when that is set,
// and passes the others on. before, if set, runs before every Decrypt call.
type scriptedKMS struct {
	cmp.KMSClient
	errs   []error
	before func(n int)

	mu sync.Mutex
	n  int
}

func (s *scriptedKMS) Decrypt(ctx context.Context, in *kms.DecryptInput, o ...func(*kms.Options)) (*kms.DecryptOutput, error) {
	s.mu.Lock()
	n := s.n
	s.n++
	s.mu.Unlock()
	if s.before != nil {
		s.before(n)
	}
	if n < len(s.errs) && s.errs[n] != nil {
		return nil, s.errs[n]
	}
	return s.KMSClient.Decrypt(ctx, in, o...)
}

var numberKeyContext = crypto.Context{TableName: "t", PartitionKeyName: "pk", SortKeyName: "sk"}

// numberKeyItem encrypts an item keyed pk=pk, sk=sk with a writer that puts
// asGiven (attribute → text) into the KMS context instead of the canonical
// text; nil asGiven is ddbcrypt's own writer. It returns the stored item.
func numberKeyItem(t *testing.T, kmsc cmp.KMSClient, keyID, pk, sk string, asGiven map[string]string) map[string]types.AttributeValue {
	t.Helper()
	w := kmsc
	if asGiven != nil {
		w = &asGivenKMS{KMSClient: kmsc, asGiven: asGiven}
	}
	enc := crypto.NewEncryptor(newDirectKMS(t, cmp.DirectKMSConfig{Client: w, KeyID: keyID}))
	stored, err := enc.EncryptItem(t.Context(), map[string]types.AttributeValue{
		"pk":     &types.AttributeValueMemberN{Value: pk},
		"sk":     &types.AttributeValueMemberN{Value: sk},
		"secret": &types.AttributeValueMemberS{Value: "s3cr3t " + sk},
	}, testenv.GuideActions(), numberKeyContext)
	if err != nil {
		t.Fatal(err)
	}
	if got := stored["sk"].(*types.AttributeValueMemberN).Value; got != sk {
		t.Fatalf("the stored item holds sk %q, want it as written, %q", got, sk)
	}
	return stored
}

// withKeys returns a copy of item with pk and sk holding the given text.
func withKeys(item map[string]types.AttributeValue, pk, sk string) map[string]types.AttributeValue {
	out := maps.Clone(item)
	out["pk"] = &types.AttributeValueMemberN{Value: pk}
	out["sk"] = &types.AttributeValueMemberN{Value: sk}
	return out
}

// keyContext is the KMS context of an item in numberKeyContext's table.
func keyContext(pk, sk string) map[string]string {
	return map[string]string{"*amzn-ddb-env-alg*": "AES/256", "*amzn-ddb-sig-alg*": "HmacSHA256/256", "*aws-kms-table*": "t", "pk": pk, "sk": sk}
}

// decryptContexts returns the encryption contexts of the Decrypt calls
// kmsc recorded, in order.
func decryptContexts(kmsc *countingKMS) []map[string]string {
	kmsc.mu.Lock()
	defer kmsc.mu.Unlock()
	var out []map[string]string
	for _, c := range kmsc.calls {
		if c.Op == "Decrypt" {
			out = append(out, c.Context)
		}
	}
	return out
}

func wantDecryptContexts(t *testing.T, kmsc *countingKMS, want ...map[string]string) {
	t.Helper()
	got := decryptContexts(kmsc)
	if len(got) != len(want) {
		t.Fatalf("%d Decrypt calls with contexts %v, want %d: %v", len(got), got, len(want), want)
	}
	for i := range got {
		if !maps.Equal(got[i], want[i]) {
			t.Errorf("Decrypt call %d with context %v, want %v", i+1, got[i], want[i])
		}
	}
}

// TestDirectKMSNumberKeyAsStored: the reader sends the number text as the
// item holds it first; only when that is not canonical and KMS refuses the
// context, it sends the canonical text once more.
func TestDirectKMSNumberKeyAsStored(t *testing.T) {
	for _, tc := range []struct {
		name           string
		pk, sk         string            // as written and stored
		asGiven        map[string]string // the writer's context text; nil: ddbcrypt (canonical)
		readPK, readSK string            // the item as read, if it differs
		want           [][2]string       // pk and sk of each Decrypt call's context
		integrity      bool
	}{
		{name: "canonical", pk: "1", sk: "7.5", want: [][2]string{{"1", "7.5"}}},
		{name: "reference 7.50", pk: "1", sk: "7.50", asGiven: map[string]string{"sk": "7.50"}, want: [][2]string{{"1", "7.50"}}},
		{name: "reference 645.400", pk: "1", sk: "645.400", asGiven: map[string]string{"sk": "645.400"}, want: [][2]string{{"1", "645.400"}}},
		{name: "reference 1E+3", pk: "1", sk: "1E+3", asGiven: map[string]string{"sk": "1E+3"}, want: [][2]string{{"1", "1E+3"}}},
		{name: "reference both keys", pk: "01", sk: "-0.0", asGiven: map[string]string{"pk": "01", "sk": "-0.0"}, want: [][2]string{{"01", "-0.0"}}},
		{name: "ddbcrypt 7.50", pk: "1", sk: "7.50", want: [][2]string{{"1", "7.50"}, {"1", "7.5"}}},
		{name: "ddbcrypt 1E+3", pk: "1.0", sk: "1E+3", want: [][2]string{{"1.0", "1E+3"}, {"1", "1000"}}},
		{name: "ddbcrypt 7.50 read from DynamoDB", pk: "1", sk: "7.50", readPK: "1", readSK: "7.5", want: [][2]string{{"1", "7.5"}}},
		{name: "reference 7.50 changed to 8.50", pk: "1", sk: "7.50", asGiven: map[string]string{"sk": "7.50"}, readPK: "1", readSK: "8.50",
			want: [][2]string{{"1", "8.50"}, {"1", "8.5"}}, integrity: true},
		{name: "ddbcrypt 7.5 changed to 7.50", pk: "1", sk: "7.5", readPK: "1", readSK: "7.50",
			want: [][2]string{{"1", "7.50"}, {"1", "7.5"}}}, // the same number: the signature covers canonical text
	} {
		t.Run(tc.name, func(t *testing.T) {
			kmsc := newCountingKMS(&fakeKMS{})
			stored := numberKeyItem(t, kmsc, fakeKeyID, tc.pk, tc.sk, tc.asGiven)
			if tc.readSK != "" {
				stored = withKeys(stored, tc.readPK, tc.readSK)
			}
			kmsc.reset()
			enc := crypto.NewEncryptor(newDirectKMS(t, cmp.DirectKMSConfig{Client: kmsc, KeyID: fakeKeyID}))
			got, err := enc.DecryptItem(t.Context(), stored, testenv.GuideActions(), numberKeyContext)
			var want []map[string]string
			for _, w := range tc.want {
				want = append(want, keyContext(w[0], w[1]))
			}
			wantDecryptContexts(t, kmsc, want...)
			if tc.integrity {
				wantIntegrity(t, err)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if s := got["secret"].(*types.AttributeValueMemberS).Value; s != "s3cr3t "+tc.sk {
				t.Errorf("secret = %q", s)
			}
		})
	}
}

// TestDirectKMSNumberKeyNoRetry: only InvalidCiphertextException, KMS's
// answer to a context mismatch, makes the reader try the canonical text;
// any other failure of the first call is returned at once, and a failure
// of the second is returned as it is.
func TestDirectKMSNumberKeyNoRetry(t *testing.T) {
	mismatch := &kmstypes.InvalidCiphertextException{Message: aws.String("context mismatch")}
	throttled := &kmstypes.LimitExceededException{Message: aws.String("slow down")}
	for _, tc := range []struct {
		name      string
		errs      []error
		cancel    bool // cancel the read's context during the first call
		calls     int
		integrity bool
		wantErr   error // wrapped by the *KMSError
	}{
		{name: "throttled", errs: []error{throttled}, calls: 1, wantErr: throttled},
		{name: "access denied", errs: []error{fmt.Errorf("operation error KMS: Decrypt, AccessDeniedException: not allowed")}, calls: 1},
		{name: "disabled", errs: []error{&kmstypes.DisabledException{Message: aws.String("disabled")}}, calls: 1},
		{name: "invalid state", errs: []error{&kmstypes.KMSInvalidStateException{Message: aws.String("pending deletion")}}, calls: 1},
		{name: "network", errs: []error{fmt.Errorf("dial tcp 127.0.0.1:1: connection refused")}, calls: 1},
		{name: "context deadline", errs: []error{context.DeadlineExceeded}, calls: 1, wantErr: context.DeadlineExceeded},
		{name: "incorrect key", errs: []error{&kmstypes.IncorrectKeyException{Message: aws.String("other key")}}, calls: 1, integrity: true},
		{name: "mismatch then throttled", errs: []error{nil, throttled}, calls: 2, wantErr: throttled},
		{name: "mismatch, then the read is cancelled", errs: []error{mismatch}, cancel: true, calls: 1, wantErr: context.Canceled},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fake := &fakeKMS{}
			// A ddbcrypt-written item holding 7.50: its context used 7.5, so
			// the first call (with 7.50) is refused by the fake KMS itself
			// unless errs says otherwise.
			stored := numberKeyItem(t, fake, fakeKeyID, "1", "7.50", nil)
			ctx, cancel := context.WithCancel(t.Context())
			defer cancel()
			script := &scriptedKMS{KMSClient: fake, errs: tc.errs}
			if tc.cancel {
				script.before = func(int) { cancel() }
			}
			kmsc := newCountingKMS(script)
			enc := crypto.NewEncryptor(newDirectKMS(t, cmp.DirectKMSConfig{Client: kmsc, KeyID: fakeKeyID}))
			_, err := enc.DecryptItem(ctx, stored, testenv.GuideActions(), numberKeyContext)
			kmsc.wantCalls(t, 0, tc.calls)
			if got := decryptContexts(kmsc); !maps.Equal(got[0], keyContext("1", "7.50")) {
				t.Errorf("first Decrypt context %v, want the text as stored", got[0])
			}
			if tc.integrity {
				wantIntegrity(t, err)
				return
			}
			wantKMSError(t, err, fakeKeyID, "Decrypt")
			if errors.Is(err, ddbcrypt.ErrIntegrity) {
				t.Errorf("a KMS failure must not look like tampering: %v", err)
			}
			if tc.wantErr != nil && !errors.Is(err, tc.wantErr) {
				t.Errorf("error %v does not wrap %v", err, tc.wantErr)
			}
		})
	}
}

// TestDataKeyCacheNumberKey: the cache keys a data key on the context KMS
// accepted, and a warm read of an item whose number key is not canonical
// makes no KMS call.
func TestDataKeyCacheNumberKey(t *testing.T) {
	t.Run("ddbcrypt-written 7.50", func(t *testing.T) {
		fake := &fakeKMS{}
		stored := numberKeyItem(t, fake, fakeKeyID, "1", "7.50", nil)
		kmsc := newCountingKMS(fake)
		p := cachedProvider(t, kmsc, cmp.DataKeyCacheConfig{TTL: time.Hour})
		enc := crypto.NewEncryptor(p)
		for i, item := range []map[string]types.AttributeValue{
			stored,                         // cold: 7.50 refused, 7.5 accepted
			stored,                         // warm
			withKeys(stored, "1", "7.5"),   // as DynamoDB returns it
			withKeys(stored, "1", "7.500"), // another text of the same number
		} {
			if _, err := enc.DecryptItem(t.Context(), item, testenv.GuideActions(), numberKeyContext); err != nil {
				t.Fatalf("read %d: %v", i+1, err)
			}
			if i == 0 {
				wantDecryptContexts(t, kmsc, keyContext("1", "7.50"), keyContext("1", "7.5"))
				kmsc.reset()
			}
		}
		kmsc.wantCalls(t, 0, 0)
		if n := cmp.DataKeyCacheLen(p); n != 1 {
			t.Errorf("%d cached data keys, want 1", n)
		}
	})
	t.Run("reference-written 7.50", func(t *testing.T) {
		fake := &fakeKMS{}
		stored := numberKeyItem(t, fake, fakeKeyID, "1", "7.50", map[string]string{"sk": "7.50"})
		kmsc := newCountingKMS(fake)
		p := cachedProvider(t, kmsc, cmp.DataKeyCacheConfig{TTL: time.Hour})
		enc := crypto.NewEncryptor(p)
		for i := range 2 {
			if _, err := enc.DecryptItem(t.Context(), stored, testenv.GuideActions(), numberKeyContext); err != nil {
				t.Fatalf("read %d: %v", i+1, err)
			}
		}
		wantDecryptContexts(t, kmsc, keyContext("1", "7.50"))
		kmsc.reset()
		// Cached under the context with 7.50 only: the same data key read
		// with the canonical 7.5 goes to KMS, which refuses it.
		_, err := enc.DecryptItem(t.Context(), withKeys(stored, "1", "7.5"), testenv.GuideActions(), numberKeyContext)
		wantIntegrity(t, err)
		wantDecryptContexts(t, kmsc, keyContext("1", "7.5"))
	})
}
