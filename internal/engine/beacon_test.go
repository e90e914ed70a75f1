package engine

import (
	"errors"
	"strings"
	"testing"

	"github.com/ddbcrypt/ddbcrypt"
	"github.com/ddbcrypt/ddbcrypt/beacon"
	"github.com/ddbcrypt/ddbcrypt/crypto"
	"github.com/ddbcrypt/ddbcrypt/internal/tableinfo"
)

// beaconInfo is testInfo with an index on the beacon of "secret".
func beaconInfo() *tableinfo.Info {
	info := testInfo()
	info.Indexes["bySecret"] = tableinfo.Index{Keys: tableinfo.KeySchema{Partition: beacon.Attribute("secret")}, ProjectsAll: true}
	return info
}

// TestBeaconPolicy pins the beacon rule: the beacon attribute is signed
// only, even as an index key and under a DoNothing default, and
// expressions may name it but not the encrypted attribute.
func TestBeaconPolicy(t *testing.T) {
	info := beaconInfo()
	for _, def := range []crypto.Action{crypto.EncryptAndSign, crypto.DoNothing} {
		configured := crypto.AttributeActions{Default: def, Overrides: map[string]crypto.Action{"secret": crypto.EncryptAndSign, "views": crypto.DoNothing}}
		p, err := NewBeaconPolicy(info, configured, []beacon.Spec{{Attribute: "secret", Bits: 8}}, info.KeyNames()...)
		if err != nil {
			t.Fatal(err)
		}
		if got := p.Action("ddbcrypt_b_secret"); got != crypto.SignOnly {
			t.Errorf("default %v: the beacon attribute is %v, want SignOnly", def, got)
		}
		if b, ok := p.Beacon("secret"); !ok || b.Length() != 8 {
			t.Errorf("Beacon(secret) = %v, %v", b, ok)
		}
		if _, ok := configured.Overrides["ddbcrypt_b_secret"]; ok {
			t.Error("the policy changed the caller's actions")
		}
	}
	p, err := NewBeaconPolicy(info, crypto.AttributeActions{Default: crypto.EncryptAndSign}, []beacon.Spec{{Attribute: "secret"}}, info.KeyNames()...)
	if err != nil {
		t.Fatal(err)
	}
	names := map[string]string{"#b": "ddbcrypt_b_secret", "#s": "secret"}
	for _, tc := range []struct{ expr, refused string }{
		{"#b = :b", ""},
		{"#b = :b AND #s = :s", "secret"},
	} {
		checkRefusal(t, "condition "+tc.expr, p.CheckCondition("condition", &tc.expr, names), tc.refused)
	}
	update := "SET #b = :b"
	checkRefusal(t, "update "+update, p.CheckUpdate(&update, names), "ddbcrypt_b_secret")
}

func TestBeaconPolicyErrors(t *testing.T) {
	info := beaconInfo()
	info.Keys.Sort = "ddbcrypt_b_sk"
	for _, tc := range []struct {
		name    string
		actions map[string]crypto.Action
		beacons []beacon.Spec
		attr    string
		says    string
	}{
		{"a clash with a configured attribute", map[string]crypto.Action{"ddbcrypt_b_secret": crypto.SignOnly}, []beacon.Spec{{Attribute: "secret"}}, "ddbcrypt_b_secret", "also an attribute with an action of its own"},
		{"a clash with the table's key", nil, []beacon.Spec{{Attribute: "sk"}}, "ddbcrypt_b_sk", "a key of the table"},
		{"two beacons", nil, []beacon.Spec{{Attribute: "secret"}, {Attribute: "secret", Bits: 4}}, "ddbcrypt_b_secret", "two beacons"},
		{"a signed attribute", map[string]crypto.Action{"status": crypto.SignOnly}, []beacon.Spec{{Attribute: "status"}}, "status", "a beacon is for an encrypted attribute"},
		{"a key", nil, []beacon.Spec{{Attribute: "pk"}}, "pk", "a beacon is for an encrypted attribute"},
		{"a length out of bounds", nil, []beacon.Spec{{Attribute: "secret", Bits: 64}}, "secret", "2 to 63 bits"},
	} {
		_, err := NewBeaconPolicy(info, crypto.AttributeActions{Default: crypto.EncryptAndSign, Overrides: tc.actions}, tc.beacons, info.KeyNames()...)
		ae, ok := errors.AsType[*ddbcrypt.AttributeError](err)
		if !errors.Is(err, ddbcrypt.ErrInvalidConfig) || !ok || ae.Attribute != tc.attr || !strings.Contains(err.Error(), tc.says) {
			t.Errorf("%s: err = %v, want ErrInvalidConfig naming %q and saying %q", tc.name, err, tc.attr, tc.says)
		}
	}
}
