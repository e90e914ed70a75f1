// Package examples holds no code: its directories are runnable programs,
// one for each provider and each way of using ddbcrypt. Start with demo
// (`make demo`), then the one for the provider you will use:
//
//   - getting-started: the README's program, which creates its table from
//     the struct's tags, then saves, loads and queries (mapper)
//   - static: one fixed AES key and one HMAC key for every item (mapper)
//   - wrapped-symmetric: a fresh content key per item, wrapped with AES (mapper)
//   - wrapped-rsa: content keys wrapped with RSA, RSA signatures; a writer
//     that cannot read (mapper)
//   - direct-kms: a data key per item from AWS KMS (mapper)
//   - direct-kms-item: the same with the item encryptor, on a raw item
//   - most-recent: versioned keys in a MetaStore table, rotation (mapper)
//   - item-encryptor: raw items with PutItem and GetItem, and a tampered one
//   - encrypted-client: the drop-in DynamoDB client (package encrypted)
//   - demo: the mapper's Save, Load and Query with any provider
//
// Each says at its top how to run it: against the local services, after
// `scripts/services.sh start` and `eval "$(scripts/services.sh env)"`.
// Without that, each stops at once and says so, except getting-started,
// which is written as an application would be and so runs wherever the
// AWS configuration points, AWS included. All of them but getting-started
// protect the same record, setup.Record in examples/internal/setup.
//
// examples_test.go builds every program and runs it against the local
// services, checking what it prints and what it stores, and checks that
// the README shows getting-started as it is.
package examples
