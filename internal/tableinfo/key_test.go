package tableinfo

import (
	"errors"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/ddbcrypt/ddbcrypt"
)

type item = map[string]types.AttributeValue

func sv(v string) types.AttributeValue { return &types.AttributeValueMemberS{Value: v} }
func nv(v string) types.AttributeValue { return &types.AttributeValueMemberN{Value: v} }
func bv(v ...byte) types.AttributeValue {
	return &types.AttributeValueMemberB{Value: v}
}

func TestSameKey(t *testing.T) {
	ti := &Info{Keys: KeySchema{"pk", "sk"}}
	base := item{"pk": sv("a"), "sk": nv("1.50"), "other": sv("x")}
	for _, c := range []struct {
		what string
		b    item
		want bool
	}{
		{"the same key, other attributes", item{"pk": sv("a"), "sk": nv("1.50")}, true},
		{"the same number, written otherwise", item{"pk": sv("a"), "sk": nv("15E-1")}, true},
		{"another partition key", item{"pk": sv("b"), "sk": nv("1.5")}, false},
		{"another sort key", item{"pk": sv("a"), "sk": nv("1.51")}, false},
		{"no sort key", item{"pk": sv("a")}, false},
		{"a string where a number was", item{"pk": sv("a"), "sk": sv("1.50")}, false},
		{"binary", item{"pk": bv('a'), "sk": nv("1.5")}, false},
		{"nothing", nil, false},
	} {
		if got := ti.SameKey(base, c.b); got != c.want {
			t.Errorf("%s: SameKey = %v, want %v", c.what, got, c.want)
		}
	}
	bin := &Info{Keys: KeySchema{Partition: "id"}}
	if !bin.SameKey(item{"id": bv(1, 2)}, item{"id": bv(1, 2), "sk": sv("ignored")}) || bin.SameKey(item{"id": bv(1, 2)}, item{"id": bv(1, 3)}) {
		t.Error("binary partition keys compared wrongly")
	}
}

func checkMismatch(t *testing.T, what string, err error, wantKey string) {
	t.Helper()
	var ie *ddbcrypt.ItemError
	if !errors.Is(err, ddbcrypt.ErrIntegrity) || !errors.As(err, &ie) {
		t.Errorf("%s: error %v, want an ItemError wrapping ErrIntegrity", what, err)
		return
	}
	if ie.Table != "orders" || ddbcrypt.FormatKey(ie.Key) != wantKey {
		t.Errorf("%s: error names table %q, key %s; want orders, %s", what, ie.Table, ddbcrypt.FormatKey(ie.Key), wantKey)
	}
}

func TestCheckKey(t *testing.T) {
	ti := &Info{Keys: KeySchema{"pk", "sk"}}
	asked := item{"pk": sv("a"), "sk": nv("1")}
	if err := ti.CheckKey("orders", asked, item{"pk": sv("a"), "sk": nv("1.0"), "x": sv("y")}); err != nil {
		t.Errorf("the asked-for item: %v", err)
	}
	if err := ti.CheckKey("orders", asked, nil); err != nil {
		t.Errorf("no item: %v", err)
	}
	err := ti.CheckKey("orders", asked, item{"pk": sv("b"), "sk": nv("1")})
	checkMismatch(t, "another item", err, `{pk="a", sk=1}`)
	if err != nil && !strings.Contains(err.Error(), `pk="b"`) {
		t.Errorf("error %q does not name the item returned", err)
	}
}

func TestCheckKeys(t *testing.T) {
	ti := &Info{Keys: KeySchema{"pk", "sk"}}
	asked := []item{{"pk": sv("a"), "sk": nv("1")}, {"pk": sv("a"), "sk": nv("2")}}
	if err := ti.CheckKeys("orders", asked, []item{{"pk": sv("a"), "sk": nv("2E0")}, {"pk": sv("a"), "sk": nv("1")}}); err != nil {
		t.Errorf("the asked-for items: %v", err)
	}
	if err := ti.CheckKeys("orders", asked, nil); err != nil {
		t.Errorf("no items: %v", err)
	}
	checkMismatch(t, "an item not asked for", ti.CheckKeys("orders", asked, []item{{"pk": sv("a"), "sk": nv("1")}, {"pk": sv("a"), "sk": nv("3")}}), `{pk="a", sk=3}`)
	checkMismatch(t, "an item twice", ti.CheckKeys("orders", asked, []item{{"pk": sv("a"), "sk": nv("1")}, {"pk": sv("a"), "sk": nv("1.0")}}), `{pk="a", sk=1.0}`)
}
