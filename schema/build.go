package schema

import (
	"errors"
	"reflect"
	"slices"
	"strings"
	"time"

	"github.com/ddbcrypt/ddbcrypt"
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
					if ddb, crypt := sf.Tag.Get(tags.Key), sf.Tag.Get(tags.CryptoKey); (ddb != "" && ddb != "-") || crypt != "" {
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
						return nil, errorf(s.Type, path, `tagged both ddb:"-" and ddbcrypt:%q`, sf.Tag.Get(tags.CryptoKey))
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
				if tag != (tags.Tag{}) {
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
	if v := sf.Tag.Get(tags.Key); v != "" {
		return errorf(s.Type, path, "blank field with a ddb tag; only a ddbcrypt tag, for the struct default, is allowed")
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

// resolve turns the visible fields into s.Fields, assigning roles and
// actions and checking them.
func (s *Schema) resolve(cands []candidate) error {
	s.Fields = make([]Field, 0, len(cands))
	s.byName = make(map[string]int, len(cands))
	var settle []int // the version defaulted to crypto.DoNothing: crypto.SignOnly if anything is signed
	signed := false
	var roles [4]int // index+1 in s.Fields of the field holding each role
	var keys []int   // indexes in s.Fields of the key fields, settled last by the key rule
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

		explicit := c.tag.HasAction
		f.Action = s.Default
		if explicit {
			f.Action = c.tag.Action
		}
		if f.Role != None && (c.tag.AsStrSet || c.tag.AsNumSet || c.tag.AsBinSet) {
			return fail("the %s must be a single value, not a set", f.Role.describe())
		}
		switch f.Role {
		case PartitionKey, SortKey:
			keys = append(keys, len(s.Fields))
		case Version:
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

// settleKeys gives the table's key fields the action of the key rule,
// which crypto decides: never encrypted, and signed whenever anything is.
func (s *Schema) settleKeys(keys []int) error {
	tagged := s.TaggedActions()
	for _, i := range keys {
		f := &s.Fields[i]
		act, err := tagged.KeyAction(f.Name)
		switch {
		case errors.Is(err, crypto.ErrKeyEncrypted):
			return errorf(s.Type, f.GoName, "the %s %v", f.Role.describe(), crypto.ErrKeyEncrypted)
		case errors.Is(err, crypto.ErrKeyUnsigned):
			return errorf(s.Type, f.GoName, "the %s %v", f.Role.describe(), crypto.ErrKeyUnsigned)
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
