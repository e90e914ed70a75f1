package config

// The "beacons" object: the beacons a table's items carry (package
// beacon) and the root key their keys are derived from.

import (
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"

	"github.com/ddbcrypt/ddbcrypt/beacon"
)

// beaconsSpec is the "beacons" object.
type beaconsSpec struct {
	RootKey    *rootKeySpec               `json:"rootKey"`
	Attributes map[string]json.RawMessage `json:"attributes"` // attribute → bits, each read on its own to name it in errors
}

// rootKeySpec is a beacon root key: raw, from a key source, or kept
// encrypted under KMS. Exactly one is set.
type rootKeySpec struct {
	Raw string          `json:"raw"`
	KMS *kmsRootKeySpec `json:"kms"`
}

// kmsRootKeySpec is a root key encrypted under a KMS key
// (beacon.NewKMSKeys).
type kmsRootKeySpec struct {
	KeyID      string `json:"keyId"`
	Ciphertext string `json:"ciphertext"`
}

// beaconKeys returns the beacon keys of a loaded root key, connected to
// the clients they need.
type beaconKeys func(Clients) (*beacon.Keys, error)

// parseBeacons reads the "beacons" object at path: its beacons, sorted by
// attribute, and its root key (nil without one).
func parseBeacons(path string, spec *beaconsSpec) ([]beacon.Spec, beaconKeys, error) {
	if spec.RootKey == nil && spec.Attributes == nil {
		return nil, nil, &Error{Path: path, Err: errors.New("needs attributes, rootKey or both")}
	}
	var specs []beacon.Spec
	for _, name := range slices.Sorted(maps.Keys(spec.Attributes)) {
		p := join(path, "attributes") + "." + name
		if err := checkName(p, name); err != nil {
			return nil, nil, err
		}
		var bits int
		if err := json.Unmarshal(spec.Attributes[name], &bits); err != nil {
			return nil, nil, &Error{Path: p, Err: fmt.Errorf("must be the beacon's length, a whole number of bits from %d to %d", beacon.MinBits, beacon.MaxBits)}
		}
		if err := beacon.CheckBits(bits); err != nil {
			return nil, nil, &Error{Path: p, Err: err}
		}
		specs = append(specs, beacon.Spec{Attribute: name, Bits: bits})
	}
	if spec.RootKey == nil {
		return specs, nil, nil
	}
	keys, err := parseRootKey(join(path, "rootKey"), spec.RootKey)
	return specs, keys, err
}

// parseRootKey reads a root key object. A raw key is read and checked now
// and its Keys shared by every caller; a KMS ciphertext is read now and
// decrypted by the Keys, on the first beacon they compute.
func parseRootKey(path string, k *rootKeySpec) (beaconKeys, error) {
	if (k.Raw == "") == (k.KMS == nil) {
		return nil, &Error{Path: path, Err: errors.New("needs exactly one of raw or kms")}
	}
	if k.Raw != "" {
		p := join(path, "raw")
		b, err := readSource(p, k.Raw, true)
		if err != nil {
			return nil, err
		}
		defer clear(b)
		keys, err := beacon.NewKeys(b)
		if err != nil {
			return nil, &Error{Path: p, Err: err}
		}
		return func(Clients) (*beacon.Keys, error) { return keys, nil }, nil
	}
	p := join(path, "kms")
	if k.KMS.KeyID == "" {
		return nil, &Error{Path: join(p, "keyId"), Err: errors.New("required: the KMS key the root key is encrypted under")}
	}
	if k.KMS.Ciphertext == "" {
		return nil, &Error{Path: join(p, "ciphertext"), Err: errors.New("required: the encrypted root key (beacon.NewKMSRootKey)")}
	}
	blob, err := readSource(join(p, "ciphertext"), k.KMS.Ciphertext, true)
	if err != nil {
		return nil, err
	}
	if len(blob) == 0 {
		return nil, &Error{Path: join(p, "ciphertext"), Err: errors.New("empty")}
	}
	keyID := k.KMS.KeyID
	return func(c Clients) (*beacon.Keys, error) {
		if c.KMS == nil {
			return nil, &Error{Path: p, Err: errors.New("a beacon root key under KMS needs a KMS client")}
		}
		return beacon.NewKMSKeys(c.KMS, keyID, blob), nil
	}, nil
}
