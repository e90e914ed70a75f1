package schema

import (
	"errors"
	"reflect"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/ddbcrypt/ddbcrypt/beacon"
	"github.com/ddbcrypt/ddbcrypt/tags"
)

// customer has a beacon with an index, whose sort key is another field,
// and one without.
type customer struct {
	ID      string `ddb:"id,hash"`
	Email   string `ddb:"email" ddbcrypt:"encrypt,beacon=12,beaconindex=by-email"`
	Since   int64  `ddb:"since,index=by-email:range"`
	Phone   string `ddb:"phone" ddbcrypt:"beacon"`
	Comment string `ddb:"comment"`
}

func TestBeacons(t *testing.T) {
	s := mustOf[customer](t)
	if len(s.Beacons) != 2 {
		t.Fatalf("Beacons = %+v, want 2", s.Beacons)
	}
	email, phone := s.Beacons[0], s.Beacons[1]
	if email.Field != s.Field("email") || email.Spec != (beacon.Spec{Attribute: "email", Bits: 12}) {
		t.Errorf("email beacon = %+v", email)
	}
	if phone.Field != s.Field("phone") || phone.Spec != (beacon.Spec{Attribute: "phone", Bits: beacon.DefaultBits}) || phone.Key != nil {
		t.Errorf("phone beacon = %+v", phone)
	}
	if email.Key == nil || email.Key.Name != "ddbcrypt_b_email" || email.Key.KeyType != types.ScalarAttributeTypeS {
		t.Fatalf("email beacon key = %+v, want the string attribute ddbcrypt_b_email", email.Key)
	}
	ix := s.Index("by-email")
	if ix == nil || ix.PartitionKey != email.Key || ix.SortKey != s.Field("since") || ix.Local {
		t.Fatalf("index by-email = %+v, want the beacon as partition key and since as sort key, global", ix)
	}
	if s.Field("ddbcrypt_b_email") != nil {
		t.Error("the beacon attribute is a field: the codec would write it from the struct")
	}
	if got := s.BeaconSpecs(); !reflect.DeepEqual(got, []beacon.Spec{email.Spec, phone.Spec}) {
		t.Errorf("BeaconSpecs = %v", got)
	}
}

func TestBeaconErrors(t *testing.T) {
	type twoPartitions struct {
		PK string `ddb:"pk,hash"`
		A  string `ddb:"a,index=ix-a:hash"`
		B  string `ddb:"b" ddbcrypt:"beacon,beaconindex=ix-a"`
	}
	type twoBeacons struct {
		PK string `ddb:"pk,hash"`
		A  string `ddb:"a" ddbcrypt:"beacon,beaconindex=ix-a"`
		B  string `ddb:"b" ddbcrypt:"beacon,beaconindex=ix-a"`
	}
	type namedLikeBeacon struct {
		PK     string `ddb:"pk,hash"`
		A      string `ddb:"a" ddbcrypt:"beacon,beaconindex=ix-a"`
		Shadow string `ddb:"ddbcrypt_b_a"`
	}
	type badBits struct {
		PK string `ddb:"pk,hash"`
		A  string `ddb:"a" ddbcrypt:"encrypt,beacon=99"`
	}
	for _, c := range []struct {
		typ   reflect.Type
		field string
		says  []string
	}{
		{reflect.TypeFor[twoPartitions](), "B (beacon)", []string{`a second partition key of index "ix-a" (beaconindex=ix-a); the first is field A`}},
		{reflect.TypeFor[twoBeacons](), "B (beacon)", []string{`a second partition key of index "ix-a"`, "the first is field A (beacon)"}},
		{reflect.TypeFor[badBits](), "A", []string{`option "beacon=99"`}},
		{reflect.TypeFor[namedLikeBeacon](), "Shadow", []string{`its attribute "ddbcrypt_b_a" is the beacon attribute of field A`}},
	} {
		_, err := Of(c.typ)
		wantErr(t, err, c.typ, c.field, c.says...)
	}
	_, err := Of(reflect.TypeFor[badBits]())
	if _, ok := errors.AsType[*tags.Error](err); !ok {
		t.Errorf("a malformed beacon option: %T, want a *tags.Error inside", err)
	}
}
