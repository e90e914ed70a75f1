package mapper

import (
	"fmt"
	"io"
	"reflect"
)

// String describes the mapper by its item encryptor, which names the
// provider's type only.
func (m *Mapper) String() string {
	if m == nil {
		return "<nil>"
	}
	return fmt.Sprintf("mapper.Mapper(%v)", m.encryptor)
}

// Format prints String for every verb, so that logging a mapper cannot
// leak the provider's keys (see crypto.Encryptor.Format).
func (m *Mapper) Format(f fmt.State, _ rune) { io.WriteString(f, m.String()) }

// String names the table and the item type.
func (t Table[T]) String() string {
	if t.t == nil {
		return fmt.Sprintf("mapper.Table[%v](<nil>)", reflect.TypeFor[T]())
	}
	return fmt.Sprintf("mapper.Table[%v](%s)", t.t.schema.Type, t.t.name)
}

// Format prints String for every verb: a table reaches the mapper and its
// keys.
func (t Table[T]) Format(f fmt.State, _ rune) { io.WriteString(f, t.String()) }
