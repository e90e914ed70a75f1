package sigalg

import (
	"crypto"
	"testing"
)

func TestTable(t *testing.T) {
	for name, want := range map[string]Algorithm{
		"HmacSHA224": {crypto.SHA224, false}, "HmacSHA256": {crypto.SHA256, false},
		"HmacSHA384": {crypto.SHA384, false}, "HmacSHA512": {crypto.SHA512, false},
		"SHA224withRSA": {crypto.SHA224, true}, "SHA256withRSA": {crypto.SHA256, true},
		"SHA384withRSA": {crypto.SHA384, true}, "SHA512withRSA": {crypto.SHA512, true},
	} {
		if got, ok := Lookup(name); !ok || got != want {
			t.Errorf("Lookup(%q) = %v, %v; want %v", name, got, ok, want)
		}
		if IsAsymmetric(name) != want.Asymmetric {
			t.Errorf("IsAsymmetric(%q) = %v", name, !want.Asymmetric)
		}
		if !want.Hash.Available() {
			t.Errorf("%q: hash %v is not linked in", name, want.Hash)
		}
	}
	for _, name := range []string{"SHA1withRSA", "MD5withRSA", "NONEwithRSA", "HmacSHA1", "HmacMD5",
		"SHA384withECDSA", "SHA256withRSA/PSS", "sha256withrsa", "HMACSHA256", "", "SHA256withRSA "} {
		if _, ok := Lookup(name); ok || IsAsymmetric(name) {
			t.Errorf("%q is accepted", name)
		}
	}
}
