package tags

import (
	"errors"
	"reflect"
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
		{`ddb:"leave me" ddbcrypt:"donottouch"`, Tag{Name: "leave me", Action: crypto.DoNothing, HasAction: true}},
		{`ddb:"-" ddbcrypt:"encrypt"`, Tag{Ignore: true, Action: crypto.EncryptAndSign, HasAction: true}}, // schema refuses it
		{`dynamodbav:""`, Tag{}},
	}
	for _, tt := range tests {
		got, err := Parse(field(tt.tag))
		if err != nil {
			t.Errorf("Parse(`%s`): %v", tt.tag, err)
			continue
		}
		if got != tt.want {
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
		{`ddbcrypt:"encrypt,signonly"`, `want encrypt, signonly or donottouch`},
		{`ddb:"a" dynamodbav:"b"`, `use the ddb tag`},
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

func TestStrings(t *testing.T) {
	for r, want := range map[Role]string{NoRole: "none", Hash: "hash", Range: "range", Version: "version", 9: "Role(9)"} {
		if r.String() != want {
			t.Errorf("Role %d = %q, want %q", int(r), r.String(), want)
		}
	}
	for text, want := range map[string]crypto.Action{"encrypt": crypto.EncryptAndSign, "signonly": crypto.SignOnly, "donottouch": crypto.DoNothing} {
		if got, ok := parseAction(text); !ok || got != want {
			t.Errorf("parseAction(%q) = %v, %v; want %v", text, got, ok, want)
		}
	}
}
