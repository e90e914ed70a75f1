package main

// ddbcrypt inspect --verify: check a stored item under a configuration file,
// through the engine, as the library reads items.

import (
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/spf13/cobra"

	"github.com/ddbcrypt/ddbcrypt"
	cfgfile "github.com/ddbcrypt/ddbcrypt/config"
	"github.com/ddbcrypt/ddbcrypt/crypto"
	"github.com/ddbcrypt/ddbcrypt/internal/engine"
	"github.com/ddbcrypt/ddbcrypt/internal/tableinfo"
	"github.com/ddbcrypt/ddbcrypt/internal/testing/vectors"
	"github.com/ddbcrypt/ddbcrypt/tableops"
)

// Flags of inspect --verify.
const (
	flagVerify        = "verify"
	flagPartitionKey  = "partition-key"
	flagSortKey       = "sort-key"
	flagIndexKey      = "index-key"
	flagShowPlaintext = "show-plaintext"
)

// verification is what inspect --verify checks the item against.
type verification struct {
	config, table string
	keys          *tableinfo.Info // from the flags; nil: DescribeTable of table
	plaintext     bool
}

// verifyFlags reads inspect's --verify flags: nil without --verify. A
// missing or stray flag is a usage error.
func verifyFlags(cmd *cobra.Command) (*verification, error) {
	f := cmd.Flags()
	if on, _ := f.GetBool(flagVerify); !on {
		for _, name := range []string{flagConfig, flagTable, flagPartitionKey, flagSortKey, flagIndexKey, flagShowPlaintext} {
			if f.Changed(name) {
				return nil, usagef("--%s needs --%s", name, flagVerify)
			}
		}
		return nil, nil
	}
	v := &verification{}
	v.config, _ = f.GetString(flagConfig)
	v.table, _ = f.GetString(flagTable)
	v.plaintext, _ = f.GetBool(flagShowPlaintext)
	pk, _ := f.GetString(flagPartitionKey)
	sk, _ := f.GetString(flagSortKey)
	// GetStringArray would drop an empty value: it parses the flag's text.
	indexKeys := f.Lookup(flagIndexKey).Value.(interface{ GetSlice() []string }).GetSlice()
	switch {
	case v.config == "":
		return nil, usagef("--%s needs --%s FILE: the configuration that says how the item is protected", flagVerify, flagConfig)
	case v.table == "":
		return nil, usagef("--%s needs --%s: the table name is part of the signature", flagVerify, flagTable)
	case f.Changed(flagPartitionKey) && pk == "":
		return nil, usagef("--%s must not be empty", flagPartitionKey)
	case pk == "" && (f.Changed(flagSortKey) || f.Changed(flagIndexKey)):
		return nil, usagef("--%s and --%s go with --%s (or give none of them, to describe --%s)", flagSortKey, flagIndexKey, flagPartitionKey, flagTable)
	case f.Changed(flagSortKey) && sk == "", slices.Contains(indexKeys, ""):
		return nil, usagef("--%s and --%s must not be empty", flagSortKey, flagIndexKey)
	}
	if pk != "" {
		v.keys = &tableinfo.Info{Name: v.table, Keys: tableinfo.KeySchema{Partition: pk, Sort: sk}, Indexes: map[string]tableinfo.Index{}}
		for i, k := range indexKeys {
			v.keys.Indexes[fmt.Sprintf("--%s %d", flagIndexKey, i+1)] = tableinfo.Index{Keys: tableinfo.KeySchema{Partition: k}}
		}
	}
	return v, nil
}

// verify verifies and decrypts item (read from the input name) through the
// engine's table for the configuration, and prints the outcome and the
// action of each attribute. An item that does not verify is an error.
func (v *verification) verify(cmd *cobra.Command, name string, item map[string]types.AttributeValue) error {
	cfg, err := loadConfig(flagConfig, v.config)
	if err != nil {
		return err
	}
	p, info, err := v.protection(cmd, cfg)
	if err != nil {
		return err
	}
	table, err := engine.Protection(p).Table(info)
	if err != nil { // the actions break the key rule for these keys, or a beacon the beacon rule
		return &usageError{fmt.Errorf("--%s %s: %w", flagConfig, v.config, err)}
	}
	signedAs := p.SignatureTableName
	if signedAs == "" {
		signedAs = info.Name
	}
	plain, err := table.Decrypt(cmd.Context(), item)
	w := cmd.OutOrStdout()
	under := fmt.Sprintf("under %s (table name signed: %s; keys: %s)", v.config, shown(signedAs), keyList(info))
	if err != nil {
		if !errors.Is(err, ddbcrypt.ErrIntegrity) && !errors.Is(err, ddbcrypt.ErrMaterialDescription) {
			fmt.Fprintf(w, "verify:     NOT CHECKED %s\n", under)
			return &shownError{fmt.Errorf("%s: could not verify: %w", name, err)}
		}
		fmt.Fprintf(w, "verify:     FAILED %s\n", under)
		return withHint(&shownError{fmt.Errorf("%s: does not verify: %w", name, err)},
			"the signature covers the table name, the key attributes and every signed attribute, under the configuration's keys: check --%s (or the configuration's signatureTableName), the keys, and that the configuration's provider and actions are the writer's", flagTable)
	}
	fmt.Fprintf(w, "verify:     OK: signature verified and item decrypted %s\n", under)
	return printVerified(w, table.Policy(), info, plain, v.plaintext)
}

// protection builds the configuration's protection and the table's keys.
// AWS is used only when needed: for DescribeTable (no --partition-key), or
// a provider that calls KMS or DynamoDB; a static or wrapped configuration
// with the keys given verifies offline.
func (v *verification) protection(cmd *cobra.Command, cfg *cfgfile.Config) (tableops.Protection, *tableinfo.Info, error) {
	if _, err := cfg.Actions(); err != nil {
		return tableops.Protection{}, nil, configError(flagConfig, v.config, err)
	}
	p, err := tableops.FromConfig(cfg, cfgfile.Clients{})
	if err == nil && v.keys != nil {
		return p, v.keys, nil
	}
	aws, err := loadAWSConfig(cmd)
	if err != nil {
		return tableops.Protection{}, nil, err
	}
	db := dynamodb.NewFromConfig(aws)
	if p, err = tableops.FromConfig(cfg, cfgfile.Clients{KMS: kms.NewFromConfig(aws), DynamoDB: db}); err != nil {
		return tableops.Protection{}, nil, configError(flagConfig, v.config, err)
	}
	if v.keys != nil {
		return p, v.keys, nil
	}
	info, err := tableinfo.NewCache(db).Get(cmd.Context(), v.table)
	if err != nil {
		return tableops.Protection{}, nil, withHint(err, "to verify without DescribeTable, give the table's keys: --%s (and --%s, --%s)", flagPartitionKey, flagSortKey, flagIndexKey)
	}
	return p, info, nil
}

// keyList names the key attributes the key rule covered.
func keyList(info *tableinfo.Info) string {
	var names []string
	for _, k := range info.KeyNames() {
		if k != "" && !slices.Contains(names, shown(k)) {
			names = append(names, shown(k))
		}
	}
	return strings.Join(names, ", ")
}

// actionWords say what an action did to an attribute of a verified item.
var actionWords = map[crypto.Action]string{
	crypto.EncryptAndSign: "encrypted and signed",
	crypto.SignOnly:       "signed, plaintext",
	crypto.DoNothing:      "not signed, plaintext",
}

// printVerified lists the attributes of a verified item with their action,
// and their decrypted values in DynamoDB JSON when values is set.
func printVerified(w io.Writer, policy *engine.Policy, info *tableinfo.Info, plain map[string]types.AttributeValue, values bool) error {
	fmt.Fprintln(w, "verified attributes:")
	beaconOf := map[string]string{}
	for attr, b := range policy.Beacons() {
		beaconOf[b.Name()] = attr
	}
	for _, name := range slices.Sorted(maps.Keys(plain)) {
		what := actionWords[policy.Action(name)]
		if info.IsKey(name) {
			what += " (key)"
		}
		if attr, ok := beaconOf[name]; ok {
			what += " (beacon of " + shown(attr) + ")"
		}
		if !values {
			fmt.Fprintf(w, "  %-24s %s\n", shown(name), what)
			continue
		}
		b, err := vectors.MarshalAttribute(plain[name])
		if err != nil {
			return &shownError{fmt.Errorf("attribute %q: %w", name, err)}
		}
		fmt.Fprintf(w, "  %-24s %-30s %s\n", shown(name), what, shown(strings.TrimSpace(string(b))))
	}
	if !values {
		fmt.Fprintf(w, "(decrypted values are printed with --%s)\n", flagShowPlaintext)
	}
	return nil
}
