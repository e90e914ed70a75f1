package config

// The "provider" object: its "type" says which of the four providers it is
// and which other fields it takes.

import (
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/ddbcrypt/ddbcrypt/cmp"
	"github.com/ddbcrypt/ddbcrypt/internal/metaid"
	"github.com/ddbcrypt/ddbcrypt/metastore"
)

// builder returns a loaded provider, connected to the clients it needs.
type builder func(Clients) (cmp.Provider, error)

// staticSpec is a "static" provider: cmp.NewStatic.
type staticSpec struct {
	Type          string            `json:"type"`
	EncryptionKey *keySpec          `json:"encryptionKey"` // absent: sign only
	SigningKey    *keySpec          `json:"signingKey"`
	Description   map[string]string `json:"description"`
}

// wrappedSpec is a "wrapped" provider: cmp.NewWrapped.
type wrappedSpec struct {
	Type        string            `json:"type"`
	WrappingKey *keySpec          `json:"wrappingKey"`
	SigningKey  *keySpec          `json:"signingKey"`
	Description map[string]string `json:"description"`
}

// directKMSSpec is a "direct-kms" provider: cmp.NewDirectKMS.
type directKMSSpec struct {
	Type        string            `json:"type"`
	KeyID       string            `json:"keyId"`
	GrantTokens []string          `json:"grantTokens"`
	Description map[string]string `json:"description"`
}

// mostRecentSpec is a "most-recent" provider: cmp.NewMostRecent over a
// metastore.MetaStore whose rows Provider protects.
type mostRecentSpec struct {
	Type           string          `json:"type"`
	MetastoreTable string          `json:"metastoreTable"`
	MaterialName   string          `json:"materialName"`
	TTL            string          `json:"ttl"`
	Provider       json.RawMessage `json:"provider"`
}

// parseProvider reads the provider object raw at path, building what needs
// no client now. For a most-recent provider it also returns its MetaStore.
func parseProvider(path string, raw json.RawMessage) (builder, *MetaStore, error) {
	if raw == nil {
		return nil, nil, &Error{Path: path, Err: errors.New("required")}
	}
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(raw, &fields); err != nil || fields == nil {
		return nil, nil, &Error{Path: path, Err: errors.New("must be a JSON object")}
	}
	var typ string
	if t, ok := fields["type"]; !ok || json.Unmarshal(t, &typ) != nil {
		return nil, nil, &Error{Path: join(path, "type"), Err: errors.New("required, a string: static, wrapped, direct-kms or most-recent")}
	}
	var b builder
	var err error
	switch typ {
	case "static":
		var s staticSpec
		if err := decodeObject(path, raw, &s); err != nil {
			return nil, nil, err
		}
		b, err = s.build(path)
	case "wrapped":
		var s wrappedSpec
		if err := decodeObject(path, raw, &s); err != nil {
			return nil, nil, err
		}
		b, err = s.build(path)
	case "direct-kms":
		var s directKMSSpec
		if err := decodeObject(path, raw, &s); err != nil {
			return nil, nil, err
		}
		b, err = s.build(path)
	case "most-recent":
		var s mostRecentSpec
		if err := decodeObject(path, raw, &s); err != nil {
			return nil, nil, err
		}
		return s.build(path)
	default:
		return nil, nil, &Error{Path: join(path, "type"), Err: fmt.Errorf("unknown provider type %q: want static, wrapped, direct-kms or most-recent", typ)}
	}
	return b, nil, err
}

func (s *staticSpec) build(path string) (builder, error) {
	if s.SigningKey == nil {
		return nil, &Error{Path: join(path, "signingKey"), Err: errors.New("required")}
	}
	sk, vk, err := signingKeys(join(path, "signingKey"), s.SigningKey)
	if err != nil {
		return nil, err
	}
	var enc []byte
	if s.EncryptionKey != nil {
		if enc, err = aesKey(join(path, "encryptionKey"), s.EncryptionKey); err != nil {
			return nil, err
		}
		defer clear(enc)
	}
	p, err := cmp.NewStatic(cmp.StaticConfig{EncryptionKey: enc, SigningKey: sk, VerificationKey: vk, Description: s.Description})
	if err != nil {
		return nil, &Error{Path: path, Err: err}
	}
	return built(p), nil
}

func (s *wrappedSpec) build(path string) (builder, error) {
	switch {
	case s.WrappingKey == nil:
		return nil, &Error{Path: join(path, "wrappingKey"), Err: errors.New("required")}
	case s.SigningKey == nil:
		return nil, &Error{Path: join(path, "signingKey"), Err: errors.New("required")}
	}
	wk, uk, err := wrappingKeys(join(path, "wrappingKey"), s.WrappingKey)
	if err != nil {
		return nil, err
	}
	sk, vk, err := signingKeys(join(path, "signingKey"), s.SigningKey)
	if err != nil {
		return nil, err
	}
	p, err := cmp.NewWrapped(cmp.WrappedConfig{WrappingKey: wk, UnwrappingKey: uk, SigningKey: sk, VerificationKey: vk, Description: s.Description})
	if err != nil {
		return nil, &Error{Path: path, Err: err}
	}
	return built(p), nil
}

func (s *directKMSSpec) build(path string) (builder, error) {
	if s.KeyID == "" {
		return nil, &Error{Path: join(path, "keyId"), Err: errors.New("required: a KMS key id, key ARN, alias name or alias ARN")}
	}
	return func(c Clients) (cmp.Provider, error) {
		if c.KMS == nil {
			return nil, &Error{Path: path, Err: errors.New("a direct-kms provider needs a KMS client")}
		}
		p, err := cmp.NewDirectKMS(cmp.DirectKMSConfig{Client: c.KMS, KeyID: s.KeyID, GrantTokens: s.GrantTokens, Description: s.Description})
		if err != nil {
			return nil, &Error{Path: path, Err: err}
		}
		return p, nil
	}, nil
}

func (s *mostRecentSpec) build(path string) (builder, *MetaStore, error) {
	if s.MetastoreTable == "" {
		return nil, nil, &Error{Path: join(path, "metastoreTable"), Err: errors.New("required")}
	}
	if err := metaid.CheckName(s.MaterialName); err != nil {
		return nil, nil, &Error{Path: join(path, "materialName"), Err: err}
	}
	ttl, err := time.ParseDuration(s.TTL)
	if err != nil || ttl <= 0 {
		return nil, nil, &Error{Path: join(path, "ttl"), Err: fmt.Errorf("want a positive duration such as \"5m\" or \"30s\", not %q", s.TTL)}
	}
	inner, _, err := parseProvider(join(path, "provider"), s.Provider)
	if err != nil {
		return nil, nil, err
	}
	ms := &MetaStore{Table: s.MetastoreTable, MaterialName: s.MaterialName, Inner: &Config{provider: inner}}
	return func(c Clients) (cmp.Provider, error) {
		if c.DynamoDB == nil {
			return nil, &Error{Path: path, Err: errors.New("a most-recent provider needs a DynamoDB client for its MetaStore")}
		}
		rows, err := inner(c)
		if err != nil {
			return nil, err
		}
		store, err := metastore.New(c.DynamoDB, s.MetastoreTable, rows)
		if err != nil {
			return nil, &Error{Path: path, Err: err}
		}
		p, err := cmp.NewMostRecent(cmp.MostRecentConfig{Store: store, MaterialName: s.MaterialName, TTL: ttl})
		if err != nil {
			return nil, &Error{Path: path, Err: err}
		}
		return p, nil
	}, ms, nil
}

// built returns a builder of a provider that needs no client.
func built(p cmp.Provider) builder {
	return func(Clients) (cmp.Provider, error) { return p, nil }
}
