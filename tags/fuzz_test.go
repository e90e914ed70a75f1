package tags

import (
	"errors"
	"reflect"
	"testing"

	"github.com/ddbcrypt/ddbcrypt"
	"github.com/ddbcrypt/ddbcrypt/beacon"
)

// FuzzParse: any ddbcrypt and ddb tag either parses, with a beacon length
// in bounds, or fails with an error wrapping ddbcrypt.ErrInvalidConfig;
// never a panic.
func FuzzParse(f *testing.F) {
	for _, s := range [][2]string{
		{"encrypt,beacon=16,beaconindex=by-email", "email"},
		{"beacon", "phone,hash"},
		{"beacon=1", "x"},
		{"beaconindex=i", "y,index=i:hash"},
		{"signonly,beacon=63,beacon", ""},
		{",", "a,,"},
	} {
		f.Add(s[0], s[1])
	}
	f.Fuzz(func(t *testing.T, crypto, ddb string) {
		field := reflect.StructField{Name: "F", Type: reflect.TypeFor[string](),
			Tag: reflect.StructTag(CryptoKey + `:"` + crypto + `" ` + Key + `:"` + ddb + `"`)}
		tag, err := Parse(field)
		if err != nil {
			if !errors.Is(err, ddbcrypt.ErrInvalidConfig) {
				t.Errorf("error %v does not wrap ErrInvalidConfig", err)
			}
			return
		}
		if tag.Beacon != 0 && beacon.CheckBits(tag.Beacon) != nil {
			t.Errorf("beacon of %d bits accepted", tag.Beacon)
		}
		if tag.BeaconIndex != "" && tag.Beacon == 0 {
			t.Errorf("beaconindex without a beacon accepted")
		}
	})
}
