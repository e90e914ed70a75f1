package codec

// The codec's errors name the attribute and never show the value of an
// encrypted one; values nested too deep (cycles) are refused promptly.

import (
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/ddbcrypt/ddbcrypt"
)

const (
	secretCard  = "4111111111111111"
	secretSSN   = "078-05-1120"
	secretEmail = "alice@example.com"
)

// secretSays is an Unmarshaler and Marshaler whose errors quote the value,
// as a careless one might.
type secretSays string

func (s secretSays) MarshalDynamoDBAttributeValue() (types.AttributeValue, error) {
	return nil, fmt.Errorf("cannot marshal %q", string(s))
}

func (s *secretSays) UnmarshalDynamoDBAttributeValue(av types.AttributeValue) error {
	return fmt.Errorf("cannot unmarshal %v", av)
}

type secretsFast struct {
	ID    string           `ddb:"id,hash"`
	Card  int8             `ddb:"card"`
	SSN   int              `ddb:"ssn"`
	PCard *uint16          `ddb:"pcard"`
	Cards []int8           `ddb:"cards,numberset"`
	Plain int8             `ddb:"plain" ddbcrypt:"signonly"`
	Inner secretsInner     `ddb:"inner"`
	ByKey map[int]string   `ddb:"bykey"`
	When  time.Time        `ddb:"when"`
	Says  secretSays       `ddb:"says"`
	Any   map[string]uint8 `ddb:"any"`
}

type secretsInner struct {
	Amount int8 `ddb:"amount"`
}

// secretsWhole has a field behind an embedded pointer: attributevalue
// encodes and decodes it whole.
type secretsWhole struct {
	ID string `ddb:"id,hash"`
	*SecretsEmbedded
	Card int8 `ddb:"card"`
}

type SecretsEmbedded struct {
	Says secretSays `ddb:"says"`
}

func TestDecodeErrorsHideEncryptedValues(t *testing.T) {
	n := func(v string) types.AttributeValue { return &types.AttributeValueMemberN{Value: v} }
	tests := []struct {
		typ     reflect.Type
		attr    string
		av      types.AttributeValue
		secrets []string
	}{
		{reflect.TypeFor[secretsFast](), "card", n(secretCard), []string{secretCard}},
		{reflect.TypeFor[secretsFast](), "ssn", n(secretSSN), []string{secretSSN}},
		{reflect.TypeFor[secretsFast](), "pcard", n(secretCard), []string{secretCard}},
		{reflect.TypeFor[secretsFast](), "cards", &types.AttributeValueMemberNS{Value: []string{"1", secretCard}}, []string{secretCard}},
		{reflect.TypeFor[secretsFast](), "inner", &types.AttributeValueMemberM{Value: map[string]types.AttributeValue{"amount": n(secretCard)}}, []string{secretCard}},
		{reflect.TypeFor[secretsFast](), "bykey", &types.AttributeValueMemberM{Value: map[string]types.AttributeValue{secretEmail: &types.AttributeValueMemberS{Value: "x"}}}, []string{secretEmail}},
		{reflect.TypeFor[secretsFast](), "when", &types.AttributeValueMemberS{Value: secretSSN}, []string{secretSSN}},
		{reflect.TypeFor[secretsFast](), "says", &types.AttributeValueMemberS{Value: secretSSN}, []string{secretSSN}},
		{reflect.TypeFor[secretsFast](), "any", &types.AttributeValueMemberM{Value: map[string]types.AttributeValue{secretEmail: n(secretCard)}}, []string{secretEmail, secretCard}},
		{reflect.TypeFor[secretsWhole](), "card", n(secretCard), []string{secretCard}},
		{reflect.TypeFor[secretsWhole](), "says", &types.AttributeValueMemberS{Value: secretSSN}, []string{secretSSN}},
	}
	for _, tt := range tests {
		what := fmt.Sprintf("%v.%s", tt.typ, tt.attr)
		c := cdcCodec(t, tt.typ)
		item := map[string]types.AttributeValue{"id": &types.AttributeValueMemberS{Value: "k"}, tt.attr: tt.av}
		err := c.decode(cdc, item, reflect.New(tt.typ).Elem())
		if !errors.Is(err, ddbcrypt.ErrInvalidItem) {
			t.Errorf("%s: err = %v, want ErrInvalidItem", what, err)
			continue
		}
		if got := namedAttribute(err); got != tt.attr {
			t.Errorf("%s: error %q names attribute %q", what, err, got)
		}
		for _, s := range tt.secrets {
			if strings.Contains(err.Error(), s) {
				t.Errorf("%s: error %q reveals %q", what, err, s)
			}
			for _, e := range errorTree(err) {
				if strings.Contains(e.Error(), s) {
					t.Errorf("%s: error %q wraps %q, which reveals %q", what, err, e, s)
				}
			}
		}
	}

	// A signed attribute is stored in the clear: its value may be shown,
	// and the attributevalue error is kept.
	c := cdcCodec(t, reflect.TypeFor[secretsFast]())
	err := c.decode(cdc, map[string]types.AttributeValue{"plain": n(secretCard)}, reflect.New(c.typ).Elem())
	if got := namedAttribute(err); got != "plain" || !errors.Is(err, ddbcrypt.ErrInvalidItem) {
		t.Errorf("signed attribute: err = %v, want ErrInvalidItem naming %q", err, "plain")
	}
}

// errorTree returns err and every error it wraps.
func errorTree(err error) []error {
	if err == nil {
		return nil
	}
	out := []error{err}
	switch u := err.(type) {
	case interface{ Unwrap() error }:
		out = append(out, errorTree(u.Unwrap())...)
	case interface{ Unwrap() []error }:
		for _, e := range u.Unwrap() {
			out = append(out, errorTree(e)...)
		}
	}
	return out
}

func TestEncodeErrorsHideEncryptedValues(t *testing.T) {
	for _, v := range []any{
		&secretsFast{ID: "k", Says: secretSSN},
		&secretsWhole{ID: "k", SecretsEmbedded: &SecretsEmbedded{Says: secretSSN}},
	} {
		rv := reflect.ValueOf(v).Elem()
		_, err := cdcCodec(t, rv.Type()).encode(cdc, rv)
		if !errors.Is(err, ddbcrypt.ErrInvalidItem) || namedAttribute(err) != "says" {
			t.Errorf("%T: err = %v, want ErrInvalidItem naming %q", v, err, "says")
		}
		for _, e := range errorTree(err) {
			if strings.Contains(e.Error(), secretSSN) {
				t.Errorf("%T: error %q wraps %q, which reveals %q", v, err, e, secretSSN)
			}
		}
	}
}

// Types that can hold cycles.
type (
	cycleNode struct {
		ID   string     `ddb:"id,hash"`
		Name string     `ddb:"name"`
		Next *cycleNode `ddb:"next"`
	}
	cycleList struct {
		ID       string      `ddb:"id,hash"`
		Children []cycleList `ddb:"children"`
	}
	cycleAny struct {
		ID  string `ddb:"id,hash"`
		Any any    `ddb:"any"`
	}
	cycleMap struct {
		ID string         `ddb:"id,hash"`
		M  map[string]any `ddb:"m"`
	}
	cycleTree struct {
		ID     string       `ddb:"id,hash"`
		Kids   []*cycleTree `ddb:"kids"`
		Parent *cycleTree   `ddb:"-"` // ignored: the cycle through it is no nesting
	}
	cycleWhole struct {
		ID string `ddb:"id,hash"`
		*CycleEmbedded
	}
	CycleEmbedded struct {
		Any any `ddb:"any"`
	}
)

// chain returns a list of n nodes.
func chain(n int) *cycleNode {
	var head *cycleNode
	for i := range n {
		head = &cycleNode{ID: "k", Name: fmt.Sprint(i), Next: head}
	}
	return head
}

// nestedAny returns a map[string]any nested n levels deep.
func nestedAny(n int) any {
	var v any = "leaf"
	for range n {
		v = map[string]any{"x": v}
	}
	return v
}

func TestEncodeRefusesCycles(t *testing.T) {
	loop := chain(1)
	loop.Next = loop
	ring := chain(3)
	ring.Next.Next.Next = ring
	selfMap := map[string]any{}
	selfMap["a"], selfMap["b"] = selfMap, selfMap
	selfSlice := make([]any, 2)
	selfSlice[0], selfSlice[1] = selfSlice, selfSlice
	list := cycleList{ID: "k", Children: make([]cycleList, 1)}
	list.Children[0].Children = list.Children // the element's children are itself
	var selfPtr any
	selfPtr = &selfPtr

	tests := []struct {
		name string
		v    any
		attr string
	}{
		{"pointer loop", loop, "next"},
		{"pointer ring", ring, "next"},
		{"slice of structs that holds itself", &list, "children"},
		{"any holding a map that holds itself", &cycleAny{ID: "k", Any: selfMap}, "any"},
		{"any holding a slice that holds itself", &cycleAny{ID: "k", Any: selfSlice}, "any"},
		{"any pointing to itself", &cycleAny{ID: "k", Any: selfPtr}, "any"},
		{"map holding itself", &cycleMap{ID: "k", M: selfMap}, "m"},
		{"whole struct with a cyclic field", &cycleWhole{ID: "k", CycleEmbedded: &CycleEmbedded{Any: selfMap}}, "any"},
		{"structs 33 deep", chain(34), "next"},
		{"maps 33 deep", &cycleAny{ID: "k", Any: nestedAny(33)}, "any"},
	}
	for _, tt := range tests {
		done := make(chan error, 1)
		go func() {
			rv := reflect.ValueOf(tt.v).Elem()
			_, err := cdcCodec(t, rv.Type()).encode(cdc, rv)
			done <- err
		}()
		select {
		case err := <-done:
			if !errors.Is(err, ddbcrypt.ErrInvalidItem) || !errors.Is(err, errTooDeep) {
				t.Errorf("%s: err = %v, want ErrInvalidItem for nesting", tt.name, err)
			}
			if got := namedAttribute(err); got != tt.attr {
				t.Errorf("%s: error %q names attribute %q, want %q", tt.name, err, got, tt.attr)
			}
		case <-time.After(30 * time.Second):
			t.Fatalf("%s: encode did not return", tt.name)
		}
	}

	// As deep as DynamoDB allows is fine: an attribute's value holding
	// maps 32 levels deep (the struct chain: "next" is level 0, and the
	// 33rd node is a map at level 31 holding a NULL "next").
	tree := &cycleTree{ID: "k", Kids: []*cycleTree{{ID: "kid"}}}
	tree.Kids[0].Parent = tree
	for _, v := range []any{chain(33), &cycleAny{ID: "k", Any: nestedAny(32)}, tree} {
		rv := reflect.ValueOf(v).Elem()
		c := cdcCodec(t, rv.Type())
		item, err := c.encode(cdc, rv)
		if err != nil {
			t.Errorf("%T: %v", v, err)
			continue
		}
		if want, err := wantEncode(rv); err != nil || diff(want, item) != "" {
			t.Errorf("%T: encode differs from attributevalue (err %v):\n%s", v, err, diff(want, item))
		}
	}
}
