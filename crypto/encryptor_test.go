package crypto_test

import (
	"context"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/ddbcrypt/ddbcrypt"
	"github.com/ddbcrypt/ddbcrypt/cmp"
	"github.com/ddbcrypt/ddbcrypt/crypto"
	"github.com/ddbcrypt/ddbcrypt/internal/testing/testenv"
	gocmp "github.com/google/go-cmp/cmp"
)

var (
	testAESKey  = []byte("0123456789abcdef0123456789abcdef")
	testHMACKey = []byte("an hmac key of some length")
)

func staticProvider(t testing.TB) cmp.Provider {
	t.Helper()
	return testenv.NewStatic(t, testAESKey, testHMACKey)
}

func wrappedProvider(t testing.TB) cmp.Provider {
	t.Helper()
	return testenv.NewWrapped(t, testAESKey[:16], testHMACKey, nil)
}

var testContext = crypto.Context{TableName: "my-table", PartitionKeyName: "partition_attribute", SortKeyName: "sort_attribute"}

// The guide's example item.
func exampleItem() map[string]types.AttributeValue {
	return map[string]types.AttributeValue{
		"partition_attribute": &types.AttributeValueMemberS{Value: "is this"},
		"sort_attribute":      &types.AttributeValueMemberN{Value: "55"},
		"example":             &types.AttributeValueMemberS{Value: "data"},
		"numbers":             &types.AttributeValueMemberN{Value: "99"},
		"binary":              &types.AttributeValueMemberB{Value: []byte{0x00, 0x01, 0x02}},
		"test":                &types.AttributeValueMemberS{Value: "test-value"},
		"set":                 &types.AttributeValueMemberSS{Value: []string{"b", "a"}},
		"nested": &types.AttributeValueMemberM{Value: map[string]types.AttributeValue{
			"list": &types.AttributeValueMemberL{Value: []types.AttributeValue{&types.AttributeValueMemberBOOL{Value: true}, &types.AttributeValueMemberNULL{Value: true}}},
		}},
	}
}

var exampleActions = crypto.AttributeActions{
	Default:   crypto.EncryptAndSign,
	Overrides: map[string]crypto.Action{"test": crypto.SignOnly, "numbers": crypto.DoNothing},
}

func encryptExample(t *testing.T, e *crypto.Encryptor) map[string]types.AttributeValue {
	t.Helper()
	enc, err := e.EncryptItem(context.Background(), exampleItem(), exampleActions, testContext)
	if err != nil {
		t.Fatal(err)
	}
	return enc
}

func TestRoundTrip(t *testing.T) {
	for name, p := range map[string]cmp.Provider{"static": staticProvider(t), "wrapped": wrappedProvider(t)} {
		t.Run(name, func(t *testing.T) {
			e := crypto.NewEncryptor(p)
			plain := exampleItem()
			enc := encryptExample(t, e)
			if diff := gocmp.Diff(plainItem(exampleItem()), plainItem(plain)); diff != "" {
				t.Fatalf("EncryptItem modified its input (-want +got):\n%s", diff)
			}
			// Keys, sign-only and do-nothing attributes stay plaintext;
			// everything else is binary; both reserved attributes are there.
			for _, name := range []string{"partition_attribute", "sort_attribute", "test", "numbers"} {
				if diff := gocmp.Diff(plainValue(plain[name]), plainValue(enc[name])); diff != "" {
					t.Errorf("%s changed (-want +got):\n%s", name, diff)
				}
			}
			for _, name := range []string{"example", "binary", "set", "nested", crypto.SignatureAttribute, crypto.DescriptionAttribute} {
				if _, ok := enc[name].(*types.AttributeValueMemberB); !ok {
					t.Errorf("%s is %T, want binary", name, enc[name])
				}
			}
			if len(enc) != len(plain)+2 {
				t.Errorf("encrypted item has %d attributes, want %d: %v", len(enc), len(plain)+2, plainItem(enc))
			}
			dec, err := e.DecryptItem(context.Background(), enc, exampleActions, testContext)
			if err != nil {
				t.Fatal(err)
			}
			if diff := gocmp.Diff(plainItem(exampleItem()), plainItem(dec)); diff != "" {
				t.Errorf("round trip (-want +got):\n%s", diff)
			}
		})
	}
}

// plainValue converts an attribute value to plain Go values that go-cmp
// compares by content, independently of the serialization under test: each
// value is tagged with its type, sets are sorted, maps and lists recurse.
func plainValue(av types.AttributeValue) any {
	tagged := func(tag string, v any) any { return map[string]any{tag: v} }
	sorted := func(ss []string) []string {
		ss = slices.Clone(ss)
		slices.Sort(ss)
		return ss
	}
	switch v := av.(type) {
	case nil:
		return nil
	case *types.AttributeValueMemberS:
		return tagged("S", v.Value)
	case *types.AttributeValueMemberN:
		return tagged("N", v.Value)
	case *types.AttributeValueMemberB:
		return tagged("B", hex.EncodeToString(v.Value))
	case *types.AttributeValueMemberBOOL:
		return tagged("BOOL", v.Value)
	case *types.AttributeValueMemberNULL:
		return tagged("NULL", v.Value)
	case *types.AttributeValueMemberSS:
		return tagged("SS", sorted(v.Value))
	case *types.AttributeValueMemberNS:
		return tagged("NS", sorted(v.Value))
	case *types.AttributeValueMemberBS:
		bs := make([]string, len(v.Value))
		for i, b := range v.Value {
			bs[i] = hex.EncodeToString(b)
		}
		return tagged("BS", sorted(bs))
	case *types.AttributeValueMemberL:
		l := make([]any, len(v.Value))
		for i, x := range v.Value {
			l[i] = plainValue(x)
		}
		return tagged("L", l)
	case *types.AttributeValueMemberM:
		return tagged("M", plainItem(v.Value))
	}
	return fmt.Sprintf("unknown %T", av)
}

// plainItem converts an item with plainValue; nil stays nil.
func plainItem(item map[string]types.AttributeValue) map[string]any {
	if item == nil {
		return nil
	}
	out := make(map[string]any, len(item))
	for k, v := range item {
		out[k] = plainValue(v)
	}
	return out
}

func TestEncryptedValuesDiffer(t *testing.T) {
	e := crypto.NewEncryptor(staticProvider(t))
	a, b := encryptExample(t, e), encryptExample(t, e)
	if gocmp.Equal(plainValue(a["example"]), plainValue(b["example"])) {
		t.Error("two encryptions of the same value are equal: the IV is not fresh")
	}
}

func TestTamperingIsRejected(t *testing.T) {
	flip := func(b []byte, i int) []byte {
		b = append([]byte(nil), b...)
		b[i] ^= 1
		return b
	}
	binary := func(item map[string]types.AttributeValue, name string) []byte {
		return item[name].(*types.AttributeValueMemberB).Value
	}
	editDescription := func(edit func(map[string]string)) func(map[string]types.AttributeValue) {
		return func(item map[string]types.AttributeValue) {
			d, err := crypto.DecodeMaterialDescription(binary(item, crypto.DescriptionAttribute))
			if err != nil {
				panic(err)
			}
			edit(d)
			item[crypto.DescriptionAttribute] = &types.AttributeValueMemberB{Value: crypto.EncodeMaterialDescription(d)}
		}
	}
	tampers := map[string]func(item map[string]types.AttributeValue){
		"flipped ciphertext byte (IV)": func(it map[string]types.AttributeValue) {
			it["example"] = &types.AttributeValueMemberB{Value: flip(binary(it, "example"), 0)}
		},
		"flipped ciphertext byte (last)": func(it map[string]types.AttributeValue) {
			b := binary(it, "example")
			it["example"] = &types.AttributeValueMemberB{Value: flip(b, len(b)-1)}
		},
		"changed signed plaintext": func(it map[string]types.AttributeValue) {
			it["test"] = &types.AttributeValueMemberS{Value: "test-valuf"}
		},
		"changed key": func(it map[string]types.AttributeValue) {
			it["sort_attribute"] = &types.AttributeValueMemberN{Value: "56"}
		},
		"added signed attribute":      func(it map[string]types.AttributeValue) { it["extra"] = &types.AttributeValueMemberS{Value: "x"} },
		"removed signed attribute":    func(it map[string]types.AttributeValue) { delete(it, "test") },
		"removed encrypted attribute": func(it map[string]types.AttributeValue) { delete(it, "binary") },
		"swapped encrypted values":    func(it map[string]types.AttributeValue) { it["example"], it["binary"] = it["binary"], it["example"] },
		"truncated signature": func(it map[string]types.AttributeValue) {
			b := binary(it, crypto.SignatureAttribute)
			it[crypto.SignatureAttribute] = &types.AttributeValueMemberB{Value: b[:len(b)-1]}
		},
		"replaced signature": func(it map[string]types.AttributeValue) {
			it[crypto.SignatureAttribute] = &types.AttributeValueMemberB{Value: make([]byte, 32)}
		},
		"empty signature": func(it map[string]types.AttributeValue) {
			it[crypto.SignatureAttribute] = &types.AttributeValueMemberB{Value: nil}
		},
		"missing signature": func(it map[string]types.AttributeValue) { delete(it, crypto.SignatureAttribute) },
		"altered wrapped key": editDescription(func(d map[string]string) {
			k, _ := base64.StdEncoding.DecodeString(d[cmp.DescEnvelopeKey])
			d[cmp.DescEnvelopeKey] = base64.StdEncoding.EncodeToString(flip(k, 3))
		}),
		"altered content key size": editDescription(func(d map[string]string) { d[cmp.DescEnvelopeAlgorithm] = "AES/128" }),
	}
	for provider, p := range map[string]cmp.Provider{"static": staticProvider(t), "wrapped": wrappedProvider(t)} {
		e := crypto.NewEncryptor(p)
		for name, tamper := range tampers {
			if provider == "static" && strings.HasPrefix(name, "altered") {
				continue // the static provider's keys do not depend on the description
			}
			t.Run(provider+"/"+name, func(t *testing.T) {
				item := encryptExample(t, e)
				tamper(item)
				dec, err := e.DecryptItem(context.Background(), item, exampleActions, testContext)
				if !errors.Is(err, ddbcrypt.ErrIntegrity) {
					t.Fatalf("DecryptItem = %v, %v; want ErrIntegrity", dec, err)
				}
			})
		}
		t.Run(provider+"/other table", func(t *testing.T) {
			other := testContext
			other.TableName = "other-table"
			if _, err := e.DecryptItem(context.Background(), encryptExample(t, e), exampleActions, other); !errors.Is(err, ddbcrypt.ErrIntegrity) {
				t.Fatalf("read under another table name: err = %v, want ErrIntegrity", err)
			}
		})
		t.Run(provider+"/other actions", func(t *testing.T) {
			actions := crypto.AttributeActions{Default: crypto.EncryptAndSign, Overrides: map[string]crypto.Action{"test": crypto.EncryptAndSign, "numbers": crypto.DoNothing}}
			if _, err := e.DecryptItem(context.Background(), encryptExample(t, e), actions, testContext); !errors.Is(err, ddbcrypt.ErrIntegrity) {
				t.Fatalf("read with another action for a signed attribute: err = %v, want ErrIntegrity", err)
			}
		})
	}
}

// Integrity errors must not tell their causes apart.
func TestIntegrityErrorsAreIndistinguishable(t *testing.T) {
	e := crypto.NewEncryptor(wrappedProvider(t))
	var messages []string
	for _, tamper := range []func(map[string]types.AttributeValue){
		func(it map[string]types.AttributeValue) { it["test"] = &types.AttributeValueMemberS{Value: "x"} },
		func(it map[string]types.AttributeValue) {
			d, _ := crypto.DecodeMaterialDescription(it[crypto.DescriptionAttribute].(*types.AttributeValueMemberB).Value)
			d[cmp.DescEnvelopeKey] = base64.StdEncoding.EncodeToString(make([]byte, 40))
			it[crypto.DescriptionAttribute] = &types.AttributeValueMemberB{Value: crypto.EncodeMaterialDescription(d)}
		},
	} {
		item := encryptExample(t, e)
		tamper(item)
		_, err := e.DecryptItem(context.Background(), item, exampleActions, testContext)
		messages = append(messages, err.Error())
	}
	if messages[0] != messages[1] {
		t.Errorf("a bad signature and a bad wrapped key give different errors:\n%s\n%s", messages[0], messages[1])
	}
}

func TestDoNothingPassesThrough(t *testing.T) {
	e := crypto.NewEncryptor(staticProvider(t))
	nothing := crypto.AttributeActions{Default: crypto.DoNothing}
	item := exampleItem()
	enc, err := e.EncryptItem(context.Background(), item, nothing, testContext)
	if err != nil {
		t.Fatal(err)
	}
	if !maps.Equal(enc, item) {
		t.Error("an all-DO_NOTHING item changed on encryption")
	}
	dec, err := e.DecryptItem(context.Background(), item, nothing, testContext)
	if err != nil || !maps.Equal(dec, item) {
		t.Errorf("an all-DO_NOTHING item changed on decryption: %v", err)
	}
}

func TestRefusals(t *testing.T) {
	e := crypto.NewEncryptor(staticProvider(t))
	ctx := context.Background()
	withAttr := func(name string, av types.AttributeValue) map[string]types.AttributeValue {
		it := exampleItem()
		it[name] = av
		return it
	}
	tests := []struct {
		name      string
		item      map[string]types.AttributeValue
		actions   crypto.AttributeActions
		c         crypto.Context
		kind      error
		attribute string
	}{
		{"encrypted partition key", exampleItem(), crypto.AttributeActions{Default: crypto.EncryptAndSign, Overrides: map[string]crypto.Action{"partition_attribute": crypto.EncryptAndSign}}, testContext, ddbcrypt.ErrInvalidConfig, "partition_attribute"},
		{"encrypted sort key", exampleItem(), crypto.AttributeActions{Default: crypto.SignOnly, Overrides: map[string]crypto.Action{"sort_attribute": crypto.EncryptAndSign}}, testContext, ddbcrypt.ErrInvalidConfig, "sort_attribute"},
		{"reserved signature name", withAttr(crypto.SignatureAttribute, &types.AttributeValueMemberS{Value: "x"}), exampleActions, testContext, ddbcrypt.ErrInvalidItem, crypto.SignatureAttribute},
		{"reserved description name", withAttr(crypto.DescriptionAttribute, &types.AttributeValueMemberS{Value: "x"}), exampleActions, testContext, ddbcrypt.ErrInvalidItem, crypto.DescriptionAttribute},
		{"action for a reserved name", exampleItem(), crypto.AttributeActions{Default: crypto.SignOnly, Overrides: map[string]crypto.Action{crypto.SignatureAttribute: crypto.SignOnly}}, testContext, ddbcrypt.ErrInvalidConfig, crypto.SignatureAttribute},
		{"unknown action", exampleItem(), crypto.AttributeActions{Default: crypto.SignOnly, Overrides: map[string]crypto.Action{"x": crypto.Action(7)}}, testContext, ddbcrypt.ErrInvalidConfig, "x"},
		{"bad number", withAttr("n", &types.AttributeValueMemberN{Value: "1,5"}), exampleActions, testContext, ddbcrypt.ErrInvalidItem, "n"},
		{"bad signed number", withAttr("test", &types.AttributeValueMemberN{Value: "NaN"}), exampleActions, testContext, ddbcrypt.ErrInvalidItem, "test"},
		{"empty value", withAttr("e", &types.AttributeValueMemberNULL{}), exampleActions, testContext, ddbcrypt.ErrInvalidItem, "e"},
		{"no table name", exampleItem(), exampleActions, crypto.Context{PartitionKeyName: "partition_attribute"}, ddbcrypt.ErrInvalidConfig, ""},
		// DO_NOTHING values are sent as they are: the SDK's serializer
		// panics on a nil member, and never ends on a cyclic value.
		{"nil DO_NOTHING value", withAttr("numbers", (*types.AttributeValueMemberN)(nil)), exampleActions, testContext, ddbcrypt.ErrInvalidItem, "numbers"},
		{"nil in a DO_NOTHING list", withAttr("numbers", &types.AttributeValueMemberL{Value: []types.AttributeValue{(*types.AttributeValueMemberM)(nil)}}), exampleActions, testContext, ddbcrypt.ErrInvalidItem, "numbers"},
		{"nil interface in a DO_NOTHING map", withAttr("numbers", &types.AttributeValueMemberM{Value: map[string]types.AttributeValue{"k": nil}}), exampleActions, testContext, ddbcrypt.ErrInvalidItem, "numbers"},
		{"cyclic DO_NOTHING value", withAttr("numbers", cyclic()), exampleActions, testContext, ddbcrypt.ErrInvalidItem, "numbers"},
		{"nil value, all DO_NOTHING", withAttr("x", (*types.AttributeValueMemberS)(nil)), crypto.AttributeActions{Default: crypto.DoNothing}, testContext, ddbcrypt.ErrInvalidItem, "x"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := e.EncryptItem(ctx, tt.item, tt.actions, tt.c)
			if !errors.Is(err, tt.kind) {
				t.Fatalf("err = %v, want %v", err, tt.kind)
			}
			var ae *ddbcrypt.AttributeError
			if tt.attribute != "" && (!errors.As(err, &ae) || ae.Attribute != tt.attribute) {
				t.Errorf("err = %v does not name attribute %q", err, tt.attribute)
			}
		})
	}
}

// cyclic returns a list that holds itself.
func cyclic() types.AttributeValue {
	l := &types.AttributeValueMemberL{Value: make([]types.AttributeValue, 1)}
	l.Value[0] = l
	return l
}

// TestNilReservedAttributesAreRefused: a stored item whose signature or
// material description is a nil *types.AttributeValueMemberB is an invalid
// item, not a panic.
func TestNilReservedAttributesAreRefused(t *testing.T) {
	e := crypto.NewEncryptor(staticProvider(t))
	for _, name := range []string{crypto.SignatureAttribute, crypto.DescriptionAttribute} {
		stored := encryptExample(t, e)
		stored[name] = (*types.AttributeValueMemberB)(nil)
		_, err := e.DecryptItem(context.Background(), stored, exampleActions, testContext)
		var ae *ddbcrypt.AttributeError
		if !errors.Is(err, ddbcrypt.ErrInvalidItem) || !errors.As(err, &ae) || ae.Attribute != name {
			t.Errorf("nil %s: err = %v, want ErrInvalidItem naming it", name, err)
		}
	}
}

func TestDefaultedKeysAreSignedNotEncrypted(t *testing.T) {
	e := crypto.NewEncryptor(staticProvider(t))
	enc, err := e.EncryptItem(context.Background(), exampleItem(), crypto.AttributeActions{Default: crypto.EncryptAndSign}, testContext)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := enc["partition_attribute"].(*types.AttributeValueMemberS); !ok {
		t.Error("a defaulted partition key was encrypted")
	}
	if _, ok := enc["sort_attribute"].(*types.AttributeValueMemberN); !ok {
		t.Error("a defaulted sort key was encrypted")
	}
}

func TestDescriptionRefusals(t *testing.T) {
	e := crypto.NewEncryptor(staticProvider(t))
	for field, value := range map[string]string{
		crypto.DescSymmetricMode:    "/ECB/NoPadding",
		crypto.DescSigningAlgorithm: "SHA1withRSA",
	} {
		item := encryptExample(t, e)
		d, _ := crypto.DecodeMaterialDescription(item[crypto.DescriptionAttribute].(*types.AttributeValueMemberB).Value)
		d[field] = value
		item[crypto.DescriptionAttribute] = &types.AttributeValueMemberB{Value: crypto.EncodeMaterialDescription(d)}
		_, err := e.DecryptItem(context.Background(), item, exampleActions, testContext)
		var de *ddbcrypt.DescriptionError
		if !errors.Is(err, ddbcrypt.ErrMaterialDescription) || !errors.As(err, &de) || de.Field != field {
			t.Errorf("%s = %q: err = %v, want a DescriptionError naming the field", field, value, err)
		}
	}
	// A missing sym-mode makes encrypted attributes unreadable.
	item := encryptExample(t, e)
	d, _ := crypto.DecodeMaterialDescription(item[crypto.DescriptionAttribute].(*types.AttributeValueMemberB).Value)
	delete(d, crypto.DescSymmetricMode)
	item[crypto.DescriptionAttribute] = &types.AttributeValueMemberB{Value: crypto.EncodeMaterialDescription(d)}
	if _, err := e.DecryptItem(context.Background(), item, exampleActions, testContext); !errors.Is(err, ddbcrypt.ErrMaterialDescription) {
		t.Errorf("missing sym-mode: err = %v", err)
	}
}

func TestTableNameOverride(t *testing.T) {
	p := staticProvider(t)
	writer := crypto.NewEncryptor(p)
	enc := encryptExample(t, writer) // bound to "my-table"
	// The same item copied to "copy-table" reads with an override...
	reader := crypto.NewEncryptor(p, crypto.WithSignatureTableName("copy-table", "my-table"))
	copied := testContext
	copied.TableName = "copy-table"
	if _, err := reader.DecryptItem(context.Background(), enc, exampleActions, copied); err != nil {
		t.Fatalf("with override: %v", err)
	}
	// ...and not without.
	if _, err := writer.DecryptItem(context.Background(), enc, exampleActions, copied); !errors.Is(err, ddbcrypt.ErrIntegrity) {
		t.Fatalf("without override: err = %v, want ErrIntegrity", err)
	}
}

func TestUnknownAttributes(t *testing.T) {
	p := staticProvider(t)
	// The keys need not be named: the context names them.
	named := crypto.AttributeActions{Default: crypto.EncryptAndSign, Overrides: map[string]crypto.Action{
		"example": crypto.EncryptAndSign,
	}}
	item := map[string]types.AttributeValue{
		"partition_attribute": &types.AttributeValueMemberS{Value: "p"},
		"sort_attribute":      &types.AttributeValueMemberN{Value: "1"},
		"example":             &types.AttributeValueMemberS{Value: "data"},
	}
	enc, err := crypto.NewEncryptor(p).EncryptItem(context.Background(), item, named, testContext)
	if err != nil {
		t.Fatal(err)
	}
	enc["added later"] = &types.AttributeValueMemberS{Value: "by a newer writer, unsigned"}

	// Default: the unknown attribute takes the default action and breaks the signature.
	if _, err := crypto.NewEncryptor(p).DecryptItem(context.Background(), enc, named, testContext); !errors.Is(err, ddbcrypt.ErrIntegrity) {
		t.Errorf("UnknownUseDefault: err = %v, want ErrIntegrity", err)
	}
	// Ignore: returned as stored, unverified.
	dec, err := crypto.NewEncryptor(p, crypto.WithUnknownAttributes(crypto.UnknownIgnore)).DecryptItem(context.Background(), enc, named, testContext)
	if err != nil {
		t.Fatalf("UnknownIgnore: %v", err)
	}
	if got := dec["added later"].(*types.AttributeValueMemberS).Value; got != "by a newer writer, unsigned" || dec["example"].(*types.AttributeValueMemberS).Value != "data" {
		t.Errorf("UnknownIgnore returned %v", dec)
	}
	// Reject: a typed error naming it.
	_, err = crypto.NewEncryptor(p, crypto.WithUnknownAttributes(crypto.UnknownReject)).DecryptItem(context.Background(), enc, named, testContext)
	if !errors.Is(err, ddbcrypt.ErrUnknownAttribute) || !strings.Contains(err.Error(), "added later") {
		t.Errorf("UnknownReject: err = %v", err)
	}
}

// Many goroutines share one encryptor: every item decrypts to its own
// plaintext.
func TestConcurrentUse(t *testing.T) {
	for name, p := range map[string]cmp.Provider{"static": staticProvider(t), "wrapped": wrappedProvider(t)} {
		e := crypto.NewEncryptor(p)
		var wg sync.WaitGroup
		errs := make(chan error, 16)
		for g := range 16 {
			wg.Go(func() {
				for i := range 20 {
					// Each item is different, so that a mix-up of items,
					// keys or buffers between goroutines shows.
					item := exampleItem()
					item["sort_attribute"] = &types.AttributeValueMemberN{Value: fmt.Sprint(g*100 + i)}
					item["example"] = &types.AttributeValueMemberS{Value: fmt.Sprintf("data of %d/%d", g, i)}
					item["binary"] = &types.AttributeValueMemberB{Value: []byte{byte(g), byte(i)}}
					want := plainItem(item)
					enc, err := e.EncryptItem(context.Background(), item, exampleActions, testContext)
					if err != nil {
						errs <- fmt.Errorf("EncryptItem %d/%d: %w", g, i, err)
						return
					}
					dec, err := e.DecryptItem(context.Background(), enc, exampleActions, testContext)
					if err != nil {
						errs <- fmt.Errorf("DecryptItem %d/%d: %w", g, i, err)
						return
					}
					if diff := gocmp.Diff(want, plainItem(dec)); diff != "" {
						errs <- fmt.Errorf("item %d/%d decrypted to another value (-want +got):\n%s", g, i, diff)
						return
					}
				}
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Errorf("%s: %v", name, err)
		}
	}
}

// TestIVsAreDistinct checks that every encrypted attribute of an item, and
// of the next item, starts with its own IV: the IVs of an item come from
// one read of the random source, cut in sixteens.
func TestIVsAreDistinct(t *testing.T) {
	e := crypto.NewEncryptor(staticProvider(t))
	item := map[string]types.AttributeValue{"pk": &types.AttributeValueMemberS{Value: "k"}}
	for i := range 40 { // more than the IVs kept on the stack
		item[fmt.Sprintf("a%02d", i)] = &types.AttributeValueMemberS{Value: "same value"}
	}
	seen := map[string]string{}
	for round := range 2 {
		enc, err := e.EncryptItem(context.Background(), item, crypto.EncryptAll("pk"), crypto.Context{TableName: "t", PartitionKeyName: "pk"})
		if err != nil {
			t.Fatal(err)
		}
		for name, av := range enc {
			if name == "pk" || name == crypto.SignatureAttribute || name == crypto.DescriptionAttribute {
				continue
			}
			iv := string(av.(*types.AttributeValueMemberB).Value[:16])
			if other, ok := seen[iv]; ok {
				t.Fatalf("round %d: %s has the IV of %s", round, name, other)
			}
			seen[iv] = fmt.Sprint(round, name)
		}
	}
}

// TestCheckValueDoesNotAllocate: DO_NOTHING values are checked on every
// write, so an accepted value costs no allocation, nested lists and maps
// included.
func TestCheckValueDoesNotAllocate(t *testing.T) {
	av := exampleItem()["nested"]
	if n := testing.AllocsPerRun(100, func() {
		if err := crypto.CheckValue(av); err != nil {
			t.Fatal(err)
		}
	}); n != 0 && !raceEnabled {
		t.Errorf("CheckValue of a nested value: %v allocations, want 0", n)
	}
}
