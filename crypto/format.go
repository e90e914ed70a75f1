package crypto

import (
	"fmt"
	"io"
)

// String names the provider's type only.
func (e *Encryptor) String() string {
	if e == nil {
		return "<nil>"
	}
	return fmt.Sprintf("crypto.Encryptor(provider %T)", e.provider)
}

// Format prints String for every verb. The provider is an unexported
// field: fmt would print it without its own Format, and for %s or %q
// print the fields of the provider it points to, keys included.
func (e *Encryptor) Format(f fmt.State, _ rune) { io.WriteString(f, e.String()) }
