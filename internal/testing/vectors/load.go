// Package vectors runs the encrypted-item test vectors of the legacy DynamoDB
// Encryption Client (docs/format.md 9.6) against ddbcrypt, and writes new vector
// sets in the same layout, so that ddbcrypt output can be checked by the
// reference implementations' harnesses.
//
// It is internal: a test harness and the engine of `ddbcrypt vectors`, not an
// API.
package vectors

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/ddbcrypt/ddbcrypt/crypto"
)

// Set is a loaded vector directory: scenarios.json with the keys and
// plaintext files it names. Ciphertext files are read when a scenario runs,
// so that one broken file fails one scenario only.
type Set struct {
	Dir       string // the directory holding scenarios.json
	Keys      map[string]*Key
	Scenarios []*Scenario

	keysPath      string // absolute paths of the shared files
	plaintextPath string
	plaintexts    map[string]*Plaintext // by absolute path
	raw           map[string]json.RawMessage
}

// Scenario is one entry of scenarios.json. Paths are resolved to file paths.
type Scenario struct {
	Version      string            // "v0", "v1": selects attribute groups
	Provider     string            // "static", "wrapped", "awskms", "most_recent"
	Keys         map[string]string // role ("encrypt", "decrypt", "sign", "verify") → key name
	Plaintext    string            // file path of the plaintext file
	Ciphertext   string            // file path of the ciphertext file
	Network      bool              // needs AWS KMS
	MaterialName string            // most_recent only
	MetaStore    *MetaStore        // most_recent only

	// Raw holds the scenario's JSON object as read, including fields this
	// package does not know (name, endpoint, region, ...), for provider
	// builders that need them and for rewriting the scenario.
	Raw map[string]json.RawMessage

	plaintext *Plaintext
}

// MetaStore is the MetaStore set-up of a most_recent scenario.
type MetaStore struct {
	TableName  string
	Provider   string
	Keys       map[string]string
	Ciphertext string // file path of the file holding the MetaStore rows
}

// Name is the base name of the scenario's ciphertext file, which is how the
// vectors name their scenarios.
func (s *Scenario) Name() string { return filepath.Base(s.Ciphertext) }

// PlaintextFile returns the scenario's decoded plaintext file.
func (s *Scenario) PlaintextFile() *Plaintext { return s.plaintext }

// KeyName returns the key name for a role, applying the defaults of
// docs/format.md 9.6: "encrypt" falls back to "decrypt", "sign" to "verify".
func KeyName(keys map[string]string, role string) string {
	if k, ok := keys[role]; ok {
		return k
	}
	switch role {
	case "encrypt":
		return keys["decrypt"]
	case "sign":
		return keys["verify"]
	}
	return ""
}

// Load reads the vector set in dir: the directory holding scenarios.json, or
// a parent holding encrypted_item/scenarios.json (the layout of the public
// vectors).
func Load(dir string) (*Set, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, err
	}
	if _, err := os.Stat(filepath.Join(abs, "scenarios.json")); err != nil {
		nested := filepath.Join(abs, "encrypted_item")
		if _, err2 := os.Stat(filepath.Join(nested, "scenarios.json")); err2 != nil {
			return nil, fmt.Errorf("vectors: no scenarios.json in %s: %w", dir, err)
		}
		abs = nested
	}
	set := &Set{Dir: abs, plaintexts: map[string]*Plaintext{}}
	data, err := os.ReadFile(filepath.Join(abs, "scenarios.json"))
	if err != nil {
		return nil, fmt.Errorf("vectors: %w", err)
	}
	if err := json.Unmarshal(data, &set.raw); err != nil {
		return nil, fmt.Errorf("vectors: scenarios.json: %w", err)
	}
	var top struct {
		Plaintext string            `json:"plaintext"`
		Keys      string            `json:"keys"`
		Scenarios []json.RawMessage `json:"scenarios"`
	}
	if err := json.Unmarshal(data, &top); err != nil {
		return nil, fmt.Errorf("vectors: scenarios.json: %w", err)
	}
	if top.Keys == "" {
		return nil, fmt.Errorf("vectors: scenarios.json names no keys file")
	}
	set.keysPath = set.resolve(top.Keys)
	keysData, err := os.ReadFile(set.keysPath)
	if err != nil {
		return nil, fmt.Errorf("vectors: %w", err)
	}
	if set.Keys, err = parseKeys(keysData); err != nil {
		return nil, fmt.Errorf("vectors: %s: %w", set.keysPath, err)
	}
	if top.Plaintext != "" {
		set.plaintextPath = set.resolve(top.Plaintext)
	}
	for i, raw := range top.Scenarios {
		sc, err := set.parseScenario(raw)
		if err != nil {
			return nil, fmt.Errorf("vectors: scenario %d: %w", i, err)
		}
		set.Scenarios = append(set.Scenarios, sc)
	}
	return set, nil
}

// resolve turns a file:// URI (relative to the set's directory) into a path.
func (set *Set) resolve(uri string) string {
	p := filepath.FromSlash(strings.TrimPrefix(uri, "file://"))
	if filepath.IsAbs(p) {
		return p
	}
	return filepath.Join(set.Dir, p)
}

func (set *Set) parseScenario(data json.RawMessage) (*Scenario, error) {
	var sj struct {
		Version      string            `json:"version"`
		Provider     string            `json:"provider"`
		Keys         map[string]string `json:"keys"`
		Plaintext    string            `json:"plaintext"`
		Ciphertext   string            `json:"ciphertext"`
		Network      bool              `json:"network"`
		MaterialName string            `json:"material_name"`
		MetaStore    *struct {
			TableName  string            `json:"table_name"`
			Provider   string            `json:"provider"`
			Keys       map[string]string `json:"keys"`
			Ciphertext string            `json:"ciphertext"`
		} `json:"metastore"`
	}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(data, &raw); err != nil {
		return nil, err
	}
	if err := json.Unmarshal(data, &sj); err != nil {
		return nil, err
	}
	if sj.Provider == "" || sj.Ciphertext == "" {
		return nil, fmt.Errorf("needs a provider and a ciphertext file")
	}
	sc := &Scenario{
		Version:      sj.Version,
		Provider:     sj.Provider,
		Keys:         sj.Keys,
		Ciphertext:   set.resolve(sj.Ciphertext),
		Network:      sj.Network,
		MaterialName: sj.MaterialName,
		Raw:          raw,
	}
	if ms := sj.MetaStore; ms != nil {
		sc.MetaStore = &MetaStore{TableName: ms.TableName, Provider: ms.Provider, Keys: ms.Keys, Ciphertext: set.resolve(ms.Ciphertext)}
	}
	switch {
	case sj.Plaintext != "":
		sc.Plaintext = set.resolve(sj.Plaintext)
	case set.plaintextPath != "":
		sc.Plaintext = set.plaintextPath
	default:
		return nil, fmt.Errorf("%s: no plaintext file", sc.Name())
	}
	if sc.plaintext = set.plaintexts[sc.Plaintext]; sc.plaintext == nil {
		pdata, err := os.ReadFile(sc.Plaintext)
		if err != nil {
			return nil, err
		}
		if sc.plaintext, err = parsePlaintext(pdata); err != nil {
			return nil, fmt.Errorf("%s: %w", sc.Plaintext, err)
		}
		set.plaintexts[sc.Plaintext] = sc.plaintext
	}
	return sc, nil
}

// Key returns the named key, or an error if it is missing or undecodable.
func (set *Set) Key(name string) (*Key, error) {
	k, ok := set.Keys[name]
	if !ok || name == "" {
		return nil, fmt.Errorf("no key %q in keys.json", name)
	}
	if k.err != nil {
		return nil, k.err
	}
	return k, nil
}

// Plaintext is a decoded plaintext.json.
type Plaintext struct {
	Actions  map[string]ActionSet           // action set name → actions
	Tables   map[string]*Table              // table name → items
	Versions map[string]map[string][]string // table → scenario version → group names
	Groups   map[string]map[string]types.AttributeValue
}

// ActionSet is one entry of plaintext.json "actions".
type ActionSet struct {
	Default  crypto.Action
	Override map[string]crypto.Action
}

// Table is one table of plaintext.json "items".
type Table struct {
	PartitionKey string
	SortKey      string // empty for a table without a sort key
	Items        []PlaintextItem
}

// PlaintextItem is one plaintext item before expansion.
type PlaintextItem struct {
	Attributes map[string]types.AttributeValue
	ActionSet  string
	Exact      bool // true: no attribute groups are added
}

func parsePlaintext(data []byte) (*Plaintext, error) {
	var pj struct {
		Actions map[string]struct {
			Default  string            `json:"default"`
			Override map[string]string `json:"override"`
		} `json:"actions"`
		Items map[string]struct {
			Index struct {
				Partition string `json:"partition"`
				Sort      string `json:"sort"`
			} `json:"index"`
			Items []struct {
				Attributes json.RawMessage `json:"attributes"`
				Action     string          `json:"action"`
				Exact      bool            `json:"exact"`
			} `json:"items"`
		} `json:"items"`
		Versions   map[string]map[string][]string `json:"versions"`
		Attributes map[string]json.RawMessage     `json:"attributes"`
	}
	if err := json.Unmarshal(data, &pj); err != nil {
		return nil, err
	}
	p := &Plaintext{
		Actions:  make(map[string]ActionSet, len(pj.Actions)),
		Tables:   make(map[string]*Table, len(pj.Items)),
		Versions: pj.Versions,
		Groups:   make(map[string]map[string]types.AttributeValue, len(pj.Attributes)),
	}
	for name, aj := range pj.Actions {
		def, err := parseAction(aj.Default)
		if err != nil {
			return nil, fmt.Errorf("action set %q: %w", name, err)
		}
		set := ActionSet{Default: def, Override: make(map[string]crypto.Action, len(aj.Override))}
		for attr, a := range aj.Override {
			if set.Override[attr], err = parseAction(a); err != nil {
				return nil, fmt.Errorf("action set %q, %q: %w", name, attr, err)
			}
		}
		p.Actions[name] = set
	}
	for name, raw := range pj.Attributes {
		group, err := UnmarshalItem(raw)
		if err != nil {
			return nil, fmt.Errorf("attribute group %q: %w", name, err)
		}
		p.Groups[name] = group
	}
	for name, tj := range pj.Items {
		if tj.Index.Partition == "" {
			return nil, fmt.Errorf("table %q: no partition key in index", name)
		}
		t := &Table{PartitionKey: tj.Index.Partition, SortKey: tj.Index.Sort}
		for i, ij := range tj.Items {
			attrs, err := UnmarshalItem(ij.Attributes)
			if err != nil {
				return nil, fmt.Errorf("table %q item %d: %w", name, i, err)
			}
			if _, ok := p.Actions[ij.Action]; !ok {
				return nil, fmt.Errorf("table %q item %d: unknown action set %q", name, i, ij.Action)
			}
			t.Items = append(t.Items, PlaintextItem{Attributes: attrs, ActionSet: ij.Action, Exact: ij.Exact})
		}
		p.Tables[name] = t
	}
	return p, nil
}

func parseAction(s string) (crypto.Action, error) {
	switch s {
	case "encrypt":
		return crypto.EncryptAndSign, nil
	case "sign":
		return crypto.SignOnly, nil
	case "nothing":
		return crypto.DoNothing, nil
	}
	return 0, fmt.Errorf("unknown action %q", s)
}

// Case is one expanded plaintext item: what a scenario encrypts, or expects
// to get back from a ciphertext item.
type Case struct {
	Table     string
	Item      map[string]types.AttributeValue
	ActionSet string
	Actions   crypto.AttributeActions
	Context   crypto.Context
}

// Key describes the case's primary key for messages, e.g. "hashKey=5 rangeKey=7".
func (c *Case) Key() string { return describeKey(c.Item, c.Context) }

func describeKey(item map[string]types.AttributeValue, c crypto.Context) string {
	var parts []string
	for _, name := range []string{c.PartitionKeyName, c.SortKeyName} {
		if name == "" {
			continue
		}
		v := "(missing)"
		if av, ok := item[name]; ok {
			v = scalarText(av)
		}
		parts = append(parts, name+"="+v)
	}
	return strings.Join(parts, " ")
}

// scalarText renders a key value: the bare text of an S, N or B value,
// DynamoDB JSON for anything else.
func scalarText(av types.AttributeValue) string {
	m, _ := Canonical(av).(map[string]any)
	for _, tag := range []string{"S", "N", "B"} {
		if s, ok := m[tag].(string); ok {
			return s
		}
	}
	return describe(m)
}

// Expand returns the plaintext items of a table for a scenario version, as
// docs/format.md 9.6 says: each item's attributes plus, unless it is exact, the
// attribute groups that version lists for the table; the actions are the
// item's action set with the primary key attributes signed, never encrypted.
func (p *Plaintext) Expand(table, version string) ([]Case, error) {
	t, ok := p.Tables[table]
	if !ok {
		return nil, fmt.Errorf("plaintext has no table %q", table)
	}
	var groups []string
	if byVersion, ok := p.Versions[table]; ok {
		if groups, ok = byVersion[version]; !ok {
			return nil, fmt.Errorf("plaintext table %q has no version %q", table, version)
		}
	}
	ctx := crypto.Context{TableName: table, PartitionKeyName: t.PartitionKey, SortKeyName: t.SortKey}
	cases := make([]Case, 0, len(t.Items))
	for _, pi := range t.Items {
		item := make(map[string]types.AttributeValue, len(pi.Attributes))
		if !pi.Exact {
			for _, g := range groups {
				group, ok := p.Groups[g]
				if !ok {
					return nil, fmt.Errorf("plaintext has no attribute group %q", g)
				}
				for name, av := range group {
					item[name] = av
				}
			}
		}
		// The item's own attributes win over a group's.
		for name, av := range pi.Attributes {
			item[name] = av
		}
		actions, err := p.actions(pi.ActionSet, t)
		if err != nil {
			return nil, fmt.Errorf("action set %q: %w", pi.ActionSet, err)
		}
		cases = append(cases, Case{Table: table, Item: item, ActionSet: pi.ActionSet, Actions: actions, Context: ctx})
	}
	return cases, nil
}

// actions builds the AttributeActions of an action set for a table. The
// Java writer signs, rather than encrypts, a key an action set would
// encrypt; such an override is dropped, so that the key rule
// (crypto.AttributeActions.ForKeys) decides every key as for a default.
func (p *Plaintext) actions(name string, t *Table) (crypto.AttributeActions, error) {
	set := p.Actions[name]
	a := crypto.AttributeActions{Default: set.Default, Overrides: make(map[string]crypto.Action, len(set.Override)+2)}
	for attr, act := range set.Override {
		if act != crypto.EncryptAndSign || (attr != t.PartitionKey && attr != t.SortKey) {
			a.Overrides[attr] = act
		}
	}
	return a.ForKeys(t.PartitionKey, t.SortKey)
}
