package vectors

// Building a scenario's materials provider (docs/format.md 9.6).

import (
	"errors"
	"fmt"

	"github.com/ddbcrypt/ddbcrypt/cmp"
)

// ErrUnsupported marks a scenario this harness cannot run: a provider type
// or key set-up it has no builder for, or one that needs a service it has
// no access to. Such scenarios are reported as skipped, not failed.
var ErrUnsupported = errors.New("not supported by this runner")

// Purpose says whether a provider is built to decrypt existing vectors or to
// encrypt new ones.
type Purpose int

const (
	// ForDecrypt builds a provider that reads existing vectors, old formats
	// included.
	ForDecrypt Purpose = iota
	// ForEncrypt builds a provider that writes new vectors, in the current
	// format only.
	ForEncrypt
)

// ProviderSpec is what a ProviderBuilder gets: the provider type and key
// roles to build (the scenario's own, or its MetaStore's inner provider),
// and the whole scenario for builders that need more (material_name,
// metastore, endpoint, ...).
type ProviderSpec struct {
	Provider string
	Keys     map[string]string
	Purpose  Purpose
	Scenario *Scenario
}

// ProviderBuilder builds the provider for a spec. It returns an error
// wrapping ErrUnsupported for a set-up it cannot build, which skips the
// scenario. Builders that wrap another provider (most_recent over a
// MetaStore) call Runner.BuildProvider for the inner one.
type ProviderBuilder func(r *Runner, set *Set, spec ProviderSpec) (cmp.Provider, error)

// DefaultProviders returns the builders for every provider type of the
// vectors; awskms and most_recent need Runner.AWS.
func DefaultProviders() map[string]ProviderBuilder {
	return map[string]ProviderBuilder{
		"static":      buildStatic,
		"wrapped":     buildWrapped,
		"most_recent": buildMostRecent,
		"awskms":      buildAWSKMS,
	}
}

// BuildProvider builds the provider for spec with the runner's builders.
func (r *Runner) BuildProvider(set *Set, spec ProviderSpec) (cmp.Provider, error) {
	builders := r.Providers
	if builders == nil {
		builders = DefaultProviders()
	}
	build, ok := builders[spec.Provider]
	if !ok {
		return nil, fmt.Errorf("%w: %s", ErrUnsupported, spec.Provider)
	}
	return build(r, set, spec)
}

// keyFor returns the key for a role, with the role defaults of docs/format.md 9.6.
func keyFor(set *Set, spec ProviderSpec, role string) (*Key, error) {
	name := KeyName(spec.Keys, role)
	k, err := set.Key(name)
	if err != nil {
		return nil, fmt.Errorf("%s key: %w", role, err)
	}
	return k, nil
}

// roleKeys are the keys a static or wrapped provider is built from: the
// keys of the encrypt and decrypt roles, and the signature keys made from
// keys[sign] and keys[verify].
type roleKeys struct {
	enc, dec *Key
	sign     cmp.SigningKey
	verify   cmp.VerificationKey
}

func keysFor(set *Set, spec ProviderSpec) (roleKeys, error) {
	keys := make(map[string]*Key, 4)
	for _, role := range []string{"encrypt", "decrypt", "sign", "verify"} {
		k, err := keyFor(set, spec, role)
		if err != nil {
			return roleKeys{}, err
		}
		keys[role] = k
	}
	sign, err := signingKey(keys["sign"])
	if err != nil {
		return roleKeys{}, err
	}
	verify, err := verificationKey(keys["verify"])
	if err != nil {
		return roleKeys{}, err
	}
	return roleKeys{enc: keys["encrypt"], dec: keys["decrypt"], sign: sign, verify: verify}, nil
}

// signingKey makes the signing key: HMAC for a symmetric key, RSA for a
// private key, each with the key's own algorithm name.
func signingKey(k *Key) (cmp.SigningKey, error) {
	switch {
	case k.Symmetric != nil:
		return cmp.NewHMACKey(k.Algorithm, k.Symmetric)
	case k.Private != nil:
		return cmp.NewRSASigningKey(k.Algorithm, k.Private)
	}
	return nil, fmt.Errorf("%w: signing with key %s (%s)", ErrUnsupported, k.Name, k.Type)
}

// verificationKey makes the verification key: HMAC for a symmetric key,
// RSA for a public key.
func verificationKey(k *Key) (cmp.VerificationKey, error) {
	switch {
	case k.Symmetric != nil:
		return cmp.NewHMACKey(k.Algorithm, k.Symmetric)
	case k.Public != nil:
		return cmp.NewRSAVerificationKey(k.Algorithm, k.Public)
	}
	return nil, fmt.Errorf("%w: verifying with key %s (%s)", ErrUnsupported, k.Name, k.Type)
}

// buildStatic: the AES key keys[encrypt]/keys[decrypt] encrypts attributes
// directly; keys[sign]/keys[verify] sign.
func buildStatic(_ *Runner, set *Set, spec ProviderSpec) (cmp.Provider, error) {
	rk, err := keysFor(set, spec)
	if err != nil {
		return nil, err
	}
	if rk.enc.Symmetric == nil || rk.dec.Symmetric == nil {
		return nil, fmt.Errorf("%w: static provider with non-symmetric keys %s, %s", ErrUnsupported, rk.enc.Name, rk.dec.Name)
	}
	return cmp.NewStatic(cmp.StaticConfig{
		EncryptionKey:   rk.enc.Symmetric,
		DecryptionKey:   rk.dec.Symmetric,
		SigningKey:      rk.sign,
		VerificationKey: rk.verify,
	})
}

// buildWrapped: a symmetric keys[decrypt] is an AES key-wrapping key used
// both ways; otherwise the RSA public key keys[encrypt] wraps and the
// private key keys[decrypt] unwraps.
func buildWrapped(_ *Runner, set *Set, spec ProviderSpec) (cmp.Provider, error) {
	rk, err := keysFor(set, spec)
	if err != nil {
		return nil, err
	}
	enc, dec := rk.enc, rk.dec
	cfg := cmp.WrappedConfig{SigningKey: rk.sign, VerificationKey: rk.verify}
	var wrapErr, unwrapErr error
	switch {
	case dec.Symmetric != nil:
		if enc.Symmetric == nil {
			return nil, fmt.Errorf("%w: wrapped provider mixing symmetric key %s with %s key %s", ErrUnsupported, dec.Name, enc.Type, enc.Name)
		}
		cfg.WrappingKey, wrapErr = cmp.NewAESWrappingKey(enc.Symmetric)
		cfg.UnwrappingKey, unwrapErr = cmp.NewAESWrappingKey(dec.Symmetric)
	case dec.Private != nil && enc.Public != nil:
		cfg.WrappingKey, wrapErr = cmp.NewRSAWrappingKey(enc.Public)
		cfg.UnwrappingKey, unwrapErr = cmp.NewRSAUnwrappingKey(dec.Private)
		// The Java vector wrapped-rsa-rsa-1 predates amzn-ddb-wrap-alg and
		// can only be opened with the legacy PKCS#1 v1.5 unwrap, which is an
		// oracle risk (docs/format.md 11) and therefore off by default. Reading
		// old vectors is exactly the case it exists for; new vectors are
		// never written with it.
		cfg.AllowLegacyRSAPKCS1v15 = spec.Purpose == ForDecrypt
	default:
		return nil, fmt.Errorf("%w: wrapped provider with keys %s (%s), %s (%s)", ErrUnsupported, enc.Name, enc.Type, dec.Name, dec.Type)
	}
	if err := errors.Join(wrapErr, unwrapErr); err != nil {
		return nil, err
	}
	return cmp.NewWrapped(cfg)
}
