package main

// ddbcrypt inspect: what a stored item says about how it was protected, read
// without any key — the first question when an item written by another
// client does not decrypt.

import (
	"encoding/base64"
	"encoding/json"
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
	"github.com/ddbcrypt/ddbcrypt/internal/vectors"
)

func newInspectCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "inspect [FILE]",
		Short: "Describe how a stored item was encrypted and signed, without keys",
		Long: `Read one stored item in DynamoDB JSON (the item itself, or the output of
'aws dynamodb get-item' with its "Item" field) from FILE or standard input,
and print its material description, the provider that wrote it, its
signature, and which attributes look encrypted. No key is needed and
nothing is decrypted: the description is not signed, so what it says is a
claim, checked only when the item is decrypted. Names and values that hold
control characters, invisible or bidirectional formatting characters, or
invalid UTF-8 are shown quoted, with Go escapes.`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			in := cmd.InOrStdin()
			if len(args) == 1 && args[0] != "-" {
				f, err := os.Open(args[0])
				if err != nil {
					return err
				}
				defer f.Close()
				in = f
			}
			data, err := io.ReadAll(in)
			if err != nil {
				return err
			}
			item, err := readItem(data)
			if err != nil {
				return &shownError{err}
			}
			if err := inspect(cmd.OutOrStdout(), item); err != nil {
				return &shownError{err}
			}
			return nil
		},
	}
}

// readItem accepts a bare item or a GetItem answer ({"Item": {...}}).
func readItem(data []byte) (map[string]types.AttributeValue, error) {
	var wrapper struct {
		Item json.RawMessage `json:"Item"`
	}
	if err := json.Unmarshal(data, &wrapper); err == nil && len(wrapper.Item) > 0 {
		data = wrapper.Item
	}
	return vectors.UnmarshalItem(data)
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
