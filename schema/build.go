package schema

import (
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/ddbcrypt/ddbcrypt"
	"github.com/ddbcrypt/ddbcrypt/beacon"
	"github.com/ddbcrypt/ddbcrypt/crypto"
	"github.com/ddbcrypt/ddbcrypt/tags"
)

// candidate is a field that may become an attribute, before name clashes are
// settled.
type candidate struct {
	sf         reflect.StructField
	tag        tags.Tag
	name       string // attribute name
	named      bool   // the name comes from the tag
	index      []int
	path       string // Go path
	viaPointer bool
	// twice: the struct holding the field was embedded more than once at
	// the same depth, so the field clashes with itself (attributevalue and
	// encoding/json count such a field twice); also is the other embedding.
	twice bool
	also  string
}

// embedded is a struct whose fields are promoted into the item.
type embedded struct {
	typ        reflect.Type
	index      []int
	path       string
	viaPointer bool
	count      int    // how many times typ is embedded at this depth
	other      string // path of a second embedding, for messages
}

func build(t reflect.Type) (*Schema, error) {
	if t.Kind() != reflect.Struct {
		return nil, errorf(t, "", "not a struct or pointer to struct")
	}
	if t.ConvertibleTo(reflect.TypeFor[time.Time]()) {
		return nil, errorf(t, "", "encodes as a time, not as an item")
	}
	if _, ok := reflect.PointerTo(t).MethodByName("MarshalDynamoDBAttributeValue"); ok {
		return nil, errorf(t, "", "has its own MarshalDynamoDBAttributeValue, so its attributes cannot be known")
	}
	s := &Schema{Type: t, Default: crypto.EncryptAndSign}
	cands, err := s.enumerate()
	if err != nil {
		return nil, err
	}
	fields, err := s.visible(cands)
	if err != nil {
		return nil, err
	}
	if err := s.resolve(fields); err != nil {
		return nil, err
	}
	if s.TableName, err = tableName(t); err != nil {
		return nil, err
	}
	return s, nil
}

// enumerate lists the fields of s.Type and, breadth first, of the structs it
// embeds, the way attributevalue does (after encoding/json): a struct type
// is explored once, at the shallowest depth it is embedded at. It also reads
// the struct default from a top-level blank field.
func (s *Schema) enumerate() ([]candidate, error) {
	var cands []candidate
	visited := map[reflect.Type]bool{}
	level := []embedded{{typ: s.Type, count: 1}}
	defaultFrom := ""
	for len(level) > 0 {
		var next []embedded
		at := map[reflect.Type]int{} // position in next
		for _, e := range level {
			if visited[e.typ] {
				continue
			}
			visited[e.typ] = true
			for i := range e.typ.NumField() {
				sf := e.typ.Field(i)
				path := sf.Name
				if e.path != "" {
					path = e.path + "." + sf.Name
				}
				if sf.Name == "_" {
					if err := s.blank(sf, path, e.path == "", &defaultFrom); err != nil {
						return nil, err
					}
					continue
				}
				if !sf.IsExported() && !sf.Anonymous {
					if ddb, av, crypt := sf.Tag.Get(tags.Key), sf.Tag.Get(tags.AVKey), sf.Tag.Get(tags.CryptoKey); (ddb != "" && ddb != "-") || (av != "" && av != "-") || crypt != "" {
						return nil, errorf(s.Type, path, "unexported, so its tags would have no effect")
					}
					continue
				}
				tag, err := tags.Parse(sf)
				if err != nil {
					return nil, s.tagError(path, err)
				}
				if tag.Ignore {
					if tag.HasAction {
						return nil, errorf(s.Type, path, `not stored ("-") but tagged ddbcrypt:%q`, sf.Tag.Get(tags.CryptoKey))
					}
					continue
				}
				ft, ptr := sf.Type, false
				if ft.Name() == "" && ft.Kind() == reflect.Pointer {
					ft, ptr = ft.Elem(), true
				}
				index := append(slices.Clip(e.index), i)
				if !sf.Anonymous || tag.Name != "" || ft.Kind() != reflect.Struct {
					if !sf.IsExported() {
						// attributevalue lists it, then panics or fails to
						// set it through the unexported field.
						return nil, errorf(s.Type, path, `an unexported embedded field can only be flattened (a struct without a name in its ddb tag); export it or tag it ddb:"-"`)
					}
					c := candidate{sf: sf, tag: tag, name: sf.Name, index: index, path: path, viaPointer: e.viaPointer, twice: e.count > 1, also: e.other}
					if tag.Name != "" {
						c.name, c.named = tag.Name, true
					}
					cands = append(cands, c)
					continue
				}
				// A promoted embedded struct: tags on it would apply to nothing.
				if !tag.IsZero() {
					return nil, errorf(s.Type, path, "embedded struct without a name in its ddb tag is flattened, so it may carry no options or ddbcrypt tag; tag its fields")
				}
				if k, ok := at[ft]; ok {
					next[k].count++
					if next[k].other == "" {
						next[k].other = path
					}
					continue
				}
				at[ft] = len(next)
				next = append(next, embedded{typ: ft, index: index, path: path, viaPointer: e.viaPointer || ptr, count: 1})
			}
		}
		level = next
	}
	return cands, nil
}

// blank reads a blank field: at the top level its ddbcrypt tag sets the
// struct default; anywhere else a tag on it is an error.
func (s *Schema) blank(sf reflect.StructField, path string, top bool, from *string) error {
	for _, key := range [...]string{tags.Key, tags.AVKey} {
		if sf.Tag.Get(key) != "" {
			return errorf(s.Type, path, "blank field with a %s tag; only a ddbcrypt tag, for the struct default, is allowed", key)
		}
	}
	tag, err := tags.Parse(sf)
	if err != nil {
		return s.tagError(path, err)
	}
	if !tag.HasAction {
		return nil
	}
	if !top {
		return errorf(s.Type, path, "a struct default (blank field with a ddbcrypt tag) is only read in the top-level struct, not in an embedded one")
	}
	if *from != "" {
		return errorf(s.Type, path, "more than one blank field with a ddbcrypt tag")
	}
	*from = path
	s.Default = tag.Action
	return nil
}

func (s *Schema) tagError(path string, err error) error {
	if te, ok := err.(*tags.Error); ok {
		return &Error{Type: s.Type, Field: path, Detail: te.Detail(), Err: te}
	}
	return &Error{Type: s.Type, Field: path, Detail: err.Error(), Err: err}
}

// visible settles name clashes by Go's embedding rules as attributevalue
// does: of the fields with one attribute name, the shallowest wins, and at
// equal depth the one named by its tag. Where attributevalue would drop every
// contender, or a loser carries a role or action, it is an error. The winners
// come back in index order.
func (s *Schema) visible(cands []candidate) ([]candidate, error) {
	byName := map[string][]int{}
	var names []string
	for i, c := range cands {
		if _, ok := byName[c.name]; !ok {
			names = append(names, c.name)
		}
		byName[c.name] = append(byName[c.name], i)
	}
	var out []candidate
	for _, name := range names {
		group := byName[name]
		if len(group) == 1 && !cands[group[0]].twice {
			out = append(out, cands[group[0]])
			continue
		}
		depth := len(cands[group[0]].index)
		for _, i := range group {
			depth = min(depth, len(cands[i].index))
		}
		var top, named []int // at the shallowest depth; of those, named by a tag
		n, nNamed := 0, 0    // counting a twice-embedded field twice
		for _, i := range group {
			if len(cands[i].index) != depth {
				continue
			}
			k := 1
			if cands[i].twice {
				k = 2
			}
			top, n = append(top, i), n+k
			if cands[i].named {
				named, nNamed = append(named, i), nNamed+k
			}
		}
		win := -1
		switch {
		case nNamed == 1:
			win = named[0]
		case nNamed == 0 && n == 1:
			win = top[0]
		}
		if win < 0 {
			clash := top
			if nNamed > 0 {
				clash = named
			}
			return nil, s.clashError(name, clash, cands)
		}
		for _, i := range group {
			if i == win {
				continue
			}
			if l := cands[i]; l.tag.Role != tags.NoRole || l.tag.HasAction {
				return nil, errorf(s.Type, l.path, "attribute %q is hidden by field %s, so its tags would have no effect", name, cands[win].path)
			}
		}
		out = append(out, cands[win])
	}
	slices.SortFunc(out, func(a, b candidate) int { return slices.Compare(a.index, b.index) })
	return out, nil
}

func (s *Schema) clashError(name string, clash []int, cands []candidate) error {
	if len(clash) == 1 {
		c := cands[clash[0]]
		return errorf(s.Type, c.path, "attribute %q is ambiguous: its struct is embedded more than once at the same depth (also as %s)", name, c.also)
	}
	paths := make([]string, len(clash))
	for i, k := range clash {
		paths[i] = cands[k].path
	}
	return errorf(s.Type, paths[0], "attribute %q is ambiguous: also field %s at the same depth", name, strings.Join(paths[1:], ", "))
}

// resolve turns the visible fields into s.Fields, assigning roles, indexes
// and actions and checking them.
func (s *Schema) resolve(cands []candidate) error {
	s.Fields = make([]Field, 0, len(cands))
	s.byName = make(map[string]int, len(cands))
	var settle []int // the version defaulted to crypto.DoNothing: crypto.SignOnly if anything is signed
	signed := false
	var roles [4]int // index+1 in s.Fields of the field holding each role
	var keys []int   // indexes in s.Fields of the key fields (table and indexes), settled last by the key rule
	ixs := &indexes{at: map[string]int{}}
	for _, c := range cands {
		f := Field{Name: c.name, GoName: c.path, Index: c.index, Type: c.sf.Type, Tag: c.tag, ViaPointer: c.viaPointer}
		fail := func(format string, args ...any) error { return errorf(s.Type, c.path, format, args...) }
		if f.Name == ddbcrypt.DescriptionAttribute || f.Name == ddbcrypt.SignatureAttribute {
			return fail("attribute name %q is reserved for the item encryptor", f.Name)
		}
		if k := deref(c.sf.Type).Kind(); k == reflect.Chan || k == reflect.Func || k == reflect.UnsafePointer {
			return fail(`a %v cannot be stored; tag it ddb:"-"`, k)
		}
		switch c.tag.Role {
		case tags.Hash:
			f.Role = PartitionKey
		case tags.Range:
			f.Role = SortKey
		case tags.Version:
			f.Role = Version
		}
		if f.Role != None && roles[f.Role] != 0 {
			return fail("a second %s; the first is field %s", f.Role.describe(), s.Fields[roles[f.Role]-1].GoName)
		}
		if err := ixs.add(s, len(s.Fields), &f); err != nil {
			return err
		}

		explicit := c.tag.HasAction
		f.Action = s.Default
		if explicit {
			f.Action = c.tag.Action
		}
		what := describe(f.Role, c.tag.Indexes)
		if (f.Role != None || len(c.tag.Indexes) > 0) && (c.tag.AsStrSet || c.tag.AsNumSet || c.tag.AsBinSet) {
			return fail("the %s must be a single value, not a set", what)
		}
		if f.Role == PartitionKey || f.Role == SortKey || len(c.tag.Indexes) > 0 {
			keys = append(keys, len(s.Fields))
			var err error
			if f.KeyType, err = keyType(c.sf.Type, c.tag); err != nil {
				return fail("the %s: %v", what, err)
			}
		}
		if f.Role == Version {
			// The version is never encrypted, and is signed whenever
			// anything is (Java's mapper, docs/format.md 6.2).
			switch {
			case explicit && f.Action == crypto.EncryptAndSign:
				return fail("the version attribute cannot be encrypted: DynamoDB must read it")
			case f.Action == crypto.EncryptAndSign:
				f.Action = crypto.SignOnly
			case !explicit && f.Action == crypto.DoNothing:
				settle = append(settle, len(s.Fields))
			}
			if k := deref(c.sf.Type).Kind(); k < reflect.Int || k > reflect.Uint64 {
				return fail("the version attribute must be an integer, not %v", c.sf.Type)
			}
			if c.tag.AsString {
				return fail("the version attribute must be stored as a number; drop the string option")
			}
		}
		if f.Action != crypto.DoNothing {
			signed = true
		}
		if f.Role != None {
			roles[f.Role] = len(s.Fields) + 1
		}
		s.byName[f.Name] = len(s.Fields)
		s.Fields = append(s.Fields, f)
	}
	if signed {
		for _, i := range settle {
			s.Fields[i].Action = crypto.SignOnly
		}
	}
	if err := s.settleKeys(keys); err != nil {
		return err
	}
	if roles[SortKey] != 0 && roles[PartitionKey] == 0 {
		return errorf(s.Type, s.Fields[roles[SortKey]-1].GoName, "a sort key needs a partition key (ddb:\",hash\")")
	}
	at := func(r Role) *Field {
		if roles[r] == 0 {
			return nil
		}
		return &s.Fields[roles[r]-1]
	}
	s.PartitionKey, s.SortKey, s.Version = at(PartitionKey), at(SortKey), at(Version)
	if err := s.beacons(ixs); err != nil {
		return err
	}
	return ixs.build(s)
}

// beacons sets s.Beacons from the tags, and gives ixs the beacon
// attributes that are partition keys of an index. A field named like a
// beacon attribute is refused, as two fields of one name are: every write
// would replace its value with the beacon.
func (s *Schema) beacons(ixs *indexes) error {
	for i := range s.Fields {
		f := &s.Fields[i]
		if f.Tag.Beacon == 0 {
			continue
		}
		b := Beacon{Field: f, Spec: beacon.Spec{Attribute: f.Name, Bits: f.Tag.Beacon}}
		if other := s.Field(b.Spec.Name()); other != nil {
			return errorf(s.Type, other.GoName, "its attribute %q is the beacon attribute of field %s (ddbcrypt:\"beacon\"); rename one", other.Name, f.GoName)
		}
		if ix := f.Tag.BeaconIndex; ix != "" {
			b.Key = &Field{Name: b.Spec.Name(), GoName: f.GoName + " (beacon)", Type: reflect.TypeFor[string](), Action: crypto.SignOnly, KeyType: types.ScalarAttributeTypeS}
			if _, ok := ixs.at[ix]; !ok {
				ixs.at[ix] = len(ixs.list)
				ixs.list = append(ixs.list, indexKeys{name: ix})
			}
			ixs.list[ixs.at[ix]].beacons = append(ixs.list[ixs.at[ix]].beacons, b.Key)
		}
		s.Beacons = append(s.Beacons, b)
	}
	return nil
}

// describe names a key field's part in messages: its role in the table, or
// else its first index's.
func describe(r Role, ixs []tags.IndexKey) string {
	if r != None || len(ixs) == 0 {
		return r.describe()
	}
	part := "partition key"
	if ixs[0].Role == tags.Range {
		part = "sort key"
	}
	return fmt.Sprintf("%s of index %q", part, ixs[0].Index)
}

// indexes gathers the key fields of each index declared in the tags.
type indexes struct {
	at   map[string]int // index name → position in list
	list []indexKeys
}

type indexKeys struct {
	name       string
	hash, sort int      // index+1 in s.Fields of the key field
	beacons    []*Field // beacon attributes declared its partition key (Beacon.Key)
}

// add records the index keys of f, to be field i of s.
func (x *indexes) add(s *Schema, i int, f *Field) error {
	for _, ik := range f.Tag.Indexes {
		k, ok := x.at[ik.Index]
		if !ok {
			k = len(x.list)
			x.at[ik.Index] = k
			x.list = append(x.list, indexKeys{name: ik.Index})
		}
		slot, part := &x.list[k].hash, "partition key"
		if ik.Role == tags.Range {
			slot, part = &x.list[k].sort, "sort key"
		}
		if *slot != 0 {
			return errorf(s.Type, f.GoName, "a second %s of index %q; the first is field %s", part, ik.Index, s.Fields[*slot-1].GoName)
		}
		*slot = i + 1
	}
	return nil
}

// build checks the indexes and sets s.Indexes. An index whose partition
// key is the table's is a local secondary index.
func (x *indexes) build(s *Schema) error {
	for _, ix := range x.list {
		var out Index
		switch {
		case len(ix.beacons) > 1 || (len(ix.beacons) == 1 && ix.hash != 0):
			first := ix.beacons[0].GoName
			if ix.hash != 0 {
				first = s.Fields[ix.hash-1].GoName
			}
			return errorf(s.Type, ix.beacons[len(ix.beacons)-1].GoName, "a second partition key of index %q (beaconindex=%s); the first is field %s", ix.name, ix.name, first)
		case len(ix.beacons) == 1:
			out = Index{Name: ix.name, PartitionKey: ix.beacons[0]}
		case ix.hash == 0:
			return errorf(s.Type, s.Fields[ix.sort-1].GoName, "index %q has a sort key but no partition key; tag a field index=%s:hash", ix.name, ix.name)
		default:
			out = Index{Name: ix.name, PartitionKey: &s.Fields[ix.hash-1]}
		}
		if ix.sort != 0 {
			out.SortKey = &s.Fields[ix.sort-1]
		}
		out.Local = out.PartitionKey == s.PartitionKey
		if out.Local && (out.SortKey == nil || s.SortKey == nil) {
			return errorf(s.Type, out.PartitionKey.GoName, "index %q has the table's partition key, which makes it a local secondary index, and a local index needs a sort key of its own and a table with a sort key", ix.name)
		}
		s.Indexes = append(s.Indexes, out)
	}
	return nil
}

// TaggedActions returns the actions the struct's tags state: the struct
// default, and an override for each field with a ddbcrypt tag and for the
// version. The key rule (crypto.AttributeActions.KeyAction) is asked with
// these, since it tells a tagged action from a defaulted one.
func (s *Schema) TaggedActions() crypto.AttributeActions {
	tagged := crypto.AttributeActions{Default: s.Default, Overrides: make(map[string]crypto.Action, len(s.Fields))}
	for _, f := range s.Fields {
		if f.Tag.HasAction || f.Role == Version {
			tagged.Overrides[f.Name] = f.Action
		}
	}
	return tagged
}

// settleKeys gives the key fields of the table and of its indexes the
// action of the key rule, which crypto decides: never encrypted, and signed
// whenever anything is.
func (s *Schema) settleKeys(keys []int) error {
	tagged := s.TaggedActions()
	for _, i := range keys {
		f := &s.Fields[i]
		act, err := tagged.KeyAction(f.Name)
		switch what := describe(f.Role, f.Tag.Indexes); {
		case errors.Is(err, crypto.ErrKeyEncrypted):
			return errorf(s.Type, f.GoName, "the %s %v", what, crypto.ErrKeyEncrypted)
		case errors.Is(err, crypto.ErrKeyUnsigned):
			return errorf(s.Type, f.GoName, "the %s %v", what, crypto.ErrKeyUnsigned)
		case err != nil:
			return errorf(s.Type, f.GoName, "%v", err)
		}
		f.Action = act
	}
	return nil
}

func deref(t reflect.Type) reflect.Type {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	return t
}

// tableName calls a `TableName() string` method on a zero value of t, as
// Java reads @DynamoDBTable from the class.
func tableName(t reflect.Type) (name string, err error) {
	pt := reflect.PointerTo(t)
	m, ok := pt.MethodByName("TableName")
	if !ok {
		return "", nil
	}
	if m.Type.NumIn() != 1 || m.Type.NumOut() != 1 || m.Type.Out(0) != reflect.TypeFor[string]() {
		return "", errorf(t, "", "its TableName method is %v; want func() string", m.Type)
	}
	defer func() {
		if r := recover(); r != nil {
			name, err = "", errorf(t, "", "TableName panicked on the zero value: %v", r)
		}
	}()
	return m.Func.Call([]reflect.Value{reflect.New(t)})[0].String(), nil
}
