package tags

import (
	"errors"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/ddbcrypt/ddbcrypt"
	"github.com/ddbcrypt/ddbcrypt/crypto"
)

func field(tag string) reflect.StructField {
	return reflect.StructField{Name: "F", Type: reflect.TypeFor[string](), Tag: reflect.StructTag(tag)}
}

func TestParse(t *testing.T) {
	tests := []struct {
		tag  string
		want Tag
	}{
		{``, Tag{}},
		{`json:"x"`, Tag{}},
		{`ddb:""`, Tag{}},
		{`ddb:"name"`, Tag{Name: "name"}},
		{`ddb:"some numbers"`, Tag{Name: "some numbers"}},
		{`ddb:"-"`, Tag{Ignore: true}},
		{`ddb:",omitempty"`, Tag{OmitEmpty: true}},
		{`ddb:"a,omitempty,omitemptyelem,nullempty,nullemptyelem"`, Tag{Name: "a", OmitEmpty: true, OmitEmptyElem: true, NullEmpty: true, NullEmptyElem: true}},
		{`ddb:"a,string"`, Tag{Name: "a", AsString: true}},
		{`ddb:"a,stringset"`, Tag{Name: "a", AsStrSet: true}},
		{`ddb:"a,numberset"`, Tag{Name: "a", AsNumSet: true}},
		{`ddb:"a,binaryset"`, Tag{Name: "a", AsBinSet: true}},
		{`ddb:"a,unixtime"`, Tag{Name: "a", AsUnixTime: true}},
		{`ddb:"pk,hash"`, Tag{Name: "pk", Role: Hash}},
		{`ddb:",range"`, Tag{Role: Range}},
		{`ddb:"v,version,omitempty"`, Tag{Name: "v", Role: Version, OmitEmpty: true}},
		{`ddb:"hash"`, Tag{Name: "hash"}}, // the first element is always the name
		{`ddbcrypt:"encrypt"`, Tag{Action: crypto.EncryptAndSign, HasAction: true}},
		{`ddbcrypt:"signonly"`, Tag{Action: crypto.SignOnly, HasAction: true}},
		{`ddbcrypt:"donottouch"`, Tag{Action: crypto.DoNothing, HasAction: true}},
		{`ddbcrypt:""`, Tag{}},
		{`ddbcrypt:"encrypt,beacon"`, Tag{Action: crypto.EncryptAndSign, HasAction: true, Beacon: 16}},
		{`ddbcrypt:"beacon=8"`, Tag{Beacon: 8}},
		{`ddbcrypt:"beacon=63,encrypt"`, Tag{Action: crypto.EncryptAndSign, HasAction: true, Beacon: 63}},
		{`ddb:"email" ddbcrypt:"encrypt,beacon=2,beaconindex=by-email"`, Tag{Name: "email", Action: crypto.EncryptAndSign, HasAction: true, Beacon: 2, BeaconIndex: "by-email"}},
		{`ddb:"leave me" ddbcrypt:"donottouch"`, Tag{Name: "leave me", Action: crypto.DoNothing, HasAction: true}},
		{`ddb:"-" ddbcrypt:"encrypt"`, Tag{Ignore: true, Action: crypto.EncryptAndSign, HasAction: true}}, // schema refuses it
		{`ddb:"e,index=by-email:hash"`, Tag{Name: "e", Indexes: []IndexKey{{"by-email", Hash}}}},
		{`ddb:"t,omitempty,index=by-email:range,index=by_total.v2:hash"`, Tag{Name: "t", OmitEmpty: true, Indexes: []IndexKey{{"by-email", Range}, {"by_total.v2", Hash}}}},
		{`ddb:"pk,hash,index=local:hash"`, Tag{Name: "pk", Role: Hash, Indexes: []IndexKey{{"local", Hash}}}},
		{`dynamodbav:""`, Tag{}},
		{`dynamodbav:"total"`, Tag{Name: "total"}},
		{`dynamodbav:"-"`, Tag{Ignore: true}},
		{`dynamodbav:",omitempty"`, Tag{OmitEmpty: true}},
		{`dynamodbav:"s,stringset,omitempty,nullemptyelem" ddbcrypt:"signonly"`, Tag{Name: "s", AsStrSet: true, OmitEmpty: true, NullEmptyElem: true, Action: crypto.SignOnly, HasAction: true}},
		{`dynamodbav:"u,unixtime,string,numberset,binaryset,omitemptyelem,nullempty"`, Tag{Name: "u", AsUnixTime: true, AsString: true, AsNumSet: true, AsBinSet: true, OmitEmptyElem: true, NullEmpty: true}},
		// Both tags: they agree, and the ddb tag adds roles and indexes.
		{`dynamodbav:"id" ddb:"id,hash"`, Tag{Name: "id", Role: Hash}},
		{`dynamodbav:"e,omitempty" ddb:"e,omitempty,index=by-e:hash"`, Tag{Name: "e", OmitEmpty: true, Indexes: []IndexKey{{"by-e", Hash}}}},
		{`dynamodbav:"l,stringset,omitempty" ddb:"l,omitempty,stringset"`, Tag{Name: "l", OmitEmpty: true, AsStrSet: true}}, // order does not matter
		{`dynamodbav:"-" ddb:"-"`, Tag{Ignore: true}},
		{`dynamodbav:",string" ddb:",string"`, Tag{AsString: true}},
		{`dynamodbav:"x" ddb:""`, Tag{Name: "x"}}, // an empty tag is no tag, to attributevalue too
	}
	for _, tt := range tests {
		got, err := Parse(field(tt.tag))
		if err != nil {
			t.Errorf("Parse(`%s`): %v", tt.tag, err)
			continue
		}
		if !reflect.DeepEqual(got, tt.want) {
			t.Errorf("Parse(`%s`) = %+v, want %+v", tt.tag, got, tt.want)
		}
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		tag  string
		want string // in the message
	}{
		{`ddb:"a,hsah"`, `unknown option "hsah"`},
		{`ddb:"a, hash"`, `unknown option " hash"`},
		{`ddb:"a,OmitEmpty"`, `unknown option "OmitEmpty"`},
		{`ddb:"a,"`, `empty option`},
		{`ddb:"a,,omitempty"`, `empty option`},
		{`ddb:"a,omitempty,omitempty"`, `repeated option "omitempty"`},
		{`ddb:"a,hash,range"`, `more than one key role (hash and range)`},
		{`ddb:"a,version,hash"`, `more than one key role (version and hash)`},
		{`ddb:"a,hash,hash"`, `repeated option "hash"`},
		{`ddb:"-,omitempty"`, `"-" takes no options`},
		{`ddb:"-,"`, `"-" takes no options`},
		{`ddbcrypt:"Encrypt"`, `want encrypt, signonly or donottouch`},
		{`ddbcrypt:"sign"`, `want encrypt, signonly or donottouch`},
		{`ddbcrypt:"encrypt,signonly"`, `more than one action`},
		{`ddbcrypt:"encrypt,"`, `empty option`},
		{`ddbcrypt:"encrypt,beacon=1"`, `option "beacon=1": want beacon=BITS, 2 to 63 bits`},
		{`ddbcrypt:"encrypt,beacon=64"`, `option "beacon=64": want beacon=BITS, 2 to 63 bits`},
		{`ddbcrypt:"beacon=x"`, `option "beacon=x"`},
		{`ddbcrypt:"beacon="`, `option "beacon="`},
		{`ddbcrypt:"beacon,beacon=8"`, `repeated option "beacon"`},
		{`ddbcrypt:"beaconindex=by-email"`, `beaconindex=by-email without a beacon`},
		{`ddbcrypt:"beacon,beaconindex=ab"`, `3 to 255 characters, not 2`},
		{`ddbcrypt:"beacon,beaconindex"`, `unknown option "beaconindex"`},
		{`ddbcrypt:"beacon,index=by-a:hash"`, `unknown option "index=by-a:hash"`},
		{`ddb:"a,index=by-a"`, `want index=NAME:hash or index=NAME:range`},
		{`ddb:"a,index=by-a:version"`, `want index=NAME:hash or index=NAME:range`},
		{`ddb:"a,index=:hash"`, `3 to 255 characters, not 0`},
		{`ddb:"a,index=ab:hash"`, `3 to 255 characters, not 2`},
		{`ddb:"a,index=by email:hash"`, `not ' '`},
		{`ddb:"a,index=by-a:hash,index=by-a:range"`, `index "by-a" named twice`},
		{`ddb:"a,index=by-a:hash,index=by-a:hash"`, `repeated option "index=by-a:hash"`},
		{`ddb:"a,index=by-a:HASH"`, `want index=NAME:hash`},
		{`dynamodbav:"a,hsah"`, `unknown option "hsah"`},
		{`dynamodbav:"a, omitempty"`, `unknown option " omitempty"`},
		{`dynamodbav:"a,"`, `empty option`},
		{`dynamodbav:"-,omitempty"`, `"-" takes no options`},
		{`dynamodbav:"a,hash"`, `option "hash" is ddbcrypt's: key roles and indexes go in a ddb tag`},
		{`dynamodbav:"a,version"`, `option "version" is ddbcrypt's`},
		{`dynamodbav:"a,index=by-a:hash"`, `option "index=by-a:hash" is ddbcrypt's`},
		// Both tags, disagreeing: the message quotes both.
		{`ddb:"a" dynamodbav:"b"`, `tag ddb:"a": disagrees with dynamodbav:"b", which attributevalue reads too: the attribute name is "a" in ddb and "b" in dynamodbav`},
		{`ddb:",hash" dynamodbav:"id"`, `the attribute name is the Go field name in ddb and "id" in dynamodbav`},
		{`ddb:"a" dynamodbav:"-"`, `the attribute name is "a" in ddb and "-" (not stored) in dynamodbav`},
		{`ddb:"-" dynamodbav:"a"`, `"-" (not stored) in ddb and "a" in dynamodbav`},
		{`ddb:"a,omitempty" dynamodbav:"a"`, `the options are [omitempty] in ddb and [] in dynamodbav`},
		{`ddb:"a" dynamodbav:"a,stringset"`, `the options are [] in ddb and [stringset] in dynamodbav`},
		{`ddb:"a,hash" dynamodbav:"a,hash"`, `option "hash" is ddbcrypt's`},
		{`ddb:"a,bad" dynamodbav:"a"`, `tag ddb:"a,bad": unknown option "bad"`},
		{`ddb:"a" dynamodbav:"a,bad"`, `tag dynamodbav:"a,bad": unknown option "bad"`},
	}
	for _, tt := range tests {
		_, err := Parse(field(tt.tag))
		if err == nil {
			t.Errorf("Parse(`%s`) succeeded", tt.tag)
			continue
		}
		if !errors.Is(err, ddbcrypt.ErrInvalidConfig) {
			t.Errorf("Parse(`%s`) = %v, not ErrInvalidConfig", tt.tag, err)
		}
		var te *Error
		if !errors.As(err, &te) || te.Field != "F" {
			t.Errorf("Parse(`%s`) = %#v, want a *Error for field F", tt.tag, err)
		}
		if msg := err.Error(); !strings.Contains(msg, tt.want) || !strings.Contains(msg, "field F") {
			t.Errorf("Parse(`%s`) = %q, want it to name field F and say %q", tt.tag, msg, tt.want)
		}
	}
}

// TestOptions: Options lists every value-encoding option a tag sets, by
// attributevalue's names, whatever the order in the tag.
func TestOptions(t *testing.T) {
	all := []string{"omitempty", "omitemptyelem", "nullempty", "nullemptyelem", "string", "stringset", "numberset", "binaryset", "unixtime"}
	for i, opt := range all {
		tag, err := Parse(field(`ddb:"a,` + opt + `"`))
		if err != nil {
			t.Fatal(err)
		}
		if got := tag.Options(); !reflect.DeepEqual(got, all[i:i+1]) {
			t.Errorf("%s: Options() = %v", opt, got)
		}
	}
	reversed := slices.Clone(all)
	slices.Reverse(reversed)
	tag, err := Parse(field(`dynamodbav:"a,` + strings.Join(reversed, ",") + `"`))
	if err != nil {
		t.Fatal(err)
	}
	if got := tag.Options(); !reflect.DeepEqual(got, all) {
		t.Errorf("Options() = %v, want %v", got, all)
	}
}

func TestIsZero(t *testing.T) {
	for _, tt := range []struct {
		tag  string
		zero bool
	}{
		{``, true}, {`ddb:""`, true}, {`json:"a"`, true},
		{`ddb:"a"`, false}, {`ddb:"-"`, false}, {`ddb:",omitempty"`, false}, {`ddb:",hash"`, false},
		{`ddb:",index=abc:hash"`, false}, {`ddbcrypt:"encrypt"`, false}, {`dynamodbav:",string"`, false},
	} {
		tag, err := Parse(field(tt.tag))
		if err != nil {
			t.Fatal(err)
		}
		if tag.IsZero() != tt.zero {
			t.Errorf("Parse(`%s`).IsZero() = %v", tt.tag, !tt.zero)
		}
	}
}

func TestIndexNameLength(t *testing.T) {
	for n, ok := range map[int]bool{2: false, 3: true, 255: true, 256: false} {
		_, err := Parse(field(`ddb:"a,index=` + strings.Repeat("x", n) + `:hash"`))
		if (err == nil) != ok {
			t.Errorf("index name of %d characters: err = %v", n, err)
		}
	}
}

func TestStrings(t *testing.T) {
	for r, want := range map[Role]string{NoRole: "none", Hash: "hash", Range: "range", Version: "version", 9: "Role(9)"} {
		if r.String() != want {
			t.Errorf("Role %d = %q, want %q", int(r), r.String(), want)
		}
	}
	for text, want := range map[string]crypto.Action{"encrypt": crypto.EncryptAndSign, "signonly": crypto.SignOnly, "donottouch": crypto.DoNothing} {
		if got, ok := ParseAction(text); !ok || got != want {
			t.Errorf("ParseAction(%q) = %v, %v; want %v", text, got, ok, want)
		}
	}
}
