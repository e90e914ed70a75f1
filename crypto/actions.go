package crypto

// Attribute actions (docs/format.md 6).

import (
	"errors"
	"fmt"

	"github.com/ddbcrypt/ddbcrypt"
)

// Action says what the item encryptor does with one attribute.
type Action int

const (
	// DoNothing leaves the attribute in plaintext and out of the signature.
	DoNothing Action = iota
	// SignOnly leaves the attribute in plaintext and signs it.
	SignOnly
	// EncryptAndSign encrypts the attribute and signs the ciphertext.
	EncryptAndSign
)

func (a Action) String() string {
	switch a {
	case DoNothing:
		return "DO_NOTHING"
	case SignOnly:
		return "SIGN_ONLY"
	case EncryptAndSign:
		return "ENCRYPT_AND_SIGN"
	}
	return fmt.Sprintf("Action(%d)", int(a))
}

// AttributeActions assigns an action to every attribute: the one named in
// Overrides, or Default. It is Python's AttributeActions.
//
// Key attributes follow the key rule (docs/format.md 6.3, and KeyAction): the
// primary key named in the Context — and, through ForKeys, the keys of
// secondary indexes — is never encrypted, and is signed whenever anything
// in the item is signed, so that a stored item cannot be copied onto another
// key and still verify. A key that gets EncryptAndSign or DoNothing from
// Default is signed only; a key given EncryptAndSign in Overrides is an
// error, and so is one given DoNothing while other attributes are signed,
// unless UnsignedKeys is set.
type AttributeActions struct {
	Default   Action
	Overrides map[string]Action

	// UnsignedKeys lets key attributes be DoNothing — left out of the
	// signature — when Default or Overrides say so, as the Python client
	// does when its default action is DO_NOTHING. It exists only to read and
	// write such items.
	//
	// Risk: the signature then does not bind an item to its key. Anyone who
	// can write to the table can copy a stored item onto another key (or
	// under another index key) and it still verifies, so a reader asking
	// for one key can be handed another key's data. Leave it false unless
	// items written that way must be read.
	UnsignedKeys bool
}

// EncryptAll returns actions that encrypt and sign every attribute but the
// named ones, which are signed only (Java's encryptAllFieldsExcept).
func EncryptAll(signOnly ...string) AttributeActions {
	a := AttributeActions{Default: EncryptAndSign, Overrides: make(map[string]Action, len(signOnly))}
	for _, name := range signOnly {
		a.Overrides[name] = SignOnly
	}
	return a
}

// Of returns the action of one attribute that is not a key of the Context:
// its override, or else the default. Actions returned by ForKeys answer for
// the keys they were given too.
func (a AttributeActions) Of(name string) Action {
	if act, ok := a.Overrides[name]; ok {
		return act
	}
	return a.Default
}

// SignsAnything reports whether any attribute can be signed. If not, items
// pass through the encryptor unchanged (docs/format.md 1.1 step 1, 1.2 step 1).
func (a AttributeActions) SignsAnything() bool { return !a.allDoNothing() }

// allDoNothing reports whether no attribute can be signed, in which case the
// item passes through unchanged (docs/format.md 1.1 step 1, 1.2 step 1).
func (a AttributeActions) allDoNothing() bool {
	if a.Default != DoNothing {
		return false
	}
	for _, act := range a.Overrides {
		if act != DoNothing {
			return false
		}
	}
	return true
}

// The two ways a key attribute's action can break the key rule. KeyAction
// returns them wrapped in an *ddbcrypt.AttributeError naming the key, with
// ddbcrypt.ErrInvalidConfig.
var (
	ErrKeyEncrypted = errors.New("cannot be encrypted: DynamoDB must read it")
	ErrKeyUnsigned  = errors.New("must be signed whenever anything in the item is, or a stored item could be copied onto another key and still verify (AttributeActions.UnsignedKeys allows it for items written that way)")
)

// KeyAction is the key rule (docs/format.md 6.3), the one place that decides
// what happens to a key attribute — of the table or of a secondary index:
//
//   - never encrypted: EncryptAndSign from Default becomes SignOnly, an
//     explicit EncryptAndSign in Overrides is an error;
//   - signed whenever anything is: DoNothing from Default becomes SignOnly,
//     an explicit DoNothing is an error, unless a.UnsignedKeys is set (then
//     DoNothing stays DoNothing) or nothing at all is signed (then the item
//     passes through unchanged).
func (a AttributeActions) KeyAction(name string) (Action, error) {
	act, explicit := a.Overrides[name]
	if !explicit {
		act = a.Default
	}
	switch {
	case act == EncryptAndSign && explicit:
		return 0, &ddbcrypt.AttributeError{Attribute: name, Err: fmt.Errorf("%w: the key attribute %w", ddbcrypt.ErrInvalidConfig, ErrKeyEncrypted)}
	case act == EncryptAndSign:
		return SignOnly, nil
	case act == DoNothing && !a.UnsignedKeys && a.SignsAnything():
		if explicit {
			return 0, &ddbcrypt.AttributeError{Attribute: name, Err: fmt.Errorf("%w: the key attribute %w", ddbcrypt.ErrInvalidConfig, ErrKeyUnsigned)}
		}
		return SignOnly, nil
	}
	return act, nil
}

// ForKeys returns a copy of a in which each named key attribute — the
// table's primary key and the keys of its secondary indexes — has the
// action KeyAction gives it as an explicit override, so that Of answers for
// keys too. It fails, naming the attribute, where KeyAction does. Empty
// names are skipped.
func (a AttributeActions) ForKeys(keys ...string) (AttributeActions, error) {
	out := AttributeActions{Default: a.Default, Overrides: make(map[string]Action, len(a.Overrides)+len(keys)), UnsignedKeys: a.UnsignedKeys}
	for name, act := range a.Overrides {
		if err := act.check(); err != nil {
			return AttributeActions{}, &ddbcrypt.AttributeError{Attribute: name, Err: fmt.Errorf("%w: %v", ddbcrypt.ErrInvalidConfig, err)}
		}
		out.Overrides[name] = act
	}
	for _, k := range keys {
		if k == "" {
			continue
		}
		act, err := a.KeyAction(k)
		if err != nil {
			return AttributeActions{}, err
		}
		out.Overrides[k] = act
	}
	return out, nil
}

// validate checks the actions against the context before any item is
// touched.
func (a AttributeActions) validate(c *Context) error {
	if err := a.Default.check(); err != nil {
		return fmt.Errorf("%w: default action: %v", ddbcrypt.ErrInvalidConfig, err)
	}
	for name, act := range a.Overrides {
		if err := act.check(); err != nil {
			return &ddbcrypt.AttributeError{Attribute: name, Err: fmt.Errorf("%w: %v", ddbcrypt.ErrInvalidConfig, err)}
		}
		if name == SignatureAttribute || name == DescriptionAttribute {
			return &ddbcrypt.AttributeError{Attribute: name, Err: fmt.Errorf("%w: no action can be set for a reserved attribute", ddbcrypt.ErrInvalidConfig)}
		}
	}
	for _, k := range [...]string{c.PartitionKeyName, c.SortKeyName} {
		if k == "" {
			continue
		}
		if _, err := a.KeyAction(k); err != nil {
			return err
		}
	}
	return nil
}

func (a Action) check() error {
	if a < DoNothing || a > EncryptAndSign {
		return fmt.Errorf("unknown action %v", a)
	}
	return nil
}

// of returns the action for one attribute; validate has accepted a and c.
func (a AttributeActions) of(name string, c *Context) Action {
	if name != "" && (name == c.PartitionKeyName || name == c.SortKeyName) {
		act, _ := a.KeyAction(name)
		return act
	}
	return a.Of(name)
}
