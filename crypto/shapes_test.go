package crypto_test

// The item shapes of the performance suite (spec/BENCHMARKS.md, "Item
// shapes"): small (~200 B), medium (~1.9 KB) and large (~355 KB), kept as
// DynamoDB-JSON fixtures in testdata/shapes/. The fixtures are produced by a
// seeded generator; TestGenerateShapes checks that the committed files are
// exactly its output, and rewrites them with
//
//	go test -run TestGenerateShapes -update ./crypto/

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/ddbcrypt/ddbcrypt/internal/testing/vectors"
)

// perfShapes are the shape names in suite order.
var perfShapes = []string{"small", "medium", "large"}

// The -update flag is registered in init, and only if no other test file of
// this binary registered one already (package-level flag variables are
// initialized before any init function runs), so that two test files asking
// for the same conventional flag cannot make the binary panic.
func init() {
	if flag.Lookup("update") == nil {
		flag.Bool("update", false, "rewrite generated test fixtures (testdata/shapes)")
	}
}

func updateFixtures() bool {
	f := flag.Lookup("update")
	if f == nil {
		return false
	}
	g, ok := f.Value.(flag.Getter)
	if !ok {
		return false
	}
	v, _ := g.Get().(bool)
	return v
}

func shapePath(name string) string {
	return filepath.Join("testdata", "shapes", name+".json")
}

// TestGenerateShapes checks that the committed fixtures are what the seeded
// generator produces, and that they have the attribute names, types and
// sizes of the BENCHMARKS.md table. With -update it rewrites them.
func TestGenerateShapes(t *testing.T) {
	for _, name := range perfShapes {
		t.Run(name, func(t *testing.T) {
			item := generateShape(name)
			checkShape(t, name, item)
			data, err := vectors.MarshalItem(item)
			if err != nil {
				t.Fatal(err)
			}
			var indented bytes.Buffer
			if err := json.Indent(&indented, data, "", "  "); err != nil {
				t.Fatal(err)
			}
			want := indented.Bytes()
			path := shapePath(name)
			if updateFixtures() {
				if err := os.WriteFile(path, want, 0o644); err != nil {
					t.Fatal(err)
				}
				t.Logf("wrote %s (%d bytes)", path, len(want))
				return
			}
			got, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (generate the fixtures with -update)", err)
			}
			if !bytes.Equal(got, want) {
				t.Fatalf("%s differs from the generator output; run go test -run TestGenerateShapes -update ./crypto/", path)
			}
			loaded := loadShape(t, name)
			checkShape(t, name, loaded)
		})
	}
}

// shapeSpec is one row of the shapes table, checked attribute by attribute:
// the DynamoDB type and, where the table gives one, the exact length (bytes
// of S and B, digits of N, members of a set, elements of L and M).
type shapeSpec map[string]struct {
	typ string
	n   int // 0: any
}

var shapeSpecs = map[string]shapeSpec{
	"small": {
		"pk": {"S", 19}, "sk": {"N", 10}, "email": {"S", 25}, "fullName": {"S", 11},
		"balance": {"N", 0}, "notes": {"S", 100},
	},
	"medium": {
		"pk": {"S", 23}, "sk": {"N", 13}, "status": {"S", 7}, "customerId": {"S", 19},
		"email": {"S", 25}, "phone": {"S", 15}, "createdAt": {"S", 24}, "updatedAt": {"N", 13},
		"total": {"N", 0}, "currency": {"S", 3}, "itemCount": {"N", 0}, "giftWrap": {"BOOL", 0},
		"couponCode": {"NULL", 0}, "tags": {"SS", 6}, "quantities": {"NS", 5},
		"shippingAddress": {"M", 6}, "lineItems": {"L", 5}, "signatureImage": {"B", 256},
		"notes": {"S", 600}, "description": {"S", 420},
	},
	"large": {
		"pk": {"S", 45}, "sk": {"N", 0}, "contentType": {"S", 24}, "createdAt": {"N", 0},
		"blob": {"B", 307200}, "body": {"S", 40960}, "thumbnail": {"B", 6144},
		"metadata": {"M", 10}, "tags": {"SS", 8}, "checksum": {"S", 64},
	},
}

func checkShape(t *testing.T, name string, item map[string]types.AttributeValue) {
	t.Helper()
	spec := shapeSpecs[name]
	if len(item) != len(spec) {
		t.Errorf("%s: %d attributes, want %d", name, len(item), len(spec))
	}
	for attr, want := range spec {
		av, ok := item[attr]
		if !ok {
			t.Errorf("%s: missing %s", name, attr)
			continue
		}
		typ, n := avTypeLen(av)
		if typ != want.typ || (want.n != 0 && n != want.n) {
			t.Errorf("%s.%s: %s of length %d, want %s of length %d", name, attr, typ, n, want.typ, want.n)
		}
	}
	if name == "medium" {
		addr := item["shippingAddress"].(*types.AttributeValueMemberM).Value
		geo, ok := addr["geo"].(*types.AttributeValueMemberM)
		if !ok || len(geo.Value) != 2 {
			t.Errorf("medium.shippingAddress.geo: want M{lat N, lon N}")
		}
		for _, el := range item["lineItems"].(*types.AttributeValueMemberL).Value {
			if m, ok := el.(*types.AttributeValueMemberM); !ok || len(m.Value) != 3 {
				t.Errorf("medium.lineItems: want M{sku S, qty N, price N} elements")
			}
		}
	}
	if name == "large" {
		for k, v := range item["metadata"].(*types.AttributeValueMemberM).Value {
			if s, ok := v.(*types.AttributeValueMemberS); !ok || len(s.Value) != 40 {
				t.Errorf("large.metadata.%s: want S(40)", k)
			}
		}
	}
}

// avTypeLen returns av's DynamoDB type (S, N, B, BOOL, NULL, SS, NS, BS, L
// or M) and the length of its value: of the string, number, bytes, set,
// list or map; 0 for BOOL and NULL.
func avTypeLen(av types.AttributeValue) (string, int) {
	typ, ok := strings.CutPrefix(fmt.Sprintf("%T", av), "*types.AttributeValueMember")
	switch {
	case !ok:
		return fmt.Sprintf("%T", av), 0
	case typ == "BOOL" || typ == "NULL":
		return typ, 0
	}
	return typ, reflect.ValueOf(av).Elem().FieldByName("Value").Len()
}

var (
	shapeMu    sync.Mutex
	shapeCache = map[string]map[string]types.AttributeValue{}
)

// loadShape returns the fixture item of a shape. The item is shared between
// callers and must not be modified (EncryptItem does not).
func loadShape(tb testing.TB, name string) map[string]types.AttributeValue {
	tb.Helper()
	shapeMu.Lock()
	defer shapeMu.Unlock()
	if item, ok := shapeCache[name]; ok {
		return item
	}
	data, err := os.ReadFile(shapePath(name))
	if err != nil {
		tb.Fatalf("shape %s: %v", name, err)
	}
	item, err := vectors.UnmarshalItem(data)
	if err != nil {
		tb.Fatalf("shape %s: %v", name, err)
	}
	shapeCache[name] = item
	return item
}

// shapeGen draws deterministic values from a fixed-seed ChaCha8 stream. Only
// Uint64 and Read of the source are used: their output is defined by the
// algorithm, so the fixtures do not depend on how math/rand/v2 maps random
// numbers to ranges.
type shapeGen struct{ src *rand.ChaCha8 }

func newShapeGen(shape string) *shapeGen {
	seed := sha256.Sum256([]byte("ddbcrypt perf shape " + shape))
	return &shapeGen{src: rand.NewChaCha8(seed)}
}

func (g *shapeGen) intn(n int) int { return int(g.src.Uint64() % uint64(n)) }

func (g *shapeGen) pick(alphabet string, n int) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = alphabet[g.intn(len(alphabet))]
	}
	return string(b)
}

const (
	shLower  = "abcdefghijklmnopqrstuvwxyz"
	shUpper  = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	shDigits = "0123456789"
	shAlnum  = shUpper + shDigits
)

// digitsN returns n digits without a leading zero.
func (g *shapeGen) digitsN(n int) string {
	return g.pick("123456789", 1) + g.pick(shDigits, n-1)
}

// decimal returns a canonical decimal with the given integer shDigits and two
// fraction shDigits, the last one non-zero.
func (g *shapeGen) decimal(intDigits int) string {
	return g.digitsN(intDigits) + "." + g.pick(shDigits, 1) + g.pick("123456789", 1)
}

func (g *shapeGen) bytes(n int) []byte {
	b := make([]byte, n)
	g.src.Read(b)
	return b
}

var shapeWords = strings.Fields(`lorem ipsum dolor sit amet consectetur adipiscing elit sed do eiusmod
tempor incididunt ut labore et dolore magna aliqua enim ad minim veniam quis nostrud exercitation
ullamco laboris nisi aliquip ex ea commodo consequat duis aute irure in reprehenderit voluptate velit
esse cillum fugiat nulla pariatur excepteur sint occaecat cupidatat non proident sunt culpa qui officia
deserunt mollit anim id est laborum`)

// text returns exactly n bytes of ASCII prose.
func (g *shapeGen) text(n int) string {
	var sb strings.Builder
	for sb.Len() < n {
		if sb.Len() > 0 {
			sb.WriteByte(' ')
		}
		sb.WriteString(shapeWords[g.intn(len(shapeWords))])
	}
	s := []byte(sb.String()[:n])
	if s[n-1] == ' ' {
		s[n-1] = '.'
	}
	return string(s)
}

// words returns n distinct lowercase words of the given length.
func (g *shapeGen) words(n, length int) []string {
	seen := map[string]bool{}
	var out []string
	for len(out) < n {
		w := g.pick(shLower, length)
		if !seen[w] {
			seen[w] = true
			out = append(out, w)
		}
	}
	return out
}

func (g *shapeGen) email() string { // 13 + len("@example.com") = 25
	return g.pick(shLower, 8) + "." + g.pick(shLower, 4) + "@example.com"
}

func (g *shapeGen) timestamp() string { // ISO-8601, 24 characters
	return fmt.Sprintf("20%02d-%02d-%02dT%02d:%02d:%02d.%03dZ",
		20+g.intn(6), 1+g.intn(12), 1+g.intn(28), g.intn(24), g.intn(60), g.intn(60), g.intn(1000))
}

func shapeS(s string) types.AttributeValue { return &types.AttributeValueMemberS{Value: s} }
func shapeN(s string) types.AttributeValue { return &types.AttributeValueMemberN{Value: s} }

// generateShape builds a shape's item from its seed.
func generateShape(name string) map[string]types.AttributeValue {
	g := newShapeGen(name)
	switch name {
	case "small":
		return map[string]types.AttributeValue{
			"pk":       shapeS("USER#" + g.pick(shAlnum, 14)),
			"sk":       shapeN(g.digitsN(10)),
			"email":    shapeS(g.email()),
			"fullName": shapeS(g.pick(shUpper, 1) + g.pick(shLower, 4) + " " + g.pick(shUpper, 1) + g.pick(shLower, 4)),
			"balance":  shapeN("12345.67"),
			"notes":    shapeS(g.text(100)),
		}
	case "medium":
		var qty []string
		seen := map[string]bool{}
		for len(qty) < 5 {
			q := g.digitsN(1 + g.intn(2))
			if !seen[q] {
				seen[q] = true
				qty = append(qty, q)
			}
		}
		lineItems := make([]types.AttributeValue, 5)
		for i := range lineItems {
			lineItems[i] = &types.AttributeValueMemberM{Value: map[string]types.AttributeValue{
				"sku":   shapeS("SKU-" + g.pick(shAlnum, 8)),
				"qty":   shapeN(g.digitsN(1)),
				"price": shapeN(g.decimal(2)),
			}}
		}
		return map[string]types.AttributeValue{
			"pk":         shapeS("ORDER#" + g.pick(shAlnum, 17)),
			"sk":         shapeN(g.digitsN(13)),
			"status":     shapeS("SHIPPED"),
			"customerId": shapeS("CUST#" + g.pick(shAlnum, 14)),
			"email":      shapeS(g.email()),
			"phone":      shapeS("+1-" + g.pick(shDigits, 3) + "-" + g.pick(shDigits, 3) + "-" + g.pick(shDigits, 4)),
			"createdAt":  shapeS(g.timestamp()),
			"updatedAt":  shapeN(g.digitsN(13)),
			"total":      shapeN(g.decimal(3)),
			"currency":   shapeS("USD"),
			"itemCount":  shapeN("5"),
			"giftWrap":   &types.AttributeValueMemberBOOL{Value: true},
			"couponCode": &types.AttributeValueMemberNULL{Value: true},
			"tags":       &types.AttributeValueMemberSS{Value: g.words(6, 8)},
			"quantities": &types.AttributeValueMemberNS{Value: qty},
			"shippingAddress": &types.AttributeValueMemberM{Value: map[string]types.AttributeValue{
				"street":  shapeS(g.digitsN(3) + " " + g.pick(shUpper, 1) + g.pick(shLower, 7) + " Street"),
				"city":    shapeS(g.pick(shUpper, 1) + g.pick(shLower, 8)),
				"state":   shapeS(g.pick(shUpper, 2)),
				"zip":     shapeS(g.pick(shDigits, 5)),
				"country": shapeS("US"),
				"geo": &types.AttributeValueMemberM{Value: map[string]types.AttributeValue{
					"lat": shapeN(g.digitsN(2) + "." + g.pick(shDigits, 3) + g.pick("123456789", 1)),
					"lon": shapeN("-1" + g.pick(shDigits, 2) + "." + g.pick(shDigits, 3) + g.pick("123456789", 1)),
				}},
			}},
			"lineItems":      &types.AttributeValueMemberL{Value: lineItems},
			"signatureImage": &types.AttributeValueMemberB{Value: g.bytes(256)},
			"notes":          shapeS(g.text(600)),
			"description":    shapeS(g.text(420)),
		}
	case "large":
		blob := g.bytes(307200)
		sum := sha256.Sum256(blob)
		metadata := map[string]types.AttributeValue{}
		for i := range 10 {
			metadata[fmt.Sprintf("meta%02d", i)] = shapeS(g.text(40))
		}
		return map[string]types.AttributeValue{
			"pk":          shapeS("DOC#" + g.pick(shAlnum, 41)),
			"sk":          shapeN(g.digitsN(13)),
			"contentType": shapeS("application/octet-stream"),
			"createdAt":   shapeN(g.digitsN(13)),
			"blob":        &types.AttributeValueMemberB{Value: blob},
			"body":        shapeS(g.text(40960)),
			"thumbnail":   &types.AttributeValueMemberB{Value: g.bytes(6144)},
			"metadata":    &types.AttributeValueMemberM{Value: metadata},
			"tags":        &types.AttributeValueMemberSS{Value: g.words(8, 10)},
			"checksum":    shapeS(hex.EncodeToString(sum[:])),
		}
	}
	panic("unknown shape " + name)
}
