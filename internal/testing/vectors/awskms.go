package vectors

// The "awskms" scenarios: Direct KMS (docs/format.md 7.5, 9.6, 13 Q4).

import (
	"fmt"

	"github.com/aws/aws-sdk-go-v2/service/kms"

	"github.com/ddbcrypt/ddbcrypt/cmp"
)

// buildAWSKMS builds a Direct KMS provider for the KMS key keys[decrypt]
// (keys[encrypt] when encrypting; keys.json holds its "keyId"). KMS clients
// come from Runner.AWS; a key ARN selects the client's region, so the public
// vectors' us-west-2 key is asked in us-west-2 whatever the default region.
// The same key derives the signing key, so keys[sign] and keys[verify] are
// not used. Without Runner.AWS the scenario is skipped.
//
// The public "awskms" scenario is marked network: it needs the real key
// and runs only with Runner.Network. A vector set written against the local
// KMS server carries that server's key ARN and is decrypted through it
// (AWS_ENDPOINT_URL_KMS routes Runner.AWS there).
func buildAWSKMS(r *Runner, set *Set, spec ProviderSpec) (cmp.Provider, error) {
	role := "decrypt"
	if spec.Purpose == ForEncrypt {
		role = "encrypt"
	}
	k, err := keyFor(set, spec, role)
	if err != nil {
		return nil, err
	}
	if k.KeyID == "" {
		return nil, fmt.Errorf("%w: awskms scenario with key %s, which has no keyId", ErrUnsupported, k.Name)
	}
	if r.AWS == nil {
		return nil, fmt.Errorf("%w: awskms needs an AWS configuration (Runner.AWS) to reach KMS key %s", ErrUnsupported, k.KeyID)
	}
	cfg := *r.AWS
	return cmp.NewDirectKMS(cmp.DirectKMSConfig{
		Client: kms.NewFromConfig(cfg),
		KeyID:  k.KeyID,
		RegionClient: func(region string) (cmp.KMSClient, error) {
			return kms.NewFromConfig(cfg, func(o *kms.Options) { o.Region = region }), nil
		},
	})
}
