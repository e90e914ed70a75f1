package number

import (
	"errors"
	"strings"
	"testing"

	"github.com/ddbcrypt/ddbcrypt"
)

func TestCanonical(t *testing.T) {
	tests := []struct{ in, want string }{
		// docs/format.md 2.3 examples.
		{"55", "55"}, {"55.00", "55"}, {"55.34", "55.34"}, {"55.34000", "55.34"},
		{"1.230", "1.23"}, {"35.0", "35"}, {"00012", "12"}, {"+12", "12"},
		{"1E+3", "1000"}, {"1.0E2", "100"}, {"1e-7", "0.0000001"},
		{"-1.500E-3", "-0.0015"}, {".5", "0.5"}, {"1.", "1"},
		{"1E+40", "1" + strings.Repeat("0", 40)},
		{"1E-130", "0." + strings.Repeat("0", 129) + "1"},
		{"0.00", "0"}, {"0e5", "0"}, {"-0", "0"}, {"-0.0", "0"},
		{"12345678901234567890123456789", "12345678901234567890123456789"},
		// DynamoDB's own normal form (13 Q2).
		{"1.0", "1"}, {"1e2", "100"}, {"001", "1"}, {"1.50", "1.5"}, {"-1.0E-5", "-0.00001"},
		// More corners.
		{"100", "100"}, {"1000.000", "1000"}, {"0.001", "0.001"}, {"-12.5e1", "-125"},
		{"120e-1", "12"}, {"0012.3400e2", "1234"}, {"1.5E-1", "0.15"}, {"10.01", "10.01"},
		{"-0.000", "0"}, {"7.6", "7.6"}, {"-34.2", "-34.2"}, {"5e0", "5"}, {"5E+0", "5"},
		{"99999999999999999999999999999999999999", "99999999999999999999999999999999999999"},
		{"9.9999999999999999999999999999999999999E+125", "99999999999999999999999999999999999999" + strings.Repeat("0", 88)},
	}
	for _, tt := range tests {
		got, err := Canonical(tt.in)
		if err != nil || got != tt.want {
			t.Errorf("Canonical(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
			continue
		}
		n, err := CanonicalLen(tt.in)
		if err != nil || n != len(tt.want) {
			t.Errorf("CanonicalLen(%q) = %d, %v; want %d", tt.in, n, err, len(tt.want))
		}
		b, err := AppendCanonical([]byte("x"), tt.in)
		if err != nil || string(b) != "x"+tt.want {
			t.Errorf("AppendCanonical(%q) = %q, %v", tt.in, b, err)
		}
	}
}

func TestCanonicalRejects(t *testing.T) {
	for _, in := range []string{
		"", "+", "-", ".", "abc", "1.2.3", "1e", "1e+", "1e+-3", "1e--3", "--1", "1 ", " 1", "0x10", "1e5.5",
		"NaN", "Infinity", "1e1234567890", "1,5",
		"123456789012345678901234567890123456789", // 39 significant digits
		"1E+126", "1E-131",
	} {
		if got, err := Canonical(in); !errors.Is(err, ddbcrypt.ErrInvalidItem) {
			t.Errorf("Canonical(%q) = %q, %v; want ErrInvalidItem", in, got, err)
		}
	}
}

func TestCanonicalDoesNotAllocateWhenCanonical(t *testing.T) {
	allocs := testing.AllocsPerRun(100, func() {
		if _, err := Canonical("12345.67"); err != nil {
			t.Fatal(err)
		}
	})
	if allocs != 0 {
		t.Errorf("Canonical of a canonical number allocates %v times", allocs)
	}
}

// TestPlainCanonical checks the parse-free fast path against parse: it
// takes only text that parse finds canonical, and most canonical text.
func TestPlainCanonical(t *testing.T) {
	digits38 := strings.Repeat("9", 38)
	for _, tc := range []struct {
		s    string
		want bool
	}{
		{"0", true}, {"7", true}, {"-7", true}, {"10", true}, {"12345.67", true},
		{"-0.5", true}, {"0.05", true}, {"100.25", true}, {digits38, true},
		{"-" + digits38, true}, {"0." + digits38[1:], true}, {"9." + digits38[1:], true},
		{"", false}, {"-", false}, {"-0", false}, {"00", false}, {"01", false},
		{"0.0", false}, {"1.50", false}, {"1.", false}, {".5", false}, {"0.", false},
		{"+1", false}, {"1e5", false}, {"1E5", false}, {"1.5.2", false}, {"--1", false},
		{"1a", false}, {"0x1", false}, {digits38 + "9", false}, {"0." + digits38, false},
	} {
		if got := plainCanonical(tc.s); got != tc.want {
			t.Errorf("plainCanonical(%q) = %v, want %v", tc.s, got, tc.want)
		}
		checkPlainCanonical(t, tc.s)
	}
}

// checkPlainCanonical fails when plainCanonical takes s but parse does not
// render s as itself.
func checkPlainCanonical(t *testing.T, s string) {
	t.Helper()
	if !plainCanonical(s) {
		return
	}
	p, err := parse(s)
	if err != nil || string(p.appendTo(nil)) != s {
		t.Fatalf("plainCanonical(%q) but parse gives %q, %v", s, p.appendTo(nil), err)
	}
}

func FuzzCanonical(f *testing.F) {
	for _, s := range []string{"55.00", "1E+3", "-1.500E-3", ".5", "0e5", "1e-7", "-0", "0.05", "12345.67"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		checkPlainCanonical(t, s)
		c, err := Canonical(s)
		if err != nil {
			return
		}
		// Canonical text is a fixed point.
		if c2, err := Canonical(c); err != nil || c2 != c {
			t.Fatalf("Canonical(%q) = %q, but Canonical(%q) = %q, %v", s, c, c, c2, err)
		}
		if strings.ContainsAny(c, "eE+") {
			t.Fatalf("Canonical(%q) = %q has an exponent or plus sign", s, c)
		}
	})
}
