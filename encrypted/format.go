package encrypted

import (
	"fmt"
	"io"
	"maps"
	"slices"
)

// String names the default provider's type and the configured tables.
func (c *Client) String() string {
	if c == nil {
		return "<nil>"
	}
	return fmt.Sprintf("encrypted.Client(provider %T, tables %v)", c.provider, slices.Sorted(maps.Keys(c.opts.configs)))
}

// Format prints String for every verb, so that logging a client cannot
// leak the keys of its providers (see crypto.Encryptor.Format).
func (c *Client) Format(f fmt.State, _ rune) { io.WriteString(f, c.String()) }
