// Package config reads a configuration file that says how the items of a
// table are protected: the cryptographic materials provider, the attribute
// actions, the table name bound into signatures, and the beacons of
// encrypted attributes with their root key. Applications and the
// ddbcrypt command share it; docs/config.md describes the file.
//
//	cfg, err := config.LoadFile("orders.json")
//	if err != nil { ... }
//	clients := config.Clients{KMS: kmsClient, DynamoDB: ddbClient}
//	provider, err := cfg.Provider(clients)
//	actions, err := cfg.Actions()
//	keys, err := cfg.BeaconKeys(clients) // with cfg.Beacons(), if the file has beacons
//
// Load resolves every key source (base64:, env:, file:) and checks every
// key, so a configuration that loads holds no unchecked key; Provider
// (and BeaconKeys) builds what calls AWS with the clients given, and only
// then checks what that checks (a direct-kms description, for one). Every error
// is a *Error naming the place in the file, wraps ddbcrypt.ErrInvalidConfig,
// and never holds key material.
package config

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"slices"

	"github.com/ddbcrypt/ddbcrypt"
	"github.com/ddbcrypt/ddbcrypt/beacon"
	"github.com/ddbcrypt/ddbcrypt/cmp"
	"github.com/ddbcrypt/ddbcrypt/crypto"
	"github.com/ddbcrypt/ddbcrypt/metastore"
	"github.com/ddbcrypt/ddbcrypt/tags"
)

// maxFileSize bounds what Load reads: a configuration is a few hundred
// bytes, and a mistaken path should not fill memory.
const maxFileSize = 1 << 20

// Config is a loaded configuration file. It is safe for concurrent use.
// Its keys are never printed.
type Config struct {
	provider           builder
	actions            *crypto.AttributeActions // nil: the file has none
	signatureTableName string
	metaStore          *MetaStore // a most-recent provider's; nil for the others
	beacons            []beacon.Spec
	beaconKeys         beaconKeys // nil: the file has no beacon root key
}

// Clients are the AWS clients the providers that call AWS use: KMS for a
// direct-kms provider, DynamoDB for a most-recent provider's MetaStore. A
// configuration that needs neither ignores them. *kms.Client and
// *dynamodb.Client satisfy the interfaces.
type Clients struct {
	KMS      cmp.KMSClient
	DynamoDB metastore.Client
}

// file is the top level of the file.
type file struct {
	Provider           json.RawMessage `json:"provider"`
	Actions            *actionsSpec    `json:"actions"`
	SignatureTableName string          `json:"signatureTableName"`
	Beacons            *beaconsSpec    `json:"beacons"`
}

// actionsSpec is the "actions" object.
type actionsSpec struct {
	Default      string            `json:"default"`
	Overrides    map[string]string `json:"overrides"`
	UnsignedKeys bool              `json:"unsignedKeys"`
}

// LoadFile reads the configuration file at path; see Load.
func LoadFile(path string) (*Config, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, &Error{Err: err}
	}
	defer f.Close()
	return Load(f)
}

// Load reads a configuration from r: a JSON object with a "provider" and,
// optionally, "actions", "signatureTableName" and "beacons"
// (docs/config.md). Fields
// are matched exactly and an unknown field is an error. Key sources are
// read and keys checked now; environment variables and files named by
// env: and file: are not read again.
func Load(r io.Reader) (*Config, error) {
	data, err := io.ReadAll(io.LimitReader(r, maxFileSize+1))
	if err != nil {
		return nil, &Error{Err: err}
	}
	if len(data) > maxFileSize {
		return nil, &Error{Err: fmt.Errorf("larger than %d bytes", maxFileSize)}
	}
	var f file
	if err := decodeObject("", data, &f); err != nil {
		return nil, err
	}
	c := &Config{signatureTableName: f.SignatureTableName}
	if c.provider, c.metaStore, err = parseProvider("provider", f.Provider); err != nil {
		return nil, err
	}
	if f.Actions != nil {
		a, err := parseActions("actions", f.Actions)
		if err != nil {
			return nil, err
		}
		c.actions = &a
	}
	if f.Beacons != nil {
		if c.beacons, c.beaconKeys, err = parseBeacons("beacons", f.Beacons); err != nil {
			return nil, err
		}
	}
	return c, nil
}

// Provider returns the configured provider. A direct-kms provider needs
// clients.KMS, a most-recent provider clients.DynamoDB (and whatever its
// inner provider needs). The static and wrapped providers were built by
// Load and are returned as they are; the others are new on every call, so
// call it once and share the provider.
func (c *Config) Provider(clients Clients) (cmp.Provider, error) {
	return c.provider(clients)
}

// Actions returns the attribute actions of the file's "actions" object, or
// an error if the file has none: a configuration for the metastore
// commands needs no actions, one for a table does. Key attributes follow
// the library's key rule (crypto.AttributeActions), including its
// UnsignedKeys opt-in.
func (c *Config) Actions() (crypto.AttributeActions, error) {
	if c.actions == nil {
		return crypto.AttributeActions{}, &Error{Path: "actions", Err: errors.New("required: the configuration says no attribute actions")}
	}
	a := *c.actions
	a.Overrides = maps.Clone(a.Overrides)
	return a, nil
}

// SignatureTableName returns the table name bound into signatures (and into
// a Direct KMS encryption context) instead of the physical table's, for
// items copied from a table of that name; empty means the physical name.
// Pass it to crypto.WithSignatureTableName.
func (c *Config) SignatureTableName() string { return c.signatureTableName }

// Beacons returns the beacons of the file's "beacons.attributes", sorted
// by attribute; nil if it has none. They go with the actions: the engine
// checks that each is of an encrypted attribute when a table is built.
func (c *Config) Beacons() []beacon.Spec { return slices.Clone(c.beacons) }

// BeaconKeys returns the beacon keys of the file's "beacons.rootKey", or
// nil (and no error) if it has none: a reader that only verifies items
// with beacons needs no root key, a writer does. A root key kept under KMS
// needs clients.KMS, and is decrypted on the first beacon computed; its
// Keys are new on every call, so call it once and share them.
func (c *Config) BeaconKeys(clients Clients) (*beacon.Keys, error) {
	if c.beaconKeys == nil {
		return nil, nil
	}
	return c.beaconKeys(clients)
}

// MetaStore is the MetaStore of a most-recent provider: its table, the
// material name the provider uses, and a configuration whose provider is
// the MetaStore's inner provider, the one that protects its rows.
type MetaStore struct {
	Table        string
	MaterialName string
	Inner        *Config
}

// MetaStore returns the MetaStore of a most-recent provider, and false for
// the other provider types. The ddbcrypt metastore commands use it to
// manage the MetaStore an application's configuration reads.
func (c *Config) MetaStore() (MetaStore, bool) {
	if c.metaStore == nil {
		return MetaStore{}, false
	}
	return *c.metaStore, true
}

// String names no key.
func (c *Config) String() string { return "config.Config{keys redacted}" }

// Format prints String for every verb, so that logging a configuration
// cannot leak its keys.
func (c *Config) Format(f fmt.State, _ rune) { io.WriteString(f, c.String()) }

// parseActions reads the "actions" object with the words of the ddbcrypt
// struct tag.
func parseActions(path string, spec *actionsSpec) (crypto.AttributeActions, error) {
	word := func(p, w string) (crypto.Action, error) {
		a, ok := tags.ParseAction(w)
		if !ok {
			return 0, &Error{Path: p, Err: fmt.Errorf("unknown action %q: want encrypt, signonly or donottouch", w)}
		}
		return a, nil
	}
	if spec.Default == "" {
		return crypto.AttributeActions{}, &Error{Path: path + ".default", Err: errors.New("required: encrypt, signonly or donottouch")}
	}
	def, err := word(path+".default", spec.Default)
	if err != nil {
		return crypto.AttributeActions{}, err
	}
	a := crypto.AttributeActions{Default: def, Overrides: make(map[string]crypto.Action, len(spec.Overrides)), UnsignedKeys: spec.UnsignedKeys}
	for _, name := range slices.Sorted(maps.Keys(spec.Overrides)) {
		p := path + ".overrides." + name
		if err := checkName(p, name); err != nil {
			return crypto.AttributeActions{}, err
		}
		if a.Overrides[name], err = word(p, spec.Overrides[name]); err != nil {
			return crypto.AttributeActions{}, err
		}
	}
	return a, nil
}

// checkName refuses, at path, an attribute name the file may not give an
// action or a beacon: empty, or one of the library's own two.
func checkName(path, name string) error {
	switch name {
	case "":
		return &Error{Path: path, Err: errors.New("an attribute name must not be empty")}
	case ddbcrypt.SignatureAttribute, ddbcrypt.DescriptionAttribute:
		return &Error{Path: path, Err: errors.New("reserved attribute: the library writes it")}
	}
	return nil
}

// Error is a problem with a configuration, at one place in the file. It
// wraps ddbcrypt.ErrInvalidConfig and Err.
type Error struct {
	// Path is the JSON path of the field, e.g. "provider.signingKey.hmac";
	// empty for the file as a whole.
	Path string
	// Err says what is wrong. It never holds key material.
	Err error
}

func (e *Error) Error() string {
	if e.Path == "" {
		return "config: " + e.Err.Error()
	}
	return "config: " + e.Path + ": " + e.Err.Error()
}

func (e *Error) Unwrap() []error { return []error{ddbcrypt.ErrInvalidConfig, e.Err} }
