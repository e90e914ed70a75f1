// Package codec encodes Go structs into DynamoDB items and decodes them
// back exactly as aws-sdk-go-v2's attributevalue does, only faster, for the
// mapper.
//
// attributevalue's Encoder and Decoder walk a struct by reflection on every
// call and allocate for each value; the codec does that walk once per type,
// into a plan, and then:
//
//   - encodes and decodes the plain fields itself, through the field's
//     offset: strings, bools, integers and floats, pointers to those,
//     byte slices, and slices of strings or of numbers (as lists, or as
//     sets with stringset / numberset); and, with the nested type's own
//     plan, structs, pointers to structs and slices of structs. It writes
//     exactly what attributevalue writes for them (same number formatting,
//     same empty and NULL rules), and hands back to attributevalue any
//     value it does not expect (a NULL element, a malformed number, a type
//     mismatch), so that errors are attributevalue's own;
//   - passes every other field to attributevalue one at a time: a pointer
//     to the field, after applying omitempty / nullempty itself, when the
//     field's tag has no other option, or else a one-field struct that
//     carries the field's own tag, so that attributevalue applies the
//     options as it would inside the whole struct;
//   - falls back to attributevalue on the whole struct for types it cannot
//     split: fields behind an embedded pointer (encoding skips them when
//     the pointer is nil, decoding allocates it), and types whose pointer
//     implements attributevalue.Unmarshaler (decoding calls it instead of
//     decoding the fields); and for every type, one way or both, when an
//     option it does not implement is set (see New).
//
// The equivalence tests in codec_test.go and options_test.go hold the codec
// to attributevalue's output, with TagKey "ddb" and the other options
// default or as set; dynamodbav_test.go holds it to
// attributevalue.MarshalMap for structs tagged `dynamodbav` only, whose
// tags the schema reads as attributevalue does.
//
// Three things it adds. Values nested deeper than DynamoDB's 32 levels are
// refused before attributevalue sees them, so that a value that contains
// itself is an error rather than a stack overflow. A stored value that
// attributevalue panics on (a nil member, a string for a field of a
// non-empty interface type) is an error rather than a crash: unsigned
// attributes are the table writer's to choose (FuzzDecode). And an error
// names the attribute (a *ddbcrypt.AttributeError); for an encrypted
// attribute it withholds attributevalue's message, which may quote the
// plaintext.
package codec

import (
	"fmt"
	"reflect"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/ddbcrypt/ddbcrypt"
	"github.com/ddbcrypt/ddbcrypt/schema"
	"github.com/ddbcrypt/ddbcrypt/tags"
)

// Codec encodes and decodes structs with one set of attributevalue
// options. It is safe for concurrent use; the plans are shared by all.
type Codec struct {
	enc *attributevalue.Encoder
	dec *attributevalue.Decoder

	// nullEmptySets is EncoderOptions.NullEmptySets, which the plan's sets
	// follow.
	nullEmptySets bool
	// omitNulls: OmitNullAttributeValues or OmitEmptyTime is set, so that
	// whether omitempty leaves a field out depends on what attributevalue
	// makes of it; such fields go through their wrapper.
	omitNulls bool
	// encWhole, decWhole: an option the plan does not implement is set
	// (UseEncodingMarshalers, UseEncodingUnmarshalers): attributevalue
	// encodes or decodes the whole struct.
	encWhole, decWhole bool
}

// New returns a codec whose output is attributevalue's with TagKey "ddb"
// (tags.Key) and then encOpts and decOpts applied, in the style of
// attributevalue.NewEncoder and NewDecoder. Each option function is called
// twice (once to read the options, once by attributevalue), so it should
// only set fields.
//
// The plan implements NullEmptySets, OmitNullAttributeValues and
// OmitEmptyTime itself; EncodeTime, DecodeTime, UseNumber and
// FixUnmarshalIndividualSetValues apply only to values it always hands to
// attributevalue (times, interfaces, types with their own unmarshalers).
// With UseEncodingMarshalers (UseEncodingUnmarshalers), attributevalue
// encodes (decodes) every struct whole. A TagKey other than tags.Key is an
// error wrapping ddbcrypt.ErrInvalidConfig: the schema, and with it the
// attribute names and what is encrypted, is read from that tag.
func New(encOpts []func(*attributevalue.EncoderOptions), decOpts []func(*attributevalue.DecoderOptions)) (*Codec, error) {
	encOpts = append([]func(*attributevalue.EncoderOptions){func(o *attributevalue.EncoderOptions) { o.TagKey = tags.Key }}, encOpts...)
	decOpts = append([]func(*attributevalue.DecoderOptions){func(o *attributevalue.DecoderOptions) { o.TagKey = tags.Key }}, decOpts...)
	eo := attributevalue.EncoderOptions{NullEmptySets: true} // NewEncoder's defaults
	for _, f := range encOpts {
		f(&eo)
	}
	var do attributevalue.DecoderOptions
	for _, f := range decOpts {
		f(&do)
	}
	for _, key := range []string{eo.TagKey, do.TagKey} {
		if key != tags.Key {
			return nil, fmt.Errorf("%w: attributevalue TagKey %q: the mapper reads struct tags %q only", ddbcrypt.ErrInvalidConfig, key, tags.Key)
		}
	}
	return &Codec{
		enc:           attributevalue.NewEncoder(encOpts...),
		dec:           attributevalue.NewDecoder(decOpts...),
		nullEmptySets: eo.NullEmptySets,
		omitNulls:     eo.OmitNullAttributeValues || eo.OmitEmptyTime,
		encWhole:      eo.UseEncodingMarshalers,
		decWhole:      do.UseEncodingUnmarshalers,
	}, nil
}

// Encoder returns the attributevalue Encoder with the codec's options, for
// values outside a struct.
func (e *Codec) Encoder() *attributevalue.Encoder { return e.enc }

// Encode marshals rv, an addressable struct of the schema's type, into an
// item. An error wraps ddbcrypt.ErrInvalidItem and, when it is about one
// attribute, is a *ddbcrypt.AttributeError naming it.
func (e *Codec) Encode(s *schema.Schema, rv reflect.Value) (map[string]types.AttributeValue, error) {
	return planOf(s).encode(e, rv)
}

// Decode zeroes rv, an addressable struct of the schema's type, and
// unmarshals item into it. Its errors are Encode's.
func (e *Codec) Decode(s *schema.Schema, item map[string]types.AttributeValue, rv reflect.Value) error {
	return planOf(s).decode(e, item, rv)
}
