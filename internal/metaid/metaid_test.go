package metaid

import (
	"errors"
	"testing"

	"github.com/ddbcrypt/ddbcrypt"
)

func TestParse(t *testing.T) {
	for id, want := range map[string]int64{"mat#0": 0, "a b#12": 12, "x#007": 7, "m#9223372036854775807": 1<<63 - 1} {
		name, v, err := Parse(id)
		if err != nil || v != want {
			t.Errorf("%q: %q, %d, %v; want version %d", id, name, v, err, want)
		}
	}
	if name, _, _ := Parse("other#3"); name != "other" {
		t.Errorf("name %q, want other", name)
	}
	for _, bad := range []string{"", "mat", "#3", "mat#", "mat#x", "mat#-1", "mat#1#2", "mat#9223372036854775808"} {
		_, _, err := Parse(bad)
		var de *ddbcrypt.DescriptionError
		if !errors.As(err, &de) || de.Field != Key || de.Value != bad || !errors.Is(err, ddbcrypt.ErrMaterialDescription) {
			t.Errorf("Parse(%q) = %v, want a DescriptionError on %s", bad, err, Key)
		}
	}
}

func TestFormat(t *testing.T) {
	if got := Format("orders", 12); got != "orders#12" {
		t.Errorf("Format = %q", got)
	}
}

func TestCheckName(t *testing.T) {
	for _, bad := range []string{"", "#", "a#", "#a", "a#b"} {
		if err := CheckName(bad); !errors.Is(err, ddbcrypt.ErrInvalidConfig) {
			t.Errorf("CheckName(%q) = %v, want ErrInvalidConfig", bad, err)
		}
	}
	for _, good := range []string{"a", "orders", "a b", "naïve"} {
		if err := CheckName(good); err != nil {
			t.Errorf("CheckName(%q) = %v", good, err)
		}
	}
}
