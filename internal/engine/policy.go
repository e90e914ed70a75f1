package engine

import (
	"fmt"
	"maps"

	"github.com/ddbcrypt/ddbcrypt"
	"github.com/ddbcrypt/ddbcrypt/beacon"
	"github.com/ddbcrypt/ddbcrypt/crypto"
	"github.com/ddbcrypt/ddbcrypt/internal/ddbexpr"
	"github.com/ddbcrypt/ddbcrypt/internal/tableinfo"
)

// Policy is what happens to the attributes of one table's items, built once
// per table configuration from the configured actions, the table's keys
// and the keys of its indexes (and the unsigned-keys opt-in the actions
// carry). It alone answers what happens to each attribute, whether items
// are signed at all, and whether an expression may name an attribute:
// every front end asks it, nothing else decides. A Policy is immutable.
type Policy struct {
	info    *tableinfo.Info
	actions crypto.AttributeActions // every key named explicitly (ForKeys), every beacon attribute SignOnly
	beacons map[string]beacon.Spec  // by the encrypted attribute's name
}

// NewPolicy returns the policy of the table described by info for the
// configured actions. The key rule (crypto.AttributeActions.ForKeys)
// settles the action of each attribute in keys — the table's key
// attributes and those of its indexes, info.KeyNames() unless a front end
// knows better — and fails, naming the attribute, for an action it
// forbids.
func NewPolicy(info *tableinfo.Info, configured crypto.AttributeActions, keys ...string) (*Policy, error) {
	return NewBeaconPolicy(info, configured, nil, keys...)
}

// NewBeaconPolicy is NewPolicy for a table whose items carry beacons. It
// is the one place of the beacon rule: a beacon is of an encrypted
// attribute (else it would only reveal what is already in the clear); its
// attribute (beacon.Attribute) is signed and never encrypted, so that
// DynamoDB can match it — as a key of an index, or in a filter — and a
// reader can trust it; and it is no attribute of its own: a configured
// action for it, a key of the table by its name, or a second beacon of the
// same attribute is a configuration error naming the attribute.
func NewBeaconPolicy(info *tableinfo.Info, configured crypto.AttributeActions, beacons []beacon.Spec, keys ...string) (*Policy, error) {
	p := &Policy{info: info}
	if len(beacons) > 0 {
		overrides := maps.Clone(configured.Overrides)
		if overrides == nil {
			overrides = make(map[string]crypto.Action, len(beacons))
		}
		p.beacons = make(map[string]beacon.Spec, len(beacons))
		for _, b := range beacons {
			if err := b.Check(); err != nil {
				return nil, fmt.Errorf("table %s: %w", info.Name, err)
			}
			name := b.Name()
			clash := func(format string, args ...any) error {
				return fmt.Errorf("table %s: %w", info.Name, &ddbcrypt.AttributeError{Attribute: name, Err: misconfigured(format, args...)})
			}
			switch _, configuredName := configured.Overrides[name]; {
			case p.beacons[b.Attribute] != (beacon.Spec{}):
				return nil, clash("attribute %q has two beacons", b.Attribute)
			case configuredName:
				return nil, clash("%q is the beacon attribute of %q, and also an attribute with an action of its own; rename the attribute", name, b.Attribute)
			case name == info.Keys.Partition || name == info.Keys.Sort:
				return nil, clash("%q is the beacon attribute of %q, and a key of the table; a beacon can be the key of a secondary index only", name, b.Attribute)
			}
			p.beacons[b.Attribute] = b
			overrides[name] = crypto.SignOnly
		}
		configured.Overrides = overrides
	}
	actions, err := configured.ForKeys(keys...)
	if err != nil {
		return nil, fmt.Errorf("table %s: %w", info.Name, err)
	}
	p.actions = actions
	for attr := range p.beacons {
		if act := actions.Of(attr); act != crypto.EncryptAndSign {
			return nil, fmt.Errorf("table %s: %w", info.Name, &ddbcrypt.AttributeError{Attribute: attr, Err: misconfigured("attribute %q has a beacon but is %s: a beacon is for an encrypted attribute", attr, act)})
		}
	}
	return p, nil
}

// Beacon returns the beacon of the encrypted attribute attr, if it has
// one.
func (p *Policy) Beacon(attr string) (beacon.Spec, bool) {
	b, ok := p.beacons[attr]
	return b, ok
}

// Beacons returns the beacons of the table's items, by the encrypted
// attribute's name. The map must not be modified.
func (p *Policy) Beacons() map[string]beacon.Spec { return p.beacons }

// Actions returns the actions the item encryptor is given.
func (p *Policy) Actions() crypto.AttributeActions { return p.actions }

// Action returns what happens to the named top-level attribute.
func (p *Policy) Action(name string) crypto.Action { return p.actions.Of(name) }

// Signs reports whether the table's items are signed at all; if not, they
// pass through unchanged (docs/format.md 1.1).
func (p *Policy) Signs() bool { return p.actions.SignsAnything() }

// CheckCondition refuses a condition, filter or key-condition expression
// (what says which) that names an encrypted attribute: DynamoDB sees only
// its ciphertext. An absent expression passes.
func (p *Policy) CheckCondition(what string, expr *string, names map[string]string) error {
	if expr == nil || *expr == "" {
		return nil
	}
	paths, err := ddbexpr.ConditionPaths(*expr, names)
	if err != nil {
		return refusedf("%s: %v", what, err)
	}
	for _, path := range paths {
		if p.Action(path.Name) == crypto.EncryptAndSign {
			return &ddbcrypt.AttributeError{Attribute: path.Name, Err: refusedf("the %s refers to attribute %q, which is encrypted: DynamoDB sees only its ciphertext", what, path.Name)}
		}
	}
	return nil
}

// CheckUpdate allows an update expression only when every attribute it
// writes is unsigned plaintext (DO_NOTHING) and not a key, and every
// attribute it reads is not encrypted: a partial update of a signed
// attribute would break the item's signature, and a copy of an encrypted
// one would put ciphertext where plaintext is expected.
func (p *Policy) CheckUpdate(expr *string, names map[string]string) error {
	if expr == nil || *expr == "" {
		return refusedf("an update needs an UpdateExpression")
	}
	u, err := ddbexpr.ParseUpdate(*expr, names)
	if err != nil {
		return refusedf("update: %v", err)
	}
	for _, path := range u.Written() {
		switch name := path.Name; {
		case name == crypto.SignatureAttribute || name == crypto.DescriptionAttribute:
			return &ddbcrypt.AttributeError{Attribute: name, Err: refusedf("the update writes the reserved attribute %q", name)}
		case p.info.IsKey(name):
			return &ddbcrypt.AttributeError{Attribute: name, Err: refusedf("the update writes key attribute %q", name)}
		case p.Action(name) != crypto.DoNothing:
			return &ddbcrypt.AttributeError{Attribute: name, Err: refusedf("the update writes attribute %q, which is %s: a partial update would break the item's signature; write the whole item (PutItem, or Save with the mapper), or make the attribute DO_NOTHING", name, p.Action(name))}
		}
	}
	for _, path := range u.Reads {
		if p.Action(path.Name) == crypto.EncryptAndSign {
			return &ddbcrypt.AttributeError{Attribute: path.Name, Err: refusedf("the update reads attribute %q, which is encrypted: DynamoDB sees only its ciphertext", path.Name)}
		}
	}
	return nil
}

// refused builds the error for a request that will not be sent, naming
// the tables it is about; see refusedf for one table's requests.
func refused(table, format string, args ...any) error {
	return fmt.Errorf("%w: table %s: %s", ddbcrypt.ErrInvalidItem, table, fmt.Sprintf(format, args...))
}

// refusedf builds the error for a request of one table that will not be
// sent. It does not name the table: Table.refusal adds where, once.
func refusedf(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ddbcrypt.ErrInvalidItem, fmt.Sprintf(format, args...))
}

// misconfigured builds the error for a request the table's configuration
// cannot serve, such as a query of an index that does not project whole
// items. Like refusedf, it leaves naming the table to the caller.
func misconfigured(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ddbcrypt.ErrInvalidConfig, fmt.Sprintf(format, args...))
}
