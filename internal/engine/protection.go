package engine

import (
	"fmt"

	"github.com/ddbcrypt/ddbcrypt"
	"github.com/ddbcrypt/ddbcrypt/beacon"
	"github.com/ddbcrypt/ddbcrypt/cmp"
	"github.com/ddbcrypt/ddbcrypt/crypto"
	"github.com/ddbcrypt/ddbcrypt/internal/tableinfo"
)

// Protection is how the items of a table are protected, as a
// configuration file describes it (package config). tableops.Protection
// has the same fields and converts to it, so that the whole-table jobs and
// the CLI build their tables in this one place.
type Protection struct {
	Provider           cmp.Provider
	Actions            crypto.AttributeActions
	SignatureTableName string
	Beacons            []beacon.Spec
	BeaconKeys         *beacon.Keys
}

// Table returns the engine's table for the items of the table info
// describes, protected by p: its policy (NewBeaconPolicy, the table's and
// its indexes' keys settled by the key rule) and, when p has them, its
// beacon keys. A table with beacons and no beacon keys reads items but
// cannot write them: see Table.CheckBeaconKeys.
func (p Protection) Table(info *tableinfo.Info) (*Table, error) {
	if p.Provider == nil {
		return nil, fmt.Errorf("table %s: %w: no provider", info.Name, ddbcrypt.ErrInvalidConfig)
	}
	policy, err := NewBeaconPolicy(info, p.Actions, p.Beacons, info.KeyNames()...)
	if err != nil {
		return nil, err
	}
	return NewTable(info.Name, info, policy, p.SignatureTableName, crypto.NewEncryptor(p.Provider)).WithBeaconKeys(p.BeaconKeys), nil
}
