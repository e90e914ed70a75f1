package main

// ddbcrypt inspect: what a stored item says about how it was protected, read
// without any key — the first question when an item written by another
// client does not decrypt.

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/spf13/cobra"

	"github.com/ddbcrypt/ddbcrypt/cmp"
	"github.com/ddbcrypt/ddbcrypt/crypto"
	"github.com/ddbcrypt/ddbcrypt/internal/testing/vectors"
)

func newInspectCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "inspect [FILE]",
		Short: "Describe how a stored item was encrypted and signed; with --verify, check it",
		Long: `Read one stored item in DynamoDB JSON from FILE or standard input (the item
itself; the output of 'aws dynamodb get-item', with its "Item" field; or the
output of a scan or query, or a JSON list, holding exactly one item),
and print its material description, the provider that wrote it, its
signature, and which attributes look encrypted. No key is needed and
nothing is decrypted: the description is not signed, so what it says is a
claim, checked only when the item is decrypted. Names and values that hold
control characters, invisible or bidirectional formatting characters, or
invalid UTF-8 are shown quoted, with Go escapes.

--verify --config FILE --table TABLE also verifies the item's signature and
decrypts it, as the library reads items, under the protection the
configuration file describes (docs/config.md: provider, keys, actions,
signatureTableName), and prints the action of each attribute. The signature
binds the table name: the configuration's signatureTableName when it has
one, else --table. The key attributes of the table and of its secondary
indexes are signed, never encrypted (the library's key rule), so their
names are needed too: from DescribeTable of --table, or, with no AWS call
for the table, from --partition-key, --sort-key and --index-key (a static
or wrapped configuration then verifies offline). Decrypted values are
printed only with --show-plaintext: the item's secrets stay off the
terminal and out of logs unless asked for.

Exit status: 0 when the item was read (and, with --verify, verifies); 1
when it does not verify or cannot be read; 2 when the command line is
wrong, the configuration file included (a missing file, a wrong field:
the message names it).`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			v, err := verifyFlags(cmd)
			if err != nil {
				return err
			}
			name, data, err := readInput(cmd, args)
			if err != nil {
				return err
			}
			item, err := readItem(name, data)
			if err != nil {
				return &shownError{err}
			}
			if err := inspect(cmd.OutOrStdout(), item); err != nil {
				return &shownError{fmt.Errorf("%s: %w", name, err)}
			}
			if v == nil {
				return nil
			}
			return v.verify(cmd, name, item)
		},
	}
	f := cmd.Flags()
	f.Bool(flagVerify, false, "verify and decrypt the item under --config (needs --config and --table)")
	f.String(flagConfig, "", "configuration file describing how the item is protected (with --verify)")
	f.String(flagTable, "", "the table the item was read from: its name is signed, its keys come from DescribeTable unless --partition-key is given (with --verify)")
	f.String(flagPartitionKey, "", "the table's partition key attribute, instead of DescribeTable (with --verify)")
	f.String(flagSortKey, "", "the table's sort key attribute, if it has one (with --partition-key)")
	f.StringArray(flagIndexKey, nil, "a key attribute of a secondary index; repeat for each (with --partition-key)")
	f.Bool(flagShowPlaintext, false, "print the decrypted values (with --verify)")
	return cmd
}

// maxInput bounds what inspect reads: far more than one item (DynamoDB's
// limit is 400 KB) and its JSON.
const maxInput = 64 << 20

// readInput reads the file args name, or standard input, and returns its
// name for messages.
func readInput(cmd *cobra.Command, args []string) (string, []byte, error) {
	name, in := "standard input", cmd.InOrStdin()
	if len(args) == 1 && args[0] != "-" {
		f, err := os.Open(args[0])
		if err != nil {
			return "", nil, err
		}
		defer f.Close()
		name, in = args[0], f
	}
	data, err := io.ReadAll(io.LimitReader(in, maxInput+1))
	if err != nil {
		return "", nil, fmt.Errorf("reading %s: %w", name, err)
	}
	if len(data) > maxInput {
		return "", nil, fmt.Errorf("%s is larger than %d MiB: not one item", name, maxInput>>20)
	}
	return name, data, nil
}

// readItem finds the one item of inspect's input (name is the file, for
// messages): an item in DynamoDB JSON, or the output of get-item
// ({"Item": {...}}); the output of a scan or query, or a JSON list, holding
// exactly one item. Anything else is an error that says what the input
// holds instead.
func readItem(name string, data []byte) (map[string]types.AttributeValue, error) {
	values, err := jsonValues(data)
	if err != nil {
		return nil, fmt.Errorf("%s is not JSON: %w", name, err)
	}
	if len(values) != 1 {
		if len(values) == 0 {
			return nil, fmt.Errorf("%s is empty: expected one item in DynamoDB JSON", name)
		}
		return nil, withHint(fmt.Errorf("%s: expected one item, found %d JSON values", name, len(values)),
			"give one item, e.g. the first: jq -s '.[0]' %s | ddbcrypt inspect", name)
	}
	v := values[0]
	switch v[0] {
	case '[':
		if v, err = onlyOne(name, v, "in a JSON list", ".[0]"); err != nil {
			return nil, err
		}
	case '{':
	default:
		return nil, fmt.Errorf("%s holds a JSON %s, not an item in DynamoDB JSON", name, jsonKind(v))
	}
	obj, err := jsonObject(name, v)
	if err != nil {
		return nil, err
	}
	switch items, isScan := obj["Items"]; {
	case jsonKind(obj["Item"]) == "object" && !isAttributeValue(obj["Item"]): // get-item's output
		if obj, err = jsonObject(name+": Item", obj["Item"]); err != nil {
			return nil, err
		}
	case isScan && jsonKind(items) == "list": // scan's or query's output
		first, err := onlyOne(name, items, "(the output of a scan or query)", ".Items[0]")
		if err != nil {
			return nil, err
		}
		if obj, err = jsonObject(name+": Items[0]", first); err != nil {
			return nil, err
		}
	case len(obj) > 0 && allLists(obj): // table name → items, as the test vectors' ciphertext files
		n := 0
		for _, raw := range obj {
			var list []json.RawMessage
			if json.Unmarshal(raw, &list) == nil {
				n += len(list)
			}
		}
		return nil, fmt.Errorf("%s: expected one item, found lists of items (%s in %s), as in the test vectors' ciphertext files", name, plural(n, "item", "items"), plural(len(obj), "table", "tables"))
	}
	if len(obj) == 0 {
		return nil, fmt.Errorf("%s holds an empty object, not an item (get-item prints {} or nothing when no item has the key)", name)
	}
	for _, attr := range slices.Sorted(maps.Keys(obj)) {
		if isAttributeValue(obj[attr]) {
			continue
		}
		err := fmt.Errorf(`%s: attribute %q is not a value in DynamoDB JSON (an object with one member that names its type, such as {"S": "text"} or {"N": "1"})`, name, attr)
		if jsonKind(obj[attr]) != "object" {
			err = withHint(err, "is %s plain JSON? inspect reads DynamoDB JSON, as the AWS CLI prints it (aws dynamodb get-item)", name)
		}
		return nil, err
	}
	data, err = json.Marshal(obj)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	item, err := vectors.UnmarshalItem(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return item, nil
}

// onlyOne returns the value of a JSON list that holds exactly one. The
// error for another count says what the list is (where) and how to pick its
// first item with jq (first is the jq path).
func onlyOne(name string, list json.RawMessage, where, first string) (json.RawMessage, error) {
	var values []json.RawMessage
	if err := json.Unmarshal(list, &values); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	if len(values) != 1 {
		return nil, withHint(fmt.Errorf("%s: expected one item, found %s %s", name, plural(len(values), "item", "items"), where),
			"give one item, e.g. the first: jq '%s' %s | ddbcrypt inspect", first, name)
	}
	return values[0], nil
}

// jsonValues splits data into its JSON values. A syntax error says where.
func jsonValues(data []byte) ([]json.RawMessage, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	var values []json.RawMessage
	for {
		var v json.RawMessage
		err := dec.Decode(&v)
		if err == io.EOF {
			return values, nil
		}
		var syntax *json.SyntaxError
		if errors.As(err, &syntax) {
			line := 1 + bytes.Count(data[:syntax.Offset], []byte("\n"))
			return nil, fmt.Errorf("line %d: %w", line, err)
		}
		if err != nil {
			return nil, err
		}
		values = append(values, v)
	}
}

// jsonObject decodes a JSON object; what names it in the error.
func jsonObject(what string, v json.RawMessage) (map[string]json.RawMessage, error) {
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(v, &obj); err != nil || obj == nil {
		return nil, fmt.Errorf("%s holds a JSON %s, not an item in DynamoDB JSON", what, jsonKind(v))
	}
	return obj, nil
}

// jsonKind names the kind of a JSON value.
func jsonKind(v json.RawMessage) string {
	v = bytes.TrimSpace(v)
	if len(v) == 0 {
		return "nothing"
	}
	switch v[0] {
	case '{':
		return "object"
	case '[':
		return "list"
	case '"':
		return "string"
	case 't', 'f':
		return "boolean"
	case 'n':
		return "null"
	}
	return "number"
}

// isAttributeValue reports whether v looks like a value in DynamoDB JSON:
// an object with one member named by a type (S, N, B, SS, NS, BS, M, L,
// NULL, BOOL).
func isAttributeValue(v json.RawMessage) bool {
	var obj map[string]json.RawMessage
	if json.Unmarshal(v, &obj) != nil || len(obj) != 1 {
		return false
	}
	for k := range obj {
		switch k {
		case "S", "N", "B", "SS", "NS", "BS", "M", "L", "NULL", "BOOL":
			return true
		}
	}
	return false
}

// allLists reports whether every member of obj is a list.
func allLists(obj map[string]json.RawMessage) bool {
	for _, v := range obj {
		if jsonKind(v) != "list" {
			return false
		}
	}
	return true
}

func inspect(w io.Writer, item map[string]types.AttributeValue) error {
	descAV, hasDesc := item[crypto.DescriptionAttribute]
	sigAV, hasSig := item[crypto.SignatureAttribute]
	if !hasDesc && !hasSig {
		fmt.Fprintln(w, "not encrypted: the item has neither reserved attribute (all its attributes are DO_NOTHING, or it was written without ddbcrypt)")
		return nil
	}
	desc := map[string]string{}
	if hasDesc {
		b, ok := descAV.(*types.AttributeValueMemberB)
		if !ok {
			return fmt.Errorf("%s is not a binary value", crypto.DescriptionAttribute)
		}
		var err error
		if desc, err = crypto.DecodeMaterialDescription(b.Value); err != nil {
			return err
		}
	}
	// Everything below from the item is shown through shown: names and
	// values with control characters could otherwise forge lines of this
	// report or drive the terminal.
	fmt.Fprintf(w, "provider:   %s\n", providerOf(desc))
	if hasSig {
		if b, ok := sigAV.(*types.AttributeValueMemberB); ok {
			fmt.Fprintf(w, "signature:  %d bytes, %s\n", len(b.Value), signatureOf(desc, len(b.Value)))
		}
	} else {
		fmt.Fprintln(w, "signature:  MISSING: the item cannot be verified")
	}
	fmt.Fprintln(w, "description:")
	if !hasDesc {
		fmt.Fprintln(w, "  (absent: an empty description, as Java writes it)")
	}
	for _, k := range slices.Sorted(maps.Keys(desc)) {
		v := desc[k]
		if k == cmp.DescEnvelopeKey { // a wrapped key: its size says enough
			if raw, err := base64.StdEncoding.DecodeString(v); err == nil {
				v = fmt.Sprintf("(%d bytes, wrapped)", len(raw))
			} else {
				v = "(not base64)"
			}
		} else {
			v = shown(v)
		}
		fmt.Fprintf(w, "  %s = %s\n", shown(k), v)
	}
	fmt.Fprintln(w, "attributes:")
	for _, name := range slices.Sorted(maps.Keys(item)) {
		if name == crypto.DescriptionAttribute || name == crypto.SignatureAttribute {
			continue
		}
		fmt.Fprintf(w, "  %-24s %s\n", shown(name), attributeKind(item[name]))
	}
	return nil
}

// providerOf names the provider a description comes from (docs/format.md 3.3, 7).
func providerOf(desc map[string]string) string {
	switch {
	case desc[cmp.DescMetaID] != "":
		return "Most Recent over a MetaStore, material version " + shown(desc[cmp.DescMetaID])
	case desc[cmp.DescWrapAlgorithm] == "kms":
		return "Direct KMS (" + shown(desc[cmp.DescEnvelopeAlgorithm]) + ", signing " + shown(desc[cmp.DescSigningAlgorithm]) + ")"
	case desc[cmp.DescEnvelopeKey] != "":
		alg := shown(desc[cmp.DescWrapAlgorithm])
		if alg == "" {
			alg = "no amzn-ddb-wrap-alg: legacy RSA PKCS#1 v1.5, read only with AllowLegacyRSAPKCS1v15"
		}
		return "Wrapped (" + alg + ", content key " + shown(desc[cmp.DescEnvelopeAlgorithm]) + ")"
	case desc[crypto.DescSymmetricMode] != "":
		return "Static (a fixed AES key)"
	}
	return "sign-only (no encryption key)"
}

// signatureOf says what produced a signature of n bytes.
func signatureOf(desc map[string]string, n int) string {
	if alg := desc[crypto.DescSigningAlgorithm]; alg != "" {
		return shown(alg)
	}
	switch n {
	case 20, 28, 32, 48, 64:
		return "an HMAC (the algorithm comes from the reader's key)"
	}
	return fmt.Sprintf("RSA-%d (no amzn-ddb-map-signingAlg: SHA256withRSA by default)", n*8)
}

// attributeKind guesses what the writer did with an attribute: encrypted
// values are binary IV ‖ ciphertext, 16 bytes plus whole AES blocks.
func attributeKind(av types.AttributeValue) string {
	if b, ok := av.(*types.AttributeValueMemberB); ok && len(b.Value) >= 32 && len(b.Value)%16 == 0 {
		return fmt.Sprintf("B, %d bytes: encrypted, or binary that looks like it", len(b.Value))
	}
	t := strings.TrimPrefix(fmt.Sprintf("%T", av), "*types.AttributeValueMember")
	return t + ", plaintext (signed or not: the reader's actions say)"
}

// shown returns a string from the item as it may be printed: as it is if
// every character is printable, else quoted with Go escapes (as %q does),
// so that control characters, escape sequences, newlines, invisible and
// bidirectional formatting characters and invalid UTF-8 show as escapes
// instead of acting on the terminal. A string that starts with a quote is
// quoted too, so that it cannot pass for a quoted one.
func shown(s string) string {
	if !utf8.ValidString(s) || strings.HasPrefix(s, `"`) {
		return strconv.Quote(s)
	}
	for _, r := range s {
		if !strconv.IsPrint(r) {
			return strconv.Quote(s)
		}
	}
	return s
}

// shownError is an error whose message may quote the item (an attribute
// name, a description value): its non-printable characters are escaped.
type shownError struct{ err error }

func (e *shownError) Error() string {
	msg := e.err.Error()
	var b strings.Builder
	for i, r := range msg {
		switch {
		case r == utf8.RuneError && !strings.HasPrefix(msg[i:], string(utf8.RuneError)):
			fmt.Fprintf(&b, `\x%02x`, msg[i])
		case strconv.IsPrint(r):
			b.WriteRune(r)
		default:
			q := strconv.QuoteRuneToASCII(r)
			b.WriteString(q[1 : len(q)-1])
		}
	}
	return b.String()
}

func (e *shownError) Unwrap() error { return e.err }
