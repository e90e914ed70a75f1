package tableops

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/ddbcrypt/ddbcrypt"
	"github.com/ddbcrypt/ddbcrypt/crypto"
)

// everyType is a plaintext item i with an attribute of every DynamoDB
// type, nested ones included.
func everyType(i int) map[string]types.AttributeValue {
	it := item(i, fmt.Sprintf("d%d", i), i)
	for name, av := range map[string]types.AttributeValue{
		"b":    &types.AttributeValueMemberB{Value: []byte{byte(i), 0, 0xff}},
		"bool": &types.AttributeValueMemberBOOL{Value: i%2 == 0},
		"null": &types.AttributeValueMemberNULL{Value: true},
		"l": &types.AttributeValueMemberL{Value: []types.AttributeValue{
			&types.AttributeValueMemberS{Value: "x"}, &types.AttributeValueMemberN{Value: strconv.Itoa(i)},
		}},
		"m": &types.AttributeValueMemberM{Value: map[string]types.AttributeValue{
			"k": &types.AttributeValueMemberS{Value: "v"},
			"n": &types.AttributeValueMemberM{Value: map[string]types.AttributeValue{"deep": &types.AttributeValueMemberN{Value: "1.5"}}},
		}},
		"ss": &types.AttributeValueMemberSS{Value: []string{"a", "b", strconv.Itoa(i)}},
		"ns": &types.AttributeValueMemberNS{Value: []string{"1", "2.5", strconv.Itoa(i + 10)}},
		"bs": &types.AttributeValueMemberBS{Value: [][]byte{{1}, {2, 3}, {byte(i + 9)}}},
	} {
		it[name] = av
	}
	return it
}

// putRaw writes an item as it is, behind the library.
func (f *fixture) putRaw(ctx context.Context, it map[string]types.AttributeValue) error {
	_, err := f.db.PutItem(ctx, &dynamodb.PutItemInput{TableName: &f.name, Item: it})
	return err
}

// itemDiff compares stored or plaintext items: sets in any order.
func itemDiff(got, want map[string]types.AttributeValue) string {
	return cmp.Diff(want, got,
		cmp.Exporter(func(reflect.Type) bool { return true }), // the SDK's empty noSmithyDocumentSerde
		cmpopts.SortSlices(func(a, b string) bool { return a < b }),
		cmpopts.SortSlices(func(a, b []byte) bool { return string(a) < string(b) }),
	)
}

// TestEncryptThenDecrypt: encrypt of a plaintext table, then decrypt, gives
// back the original items; in between each verifies under A.
func TestEncryptThenDecrypt(t *testing.T) {
	f := newFixture(t)
	const n = 30
	for i := range n {
		if err := f.putRaw(t.Context(), everyType(i)); err != nil {
			t.Fatal(err)
		}
	}
	// A dry run counts what it would write, and writes nothing.
	dry, err := Encrypt(t.Context(), f.db, f.name, f.a, Options{DryRun: true})
	if err != nil {
		t.Fatal(err)
	}
	if dry.Scanned != n || dry.Rewritten != n || dry.Failed != 0 {
		t.Errorf("dry run: %+v", dry)
	}
	for i := range n {
		if d := itemDiff(f.raw(i), everyType(i)); d != "" {
			t.Fatalf("item %d after a dry run (-want +got):\n%s", i, d)
		}
	}
	rep, err := Encrypt(t.Context(), f.db, f.name, f.a, Options{Segments: 3})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Scanned != n || rep.Rewritten != n || rep.Skipped != 0 || rep.Failed != 0 || rep.Verified != 0 {
		t.Fatalf("encrypt: %+v", rep)
	}
	tblA := f.engine(f.a)
	for i := range n {
		stored := f.raw(i)
		if _, ok := stored[crypto.SignatureAttribute]; !ok {
			t.Errorf("item %d has no signature after encrypt", i)
		}
		if _, ok := stored["data"].(*types.AttributeValueMemberB); !ok {
			t.Errorf("item %d: data is stored as %T, not encrypted", i, stored["data"])
		}
		plain, err := tblA.Decrypt(t.Context(), stored)
		if err != nil {
			t.Fatalf("item %d: %v", i, err)
		}
		if d := itemDiff(plain, everyType(i)); d != "" {
			t.Errorf("item %d decrypted under A (-want +got):\n%s", i, d)
		}
	}
	// Again: everything is encrypted already.
	again, err := Encrypt(t.Context(), f.db, f.name, f.a, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if again.Skipped != n || again.Rewritten != 0 || again.Failed != 0 {
		t.Errorf("second encrypt: %+v", again)
	}

	dec, err := Decrypt(t.Context(), f.db, f.name, f.a, Options{Segments: 2})
	if err != nil {
		t.Fatal(err)
	}
	if dec.Scanned != n || dec.Verified != n || dec.Rewritten != n || dec.Failed != 0 {
		t.Fatalf("decrypt: %+v", dec)
	}
	for i := range n {
		if d := itemDiff(f.raw(i), everyType(i)); d != "" {
			t.Errorf("item %d after decrypt (-want +got):\n%s", i, d)
		}
	}
	again, err = Decrypt(t.Context(), f.db, f.name, f.a, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if again.Skipped != n || again.Rewritten != 0 || again.Verified != 0 {
		t.Errorf("second decrypt: %+v", again)
	}
}

// TestPlaintextConditionComparesEveryType: on DynamoDB Local, the
// condition of Encrypt holds for the item as read, and fails when any one
// attribute, of any type, changed, or when an attribute the actions name
// appeared.
func TestPlaintextConditionComparesEveryType(t *testing.T) {
	f := newFixture(t)
	j := &job{db: f.db, info: f.engine(f.a).Info(), to: f.engine(f.a)}
	read := everyType(1)
	delete(read, "status") // named by the actions, absent
	changed := map[string]types.AttributeValue{
		"data":   &types.AttributeValueMemberS{Value: "other"},
		"views":  &types.AttributeValueMemberN{Value: "99"},
		"b":      &types.AttributeValueMemberB{Value: []byte{9}},
		"bool":   &types.AttributeValueMemberBOOL{Value: true},
		"null":   &types.AttributeValueMemberS{Value: "not null"},
		"l":      &types.AttributeValueMemberL{Value: []types.AttributeValue{&types.AttributeValueMemberS{Value: "x"}}},
		"m":      &types.AttributeValueMemberM{Value: map[string]types.AttributeValue{"k": &types.AttributeValueMemberS{Value: "v"}}},
		"ss":     &types.AttributeValueMemberSS{Value: []string{"a", "b"}},
		"ns":     &types.AttributeValueMemberNS{Value: []string{"1", "2.5"}},
		"bs":     &types.AttributeValueMemberBS{Value: [][]byte{{1}}},
		"status": &types.AttributeValueMemberS{Value: "appeared"},
	}
	try := func(stored map[string]types.AttributeValue) (bool, error) {
		if err := f.putRaw(t.Context(), stored); err != nil {
			t.Fatal(err)
		}
		return j.put(t.Context(), key(1), rewrite{item: read, cond: j.untouched(read)})
	}
	for name, av := range changed {
		stored := maps.Clone(read)
		stored[name] = av
		if won, err := try(stored); won || err != nil {
			t.Errorf("%s changed: condition held (%v, %v)", name, won, err)
		}
	}
	// Sets in another order, and numbers in another form, are equal.
	same := maps.Clone(read)
	same["ss"] = &types.AttributeValueMemberSS{Value: []string{"1", "b", "a"}}
	same["ns"] = &types.AttributeValueMemberNS{Value: []string{"11.0", "2.50", "1"}}
	same["views"] = &types.AttributeValueMemberN{Value: "1.0"}
	if won, err := try(same); !won || err != nil {
		t.Errorf("item as read: condition failed (%v, %v)", won, err)
	}
	// A signed item is not plaintext.
	signed := maps.Clone(read)
	signed[crypto.SignatureAttribute] = &types.AttributeValueMemberB{Value: []byte("sig")}
	if won, err := try(signed); won || err != nil {
		t.Errorf("a signed item: condition held (%v, %v)", won, err)
	}
}

// TestEncryptConditionTooLong: an item with so many attributes that its
// condition would exceed 4 KB is reported, not written.
func TestEncryptConditionTooLong(t *testing.T) {
	f := newFixture(t)
	wide := item(0, "d0", 0)
	for a := range 400 {
		wide[fmt.Sprintf("attr%03d", a)] = &types.AttributeValueMemberN{Value: "1"}
	}
	if err := f.putRaw(t.Context(), wide); err != nil {
		t.Fatal(err)
	}
	if err := f.putRaw(t.Context(), item(1, "d1", 0)); err != nil {
		t.Fatal(err)
	}
	rep, err := Encrypt(t.Context(), f.db, f.name, f.a, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Rewritten != 1 || rep.Failed != 1 || len(rep.Failures) != 1 || !strings.Contains(rep.Failures[0].Reason, "expression limit") {
		t.Fatalf("report %+v", rep)
	}
	checkFailures(t, rep, []int{0})
	if d := itemDiff(f.raw(0), wide); d != "" {
		t.Errorf("the wide item was changed:\n%s", d)
	}
}

// TestEncryptLosesNoConcurrentWrite races Encrypt against a plaintext
// writer — the application before the migration — that saves items
// again, bumps their "views", or adds their missing "status" (an
// attribute the actions name), between the job's read and its write. The
// invariant: afterwards every item holds the writer's last content,
// encrypted under A or (written after the job) plaintext.
func TestEncryptLosesNoConcurrentWrite(t *testing.T) {
	f := newFixture(t)
	const n = 40
	var mu sync.Mutex
	latest := map[int]map[string]types.AttributeValue{}
	for i := range n {
		it := item(i, fmt.Sprintf("d%d", i), 0)
		if i%3 == 0 {
			delete(it, "status")
		}
		latest[i] = it
		if err := f.putRaw(t.Context(), it); err != nil {
			t.Fatal(err)
		}
	}
	set := func(ctx context.Context, i int, name string, av types.AttributeValue) error {
		next := maps.Clone(latest[i])
		next[name] = av
		_, err := f.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
			TableName: &f.name, Key: key(i),
			UpdateExpression:          aws.String("SET #a = :v"),
			ExpressionAttributeNames:  map[string]string{"#a": name, "#s": crypto.SignatureAttribute},
			ExpressionAttributeValues: map[string]types.AttributeValue{":v": av},
			// Plaintext writers only: an encrypted item is not theirs.
			ConditionExpression: aws.String("attribute_not_exists(#s)"),
		})
		if err != nil {
			return err
		}
		latest[i] = next
		return nil
	}
	write := func(ctx context.Context, i, round int) error {
		mu.Lock()
		defer mu.Unlock()
		switch {
		case round%3 == 0 && latest[i]["status"] == nil:
			return set(ctx, i, "status", &types.AttributeValueMemberS{Value: fmt.Sprintf("s%d", round)})
		case round%2 == 1:
			return set(ctx, i, "views", &types.AttributeValueMemberN{Value: strconv.Itoa(round)})
		}
		next := maps.Clone(latest[i])
		next["data"] = &types.AttributeValueMemberS{Value: fmt.Sprintf("w%d-%d", i, round)}
		if err := f.putRaw(ctx, next); err != nil {
			return err
		}
		latest[i] = next
		return nil
	}
	db := raceOnce(f.db, func(ctx context.Context, sk int) {
		if sk%2 != 0 {
			return
		}
		if err := write(ctx, sk, sk%6/2*3); err != nil && !isConditionFailed(err) {
			t.Error(err)
		}
	})
	rep, err := Encrypt(t.Context(), db, f.name, f.a, Options{Segments: 4})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Failed != 0 || rep.Scanned != n || rep.Rewritten != n {
		t.Errorf("report %+v", rep)
	}
	tblA := f.engine(f.a)
	for i := range n {
		plain, err := tblA.Decrypt(t.Context(), f.raw(i))
		if err != nil {
			t.Fatalf("item %d: %v", i, err)
		}
		if d := itemDiff(plain, latest[i]); d != "" {
			t.Errorf("item %d lost a write (-want +got):\n%s", i, d)
		}
	}
}

func isConditionFailed(err error) bool {
	_, ok := errors.AsType[*types.ConditionalCheckFailedException](err)
	return ok
}

// TestEncryptAndDecryptLeaveTamperedItems: an item that carries a
// signature but does not verify — tampered, or encrypted under other keys
// — is reported by key and left as it is by Encrypt (never laundered into
// a valid signature) and by Decrypt.
func TestEncryptAndDecryptLeaveTamperedItems(t *testing.T) {
	f := newFixture(t)
	const n = 20
	f.fill(f.a, n)
	tampered, underB := []int{2, 11}, 7
	for _, i := range tampered {
		f.tamper(i)
	}
	if err := f.put(t.Context(), f.engine(f.b), item(underB, "b", 0)); err != nil {
		t.Fatal(err)
	}
	plainItems := []int{n, n + 1}
	for _, i := range plainItems {
		if err := f.putRaw(t.Context(), item(i, "plain", 0)); err != nil {
			t.Fatal(err)
		}
	}
	bad := append(slices.Clone(tampered), underB)
	before := map[int]map[string]types.AttributeValue{}
	for _, i := range bad {
		before[i] = f.raw(i)
	}
	untouched := func(what string) {
		for _, i := range bad {
			if d := itemDiff(f.raw(i), before[i]); d != "" {
				t.Errorf("%s changed item %d:\n%s", what, i, d)
			}
		}
	}

	enc, err := Encrypt(t.Context(), f.db, f.name, f.a, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if enc.Scanned != n+2 || enc.Rewritten != 2 || enc.Skipped != n-3 || enc.Failed != 3 {
		t.Errorf("encrypt: %+v", enc)
	}
	checkFailures(t, enc, bad)
	untouched("encrypt")

	dec, err := Decrypt(t.Context(), f.db, f.name, f.a, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if dec.Scanned != n+2 || dec.Rewritten != n-1 || dec.Failed != 3 {
		t.Errorf("decrypt: %+v", dec)
	}
	checkFailures(t, dec, bad)
	untouched("decrypt")
	for _, i := range plainItems {
		if d := itemDiff(f.raw(i), item(i, "plain", 0)); d != "" {
			t.Errorf("plaintext item %d after encrypt and decrypt:\n%s", i, d)
		}
	}
}

func TestRewritesRefuseUnsafeProtections(t *testing.T) {
	f := newFixture(t)
	unsignedDefault, signsNothing := f.a, f.a
	unsignedDefault.Actions = crypto.AttributeActions{Default: crypto.DoNothing, Overrides: map[string]crypto.Action{"data": crypto.SignOnly}}
	signsNothing.Actions = crypto.AttributeActions{Default: crypto.DoNothing}
	for what, run := range map[string]func() (*Report, error){
		"decrypt from a DO_NOTHING default": func() (*Report, error) {
			return Decrypt(t.Context(), f.db, f.name, unsignedDefault, Options{})
		},
		"encrypt to no signature": func() (*Report, error) { return Encrypt(t.Context(), f.db, f.name, signsNothing, Options{}) },
		"reencrypt to no signature": func() (*Report, error) {
			return Reencrypt(t.Context(), f.db, f.name, f.a, signsNothing, Options{})
		},
	} {
		rep, err := run()
		if !errors.Is(err, ddbcrypt.ErrInvalidConfig) || rep == nil {
			t.Errorf("%s: %v, report %v; want ErrInvalidConfig", what, err, rep)
		}
	}
}

// TestEncryptRecreatesNoDeletedItem: a plaintext item of key attributes
// only, deleted between the job's read and its write, stays deleted: the
// condition that the item is untouched must not hold for an item that is
// gone (every other term of it, absent attributes, would).
func TestEncryptRecreatesNoDeletedItem(t *testing.T) {
	f := newFixture(t)
	const i = 3
	if err := f.putRaw(t.Context(), key(i)); err != nil {
		t.Fatal(err)
	}
	db := raceOnce(f.db, func(ctx context.Context, sk int) {
		if _, err := f.db.DeleteItem(ctx, &dynamodb.DeleteItemInput{TableName: &f.name, Key: key(sk)}); err != nil {
			t.Error(err)
		}
	})
	rep, err := Encrypt(t.Context(), db, f.name, f.a, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if got := f.raw(i); got != nil {
		t.Errorf("the deleted item was recreated: %s", show(got))
	}
	if rep.Scanned != 1 || rep.Skipped != 1 || rep.Rewritten != 0 || rep.Failed != 0 {
		t.Errorf("report %+v", rep)
	}
}

// TestEncryptTakesNoDescribedItemForPlaintext: an item with a material
// description and no signature (an encrypted item whose signature was
// removed) is not plaintext: it is reported at once, naming the
// description, and left as it is, never written.
func TestEncryptTakesNoDescribedItemForPlaintext(t *testing.T) {
	f := newFixture(t)
	const i = 5
	f.fill(f.a, i+1)
	stored := f.raw(i)
	delete(stored, crypto.SignatureAttribute)
	if err := f.putRaw(t.Context(), stored); err != nil {
		t.Fatal(err)
	}
	var puts sync.Map
	db := &hookDB{DB: f.db, before: func(_ context.Context, in *dynamodb.PutItemInput) {
		puts.Store(in.Item["sk"].(*types.AttributeValueMemberN).Value, true)
	}}
	rep, err := Encrypt(t.Context(), db, f.name, f.a, Options{})
	if err != nil {
		t.Fatal(err)
	}
	checkFailures(t, rep, []int{i})
	if _, put := puts.Load(strconv.Itoa(i)); put {
		t.Error("Encrypt tried to write the item")
	}
	if len(rep.Failures) == 1 && !strings.Contains(rep.Failures[0].Reason, crypto.DescriptionAttribute) {
		t.Errorf("reason %q does not name the material description", rep.Failures[0].Reason)
	}
	if d := itemDiff(f.raw(i), stored); d != "" {
		t.Errorf("item changed:\n%s", d)
	}
}

// TestEncryptOddAttributeNames: attribute names an expression could not
// spell (#, :, ., spaces, brackets, 300 bytes long) reach the condition
// only through placeholders, and empty values compare equal: the item is
// encrypted and decrypts back.
func TestEncryptOddAttributeNames(t *testing.T) {
	f := newFixture(t)
	it := item(1, "d", 0)
	for _, name := range []string{"#n0", ":v0", "a.b", "with space", "x[0]", "AND", strings.Repeat("l", 300)} {
		it[name] = &types.AttributeValueMemberS{Value: name}
	}
	// Empty values, which an equality term must compare too.
	it["es"], it["eb"] = &types.AttributeValueMemberS{}, &types.AttributeValueMemberB{Value: []byte{}}
	it["el"], it["em"] = &types.AttributeValueMemberL{Value: []types.AttributeValue{}}, &types.AttributeValueMemberM{Value: map[string]types.AttributeValue{}}
	if err := f.putRaw(t.Context(), it); err != nil {
		t.Fatal(err)
	}
	rep, err := Encrypt(t.Context(), f.db, f.name, f.a, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Rewritten != 1 || rep.Failed != 0 {
		t.Fatalf("report %+v", rep)
	}
	plain, err := f.engine(f.a).Decrypt(t.Context(), f.raw(1))
	if err != nil {
		t.Fatal(err)
	}
	if d := itemDiff(plain, it); d != "" {
		t.Error(d)
	}
}
