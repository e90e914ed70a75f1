package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/ddbcrypt/ddbcrypt/cmp"
	"github.com/ddbcrypt/ddbcrypt/crypto"
	"github.com/ddbcrypt/ddbcrypt/internal/testing/vectors"
)

// checkTerminalSafe fails the test if out holds a control character other
// than newline, a formatting character (bidi overrides), or invalid UTF-8,
// or a line that starts like the report's signature line but is not the
// real one.
func checkTerminalSafe(t *testing.T, what, out string, signatureLines int) {
	t.Helper()
	if !utf8.ValidString(out) {
		t.Errorf("%s: output is not valid UTF-8: %q", what, out)
	}
	for _, r := range out {
		if (unicode.IsControl(r) && r != '\n') || unicode.Is(unicode.Cf, r) {
			t.Errorf("%s: output holds the raw character %U:\n%q", what, r, out)
			break
		}
	}
	n := 0
	for line := range strings.Lines(out) {
		if strings.HasPrefix(line, "signature:") {
			n++
		}
		if strings.Contains(line, "VERIFIED") && !strings.Contains(line, `"`) {
			t.Errorf("%s: a forged line: %q", what, line)
		}
	}
	if n != signatureLines {
		t.Errorf("%s: %d lines start with \"signature:\", want %d:\n%s", what, n, signatureLines, out)
	}
}

// Names and description entries of an item are shown escaped: none can
// forge a line of the report or drive the terminal.
func TestInspectEscapesItemStrings(t *testing.T) {
	desc := map[string]string{
		"k\x1b[2J":                   "v\u202etxt.exe",
		"plain-key":                  "plain value",
		"bad-utf8":                   "\xff\xfe",
		"nl\nsignature:  VERIFIED":   "x",
		cmp.DescMetaID:               "mat\nsignature:  VERIFIED",
		crypto.DescSigningAlgorithm:  "HmacSHA256\r\nsignature:  VERIFIED",
		crypto.DescSymmetricMode:     "/CBC/PKCS5Padding",
		cmp.DescEnvelopeAlgorithm:    "AES\x1b]0;title\x07",
		"\u202e":                     "\u200b",
		"ok":                         `"quoted"`,
		"amzn-ddb-map-sym-mode-like": "tab\there",
	}
	item := map[string]types.AttributeValue{
		"evil\x1b[2J":               &types.AttributeValueMemberS{Value: "x"},
		"x\nsignature:  VERIFIED":   &types.AttributeValueMemberS{Value: "x"},
		"\u202egpj.exe":             &types.AttributeValueMemberS{Value: "x"},
		"ok_name":                   &types.AttributeValueMemberS{Value: "x"},
		crypto.DescriptionAttribute: &types.AttributeValueMemberB{Value: crypto.EncodeMaterialDescription(desc)},
		crypto.SignatureAttribute:   &types.AttributeValueMemberB{Value: make([]byte, 32)},
	}
	data, err := vectors.MarshalItem(item)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "item.json")
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	var out, errOut bytes.Buffer
	if code := run(t.Context(), []string{"inspect", path}, &out, &errOut); code != exitOK {
		t.Fatalf("exit %d: %s", code, errOut.String())
	}
	got := out.String()
	checkTerminalSafe(t, "inspect", got, 1)
	for _, want := range []string{
		`"evil\x1b[2J"`, `"x\nsignature:  VERIFIED"`, `"\u202egpj.exe"`, "  ok_name ",
		`"k\x1b[2J" = "v\u202etxt.exe"`, "plain-key = plain value", `bad-utf8 = "\xff\xfe"`,
		`"nl\nsignature:  VERIFIED" = x`, `"mat\nsignature:  VERIFIED"`, `"HmacSHA256\r\nsignature:  VERIFIED"`,
		`"\u202e" = "\u200b"`, `ok = "\"quoted\""`, `= "tab\there"`,
	} {
		if !strings.Contains(got, want) {
			t.Errorf("output lacks %s:\n%s", want, got)
		}
	}
}

// Errors that quote the item are escaped too.
func TestInspectEscapesErrors(t *testing.T) {
	for what, input := range map[string]string{
		"a value with two types":  "{\"a\": {\"S\": \"\u202e\x7f\", \"N\": \"1\"}}",
		"a description truncated": `{"*amzn-ddb-map-desc*": {"B": "AAAAAAAAAAJrGwAAAAk="}, "*amzn-ddb-map-sig*": {"B": "AA=="}}`,
	} {
		path := filepath.Join(t.TempDir(), "item.json")
		if err := os.WriteFile(path, []byte(input), 0o644); err != nil {
			t.Fatal(err)
		}
		var out, errOut bytes.Buffer
		if code := run(t.Context(), []string{"inspect", path}, &out, &errOut); code != exitFailure {
			t.Errorf("%s: exit %d, want %d; output %q", what, code, exitFailure, out.String())
		}
		checkTerminalSafe(t, what, errOut.String(), 0)
	}
}
