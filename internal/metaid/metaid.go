// Package metaid reads and writes the "amzn-ddb-meta-id" entry of a
// material description, "<material name>#<version>", by which a Most Recent
// provider over a MetaStore records the version of the keys an item was
// protected with (docs/format.md 7.7). It holds the one rule for material
// names, which package cmp, package metastore and the ddbcrypt command
// apply.
package metaid

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/ddbcrypt/ddbcrypt"
)

// Key is the material description key: cmp.DescMetaID.
const Key = "amzn-ddb-meta-id"

// CheckName reports whether name can be a material name: it must not be
// empty, and must not contain '#', which separates the name from the
// version. The error wraps ddbcrypt.ErrInvalidConfig.
func CheckName(name string) error {
	if name == "" || strings.Contains(name, "#") {
		return fmt.Errorf("%w: material name %q: it must not be empty nor contain '#', which separates name and version in %q", ddbcrypt.ErrInvalidConfig, name, Key)
	}
	return nil
}

// Format returns the value of a version: "<name>#<version>".
func Format(name string, version int64) string {
	return name + "#" + strconv.FormatInt(version, 10)
}

// Parse splits a value into material name and version. Like Java's
// full-match pattern ([^#]+)#(\d*), it requires exactly one '#' with a
// non-empty name before it, but it also requires at least one decimal
// digit after it and a version that fits an int64. The error is a
// *ddbcrypt.DescriptionError naming the key, wrapping
// ddbcrypt.ErrMaterialDescription.
func Parse(id string) (name string, version int64, err error) {
	name, digits, ok := strings.Cut(id, "#")
	bad := func(why string) (string, int64, error) {
		return "", 0, &ddbcrypt.DescriptionError{Field: Key, Value: id, Err: fmt.Errorf("%w: %s", ddbcrypt.ErrMaterialDescription, why)}
	}
	switch {
	case !ok:
		return bad("not <material name>#<version>")
	case name == "":
		return bad("empty material name")
	case digits == "":
		return bad("empty version")
	}
	for i := 0; i < len(digits); i++ {
		if digits[i] < '0' || digits[i] > '9' {
			return bad("the version is not a decimal number")
		}
	}
	version, perr := strconv.ParseInt(digits, 10, 64)
	if perr != nil {
		return bad("the version is out of range")
	}
	return name, version, nil
}
