package crypto

// Attribute actions (FORMAT.md 6).

import (
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
// The primary key attributes named in the Context are never encrypted: a key
// that gets EncryptAndSign from Default is signed only, and a key given
// EncryptAndSign in Overrides is an error.
type AttributeActions struct {
	Default   Action
	Overrides map[string]Action
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

// allDoNothing reports whether no attribute can be signed, in which case the
// item passes through unchanged (FORMAT.md 1.1 step 1, 1.2 step 1).
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
		if act == EncryptAndSign && (name == c.PartitionKeyName || name == c.SortKeyName) {
			return &ddbcrypt.AttributeError{Attribute: name, Err: fmt.Errorf("%w: a primary key attribute cannot be encrypted", ddbcrypt.ErrInvalidConfig)}
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

// of returns the action for one attribute.
func (a AttributeActions) of(name string, c *Context) Action {
	act, ok := a.Overrides[name]
	if !ok {
		act = a.Default
	}
	if act == EncryptAndSign && (name == c.PartitionKeyName || name == c.SortKeyName) {
		return SignOnly // a defaulted key is signed, never encrypted (6.3)
	}
	return act
}
