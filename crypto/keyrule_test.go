package crypto_test

import (
	"context"
	"errors"
	"maps"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/ddbcrypt/ddbcrypt"
	"github.com/ddbcrypt/ddbcrypt/cmp"
	"github.com/ddbcrypt/ddbcrypt/crypto"
)

// The key rule (docs/format.md 6.3): whenever anything in an item is signed, its
// key attributes are signed too, so a stored item cannot be copied onto
// another key and still verify.

func TestKeyAction(t *testing.T) {
	const (
		D = crypto.DoNothing
		S = crypto.SignOnly
		E = crypto.EncryptAndSign
	)
	for _, tc := range []struct {
		name     string
		actions  crypto.AttributeActions
		want     crypto.Action
		wantErr  error // nil, crypto.ErrKeyEncrypted or crypto.ErrKeyUnsigned
		unsigned bool
	}{
		{name: "defaulted encrypt is signed", actions: crypto.AttributeActions{Default: E}, want: S},
		{name: "defaulted sign", actions: crypto.AttributeActions{Default: S}, want: S},
		{name: "defaulted nothing, something signed", actions: crypto.AttributeActions{Default: D, Overrides: map[string]crypto.Action{"x": S}}, want: S},
		{name: "defaulted nothing, something encrypted", actions: crypto.AttributeActions{Default: D, Overrides: map[string]crypto.Action{"x": E}}, want: S},
		{name: "nothing signed at all", actions: crypto.AttributeActions{Default: D, Overrides: map[string]crypto.Action{"x": D}}, want: D},
		{name: "explicit nothing, nothing else signed", actions: crypto.AttributeActions{Default: D, Overrides: map[string]crypto.Action{"k": D}}, want: D},
		{name: "explicit sign", actions: crypto.AttributeActions{Default: D, Overrides: map[string]crypto.Action{"k": S}}, want: S},
		{name: "explicit encrypt", actions: crypto.AttributeActions{Default: S, Overrides: map[string]crypto.Action{"k": E}}, wantErr: crypto.ErrKeyEncrypted},
		{name: "explicit nothing, default signs", actions: crypto.AttributeActions{Default: E, Overrides: map[string]crypto.Action{"k": D}}, wantErr: crypto.ErrKeyUnsigned},
		{name: "explicit nothing, an override signs", actions: crypto.AttributeActions{Default: D, Overrides: map[string]crypto.Action{"k": D, "x": S}}, wantErr: crypto.ErrKeyUnsigned},
		{name: "unsigned keys: explicit nothing", actions: crypto.AttributeActions{Default: E, Overrides: map[string]crypto.Action{"k": D}, UnsignedKeys: true}, want: D},
		{name: "unsigned keys: defaulted nothing", actions: crypto.AttributeActions{Default: D, Overrides: map[string]crypto.Action{"x": E}, UnsignedKeys: true}, want: D},
		{name: "unsigned keys: defaulted encrypt is still signed", actions: crypto.AttributeActions{Default: E, UnsignedKeys: true}, want: S},
		{name: "unsigned keys: explicit encrypt is still refused", actions: crypto.AttributeActions{Default: D, Overrides: map[string]crypto.Action{"k": E}, UnsignedKeys: true}, wantErr: crypto.ErrKeyEncrypted},
	} {
		got, err := tc.actions.KeyAction("k")
		if tc.wantErr != nil {
			var ae *ddbcrypt.AttributeError
			if !errors.Is(err, tc.wantErr) || !errors.Is(err, ddbcrypt.ErrInvalidConfig) || !errors.As(err, &ae) || ae.Attribute != "k" {
				t.Errorf("%s: KeyAction = %v, %v; want an *AttributeError for \"k\" wrapping ErrInvalidConfig and %v", tc.name, got, err, tc.wantErr)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("%s: KeyAction = %v, %v; want %v", tc.name, got, err, tc.want)
		}
	}
}

func TestForKeys(t *testing.T) {
	a := crypto.AttributeActions{Default: crypto.DoNothing, Overrides: map[string]crypto.Action{"secret": crypto.EncryptAndSign}}
	got, err := a.ForKeys("pk", "", "gsi_pk")
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]crypto.Action{"secret": crypto.EncryptAndSign, "pk": crypto.SignOnly, "gsi_pk": crypto.SignOnly}
	if !maps.Equal(got.Overrides, want) || got.Default != crypto.DoNothing {
		t.Errorf("ForKeys = %v, want default DO_NOTHING and %v", got, want)
	}
	if len(a.Overrides) != 1 {
		t.Errorf("ForKeys changed its receiver: %v", a.Overrides)
	}
	for _, name := range []string{"pk", "gsi_pk", "secret", "other"} {
		if act, want := got.Of(name), want[name]; act != want {
			t.Errorf("Of(%q) = %v, want %v", name, act, want)
		}
	}

	a.Overrides["gsi_pk"] = crypto.DoNothing
	_, err = a.ForKeys("pk", "gsi_pk")
	var ae *ddbcrypt.AttributeError
	if !errors.Is(err, crypto.ErrKeyUnsigned) || !errors.As(err, &ae) || ae.Attribute != "gsi_pk" {
		t.Errorf("ForKeys with an explicit DO_NOTHING on an index key: %v; want an *AttributeError naming gsi_pk", err)
	}
}

// substitutionItems returns alice's and mallory's plaintext items: a key, an
// encrypted secret and a signed role.
func substitutionItems() (alice, mallory map[string]types.AttributeValue) {
	item := func(pk, secret, role string) map[string]types.AttributeValue {
		return map[string]types.AttributeValue{
			"pk":     &types.AttributeValueMemberS{Value: pk},
			"sk":     &types.AttributeValueMemberN{Value: "1"},
			"secret": &types.AttributeValueMemberS{Value: secret},
			"role":   &types.AttributeValueMemberS{Value: role},
		}
	}
	return item("alice", "alice's secret", "user"), item("mallory", "mallory's secret", "admin")
}

// moveTo returns a copy of a stored item with its partition key changed, as
// someone who can write to the table can do.
func moveTo(stored map[string]types.AttributeValue, pk string) map[string]types.AttributeValue {
	moved := maps.Clone(stored)
	moved["pk"] = &types.AttributeValueMemberS{Value: pk}
	return moved
}

func TestItemCannotBeMovedToAnotherKey(t *testing.T) {
	ctx := t.Context()
	e := crypto.NewEncryptor(wrappedProvider(t))
	ec := crypto.Context{TableName: "t", PartitionKeyName: "pk", SortKeyName: "sk"}
	_, mallory := substitutionItems()

	for _, tc := range []struct {
		name    string
		actions crypto.AttributeActions
	}{
		{"default DO_NOTHING", crypto.AttributeActions{Default: crypto.DoNothing, Overrides: map[string]crypto.Action{"secret": crypto.EncryptAndSign, "role": crypto.SignOnly}}},
		{"default ENCRYPT_AND_SIGN", crypto.AttributeActions{Default: crypto.EncryptAndSign, Overrides: map[string]crypto.Action{"role": crypto.SignOnly}}},
		// The item has no attribute the actions sign: only the table name
		// (and, now, the keys) is signed.
		{"nothing of the item signed", crypto.AttributeActions{Default: crypto.DoNothing, Overrides: map[string]crypto.Action{"absent": crypto.SignOnly}}},
	} {
		stored, err := e.EncryptItem(ctx, mallory, tc.actions, ec)
		if err != nil {
			t.Fatalf("%s: EncryptItem: %v", tc.name, err)
		}
		moved := moveTo(stored, "alice")
		moved["isAdmin"] = &types.AttributeValueMemberBOOL{Value: true}
		got, err := e.DecryptItem(ctx, moved, tc.actions, ec)
		if !errors.Is(err, ddbcrypt.ErrIntegrity) {
			t.Errorf("%s: mallory's item moved to key alice: DecryptItem = %v, %v; want ErrIntegrity", tc.name, got, err)
		}
		if _, err := e.DecryptItem(ctx, stored, tc.actions, ec); err != nil {
			t.Errorf("%s: the item in place: %v", tc.name, err)
		}
	}
}

func TestExplicitUnsignedKeyIsRefused(t *testing.T) {
	ctx := t.Context()
	p := &countingProvider{Provider: wrappedProvider(t)}
	e := crypto.NewEncryptor(p)
	ec := crypto.Context{TableName: "t", PartitionKeyName: "pk", SortKeyName: "sk"}
	alice, _ := substitutionItems()
	for _, key := range []string{"pk", "sk"} {
		actions := crypto.AttributeActions{Default: crypto.EncryptAndSign, Overrides: map[string]crypto.Action{key: crypto.DoNothing}}
		_, err := e.EncryptItem(ctx, alice, actions, ec)
		var ae *ddbcrypt.AttributeError
		if !errors.Is(err, ddbcrypt.ErrInvalidConfig) || !errors.Is(err, crypto.ErrKeyUnsigned) || !errors.As(err, &ae) || ae.Attribute != key {
			t.Errorf("EncryptItem with %s DO_NOTHING: %v; want ErrInvalidConfig naming %s", key, err, key)
		}
		_, err = e.DecryptItem(ctx, alice, actions, ec)
		if !errors.Is(err, crypto.ErrKeyUnsigned) {
			t.Errorf("DecryptItem with %s DO_NOTHING: %v; want ErrKeyUnsigned", key, err)
		}
	}
	if p.calls != 0 {
		t.Errorf("the provider was asked %d times for a refused configuration", p.calls)
	}
}

// UnsignedKeys reads and writes items whose keys are not signed, as the
// Python client writes them with a DO_NOTHING default; such an item can be
// moved to another key, which is the documented risk.
func TestUnsignedKeysOptIn(t *testing.T) {
	ctx := t.Context()
	e := crypto.NewEncryptor(wrappedProvider(t))
	ec := crypto.Context{TableName: "t", PartitionKeyName: "pk", SortKeyName: "sk"}
	alice, mallory := substitutionItems()
	actions := crypto.AttributeActions{Default: crypto.DoNothing, Overrides: map[string]crypto.Action{"secret": crypto.EncryptAndSign, "role": crypto.SignOnly}, UnsignedKeys: true}

	stored, err := e.EncryptItem(ctx, mallory, actions, ec)
	if err != nil {
		t.Fatal(err)
	}
	got, err := e.DecryptItem(ctx, moveTo(stored, "alice"), actions, ec)
	if err != nil {
		t.Fatalf("UnsignedKeys: the moved item: %v", err)
	}
	if s := got["secret"].(*types.AttributeValueMemberS).Value; s != "mallory's secret" {
		t.Errorf("secret = %q", s)
	}
	// The same items are refused without the opt-in.
	actions.UnsignedKeys = false
	if _, err := e.DecryptItem(ctx, stored, actions, ec); !errors.Is(err, ddbcrypt.ErrIntegrity) {
		t.Errorf("an item with unsigned keys read without UnsignedKeys: %v, want ErrIntegrity", err)
	}
	// An explicit DO_NOTHING on a key is accepted with the opt-in.
	explicit := crypto.AttributeActions{Default: crypto.EncryptAndSign, Overrides: map[string]crypto.Action{"pk": crypto.DoNothing, "sk": crypto.DoNothing}, UnsignedKeys: true}
	stored, err = e.EncryptItem(ctx, alice, explicit, ec)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.DecryptItem(ctx, moveTo(stored, "bob"), explicit, ec); err != nil {
		t.Errorf("explicit DO_NOTHING keys with UnsignedKeys: %v", err)
	}
}

// countingProvider counts the calls to its provider.
type countingProvider struct {
	cmp.Provider
	calls int
}

func (p *countingProvider) EncryptionMaterials(ctx context.Context, ec *cmp.EncryptionContext) (*cmp.EncryptionMaterials, error) {
	p.calls++
	return p.Provider.EncryptionMaterials(ctx, ec)
}

func (p *countingProvider) DecryptionMaterials(ctx context.Context, ec *cmp.EncryptionContext) (*cmp.DecryptionMaterials, error) {
	p.calls++
	return p.Provider.DecryptionMaterials(ctx, ec)
}
