package vectors

// The most_recent builder (docs/format.md 9.6): the scenario's MetaStore rows are
// loaded into a fresh DynamoDB table, read by a MetaStore with the inner
// provider the scenario names, under a Most Recent provider for its material
// name.
//
// The table gets a unique name per run and is deleted when the scenario is
// done; the rows stay bound to the scenario's metastore.table_name, which
// the MetaStore is given as its logical table name. An encrypt run writes
// the table's rows (the input rows, plus any version the run created) to
// ciphertext/go/ in the input layout and points the scenario's metastore
// block at them, so the output set decrypts on its own.

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/smithy-go/logging"

	"github.com/ddbcrypt/ddbcrypt/cmp"
	"github.com/ddbcrypt/ddbcrypt/metastore"
)

const (
	// mostRecentTTL does not matter within a run: the store does not change
	// under it.
	mostRecentTTL = time.Minute
	// dynamoTimeout bounds each set-up and clean-up step.
	dynamoTimeout = 30 * time.Second
	// probeTimeout bounds the reachability check of the DynamoDB endpoint.
	probeTimeout = 5 * time.Second
)

// mostRecentScenario is the provider of a most_recent scenario, with the
// table it loaded the MetaStore rows into.
type mostRecentScenario struct {
	*cmp.MostRecent
	client  *dynamodb.Client
	table   string // the physical table, unique to this run
	logical string // metastore.table_name
	rowFile string // the scenario's MetaStore ciphertext file
}

// buildMostRecent is the "most_recent" ProviderBuilder.
func buildMostRecent(r *Runner, set *Set, spec ProviderSpec) (cmp.Provider, error) {
	sc := spec.Scenario
	if sc == nil || sc.MetaStore == nil || sc.MaterialName == "" {
		return nil, errors.New("most_recent scenario without material_name and metastore")
	}
	ms := sc.MetaStore
	if r.AWS == nil {
		return nil, skip("most_recent: the MetaStore needs a DynamoDB table and the runner has no AWS configuration")
	}
	client := dynamodb.NewFromConfig(*r.AWS, func(o *dynamodb.Options) {
		// DynamoDB Local's error responses make the SDK warn about their
		// checksum; the harness's output is its report.
		o.Logger = logging.Nop{}
	})
	endpoint := aws.ToString(client.Options().BaseEndpoint)
	if endpoint == "" && !r.Network {
		return nil, skip("most_recent: the MetaStore needs a DynamoDB table; set AWS_ENDPOINT_URL_DYNAMODB to a local DynamoDB, or allow network scenarios (--network) to use one in AWS")
	}
	if err := probeDynamoDB(client); err != nil {
		where := endpoint
		if where == "" {
			where = "AWS"
		}
		return nil, skip(fmt.Sprintf("most_recent: DynamoDB at %s is unreachable: %v", where, err))
	}

	rows, err := metaStoreRows(ms)
	if err != nil {
		return nil, err
	}
	inner, err := r.BuildProvider(set, ProviderSpec{Provider: ms.Provider, Keys: ms.Keys, Purpose: spec.Purpose, Scenario: sc})
	if err != nil {
		return nil, fmt.Errorf("the MetaStore's %s provider: %w", ms.Provider, err)
	}

	ctx, cancel := context.WithTimeout(context.Background(), dynamoTimeout)
	defer cancel()
	p := &mostRecentScenario{client: client, table: scratchTableName(ms.TableName), logical: ms.TableName, rowFile: ms.Ciphertext}
	if err := metastore.CreateTable(ctx, client, p.table); err != nil {
		return nil, err
	}
	for _, row := range rows {
		if _, err := client.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(p.table), Item: row}); err != nil {
			p.release()
			return nil, fmt.Errorf("loading the MetaStore rows: %w", err)
		}
	}
	store, err := metastore.New(client, p.table, inner, metastore.WithSignatureTableName(ms.TableName))
	if err == nil {
		p.MostRecent, err = cmp.NewMostRecent(cmp.MostRecentConfig{Store: store, MaterialName: sc.MaterialName, TTL: mostRecentTTL})
	}
	if err != nil {
		p.release()
		return nil, err
	}
	return p, nil
}

// skipError is a reason to skip a scenario; it matches ErrUnsupported
// without repeating its text.
type skipError string

func skip(reason string) error           { return skipError(reason) }
func (e skipError) Error() string        { return string(e) }
func (e skipError) Is(target error) bool { return target == ErrUnsupported }

// probeDynamoDB makes one cheap call, without retries.
func probeDynamoDB(client *dynamodb.Client) error {
	ctx, cancel := context.WithTimeout(context.Background(), probeTimeout)
	defer cancel()
	_, err := client.ListTables(ctx, &dynamodb.ListTablesInput{Limit: aws.Int32(1)}, func(o *dynamodb.Options) {
		o.RetryMaxAttempts = 1
	})
	return err
}

// metaStoreRows reads the scenario's MetaStore file: one table, named
// metastore.table_name.
func metaStoreRows(ms *MetaStore) ([]map[string]types.AttributeValue, error) {
	tables, err := readTables(ms.Ciphertext)
	if err != nil {
		return nil, err
	}
	rows, ok := tables[ms.TableName]
	if !ok || len(tables) != 1 {
		return nil, fmt.Errorf("%s: want the one table %q, found %v", filepath.Base(ms.Ciphertext), ms.TableName, sortedKeys(tables))
	}
	return rows, nil
}

// scratchTableName is a fresh table name derived from the logical one.
func scratchTableName(logical string) string {
	var b strings.Builder
	b.WriteString("ddbcrypt-vectors-")
	for _, r := range logical {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '_', r == '.', r == '-':
			b.WriteRune(r)
		default:
			b.WriteByte('_')
		}
		if b.Len() > 200 {
			break
		}
	}
	var suffix [8]byte
	rand.Read(suffix[:])
	b.WriteByte('-')
	b.WriteString(hex.EncodeToString(suffix[:]))
	return b.String()
}

// release deletes the scratch table. A failure is not reported: the table
// is the run's only leftover, named ddbcrypt-vectors-*.
func (p *mostRecentScenario) release() {
	ctx, cancel := context.WithTimeout(context.Background(), dynamoTimeout)
	defer cancel()
	p.client.DeleteTable(ctx, &dynamodb.DeleteTableInput{TableName: aws.String(p.table)})
}

// rows returns the MetaStore table's rows as stored, sorted by N and V.
func (p *mostRecentScenario) rows(ctx context.Context) ([]map[string]types.AttributeValue, error) {
	var rows []map[string]types.AttributeValue
	pages := dynamodb.NewScanPaginator(p.client, &dynamodb.ScanInput{TableName: aws.String(p.table), ConsistentRead: aws.Bool(true)})
	for pages.HasMorePages() {
		page, err := pages.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("reading the MetaStore rows: %w", err)
		}
		rows = append(rows, page.Items...)
	}
	key := func(row map[string]types.AttributeValue) string {
		n, _ := row[metastore.AttrName].(*types.AttributeValueMemberS)
		v, _ := row[metastore.AttrVersion].(*types.AttributeValueMemberN)
		if n == nil || v == nil {
			return ""
		}
		return fmt.Sprintf("%s\x00%020s", n.Value, v.Value)
	}
	sort.Slice(rows, func(i, j int) bool { return key(rows[i]) < key(rows[j]) })
	return rows, nil
}

// scenarioResources is implemented by providers that hold something for the
// length of a scenario (a scratch table).
type scenarioResources interface{ release() }

// release frees what the scenario's provider holds, if anything.
func (p providerOrSkip) release() {
	if r, ok := p.provider.(scenarioResources); ok {
		r.release()
	}
}

// writesMetaStore reports whether an encrypt run can write the MetaStore
// rows of the scenario's provider.
func (p providerOrSkip) writesMetaStore() bool {
	_, ok := p.provider.(*mostRecentScenario)
	return ok
}

// writeMetaStore writes the MetaStore rows of an encrypt run beside its
// ciphertext files, in the input layout (table name → rows), and points the
// scenario's metastore block at them. It returns the file written, relative
// to absOut, and the number of rows.
func (p providerOrSkip) writeMetaStore(ctx context.Context, absOut string, used map[string]bool, raw map[string]json.RawMessage) (string, int, error) {
	mr, ok := p.provider.(*mostRecentScenario)
	if !ok {
		return "", 0, errors.New("the provider keeps no MetaStore rows")
	}
	rows, err := mr.rows(ctx)
	if err != nil {
		return "", 0, err
	}
	list := make([]any, 0, len(rows))
	for _, row := range rows {
		j, err := jsonItem(row)
		if err != nil {
			return "", 0, err
		}
		list = append(list, j)
	}
	name := filepath.Base(mr.rowFile)
	for i := 2; used[name]; i++ {
		name = fmt.Sprintf("%d-%s", i, filepath.Base(mr.rowFile))
	}
	used[name] = true
	rel := goCiphertextDir + "/" + name
	if err := writeJSON(filepath.Join(absOut, filepath.FromSlash(rel)), map[string][]any{mr.logical: list}); err != nil {
		return "", 0, err
	}

	var block map[string]json.RawMessage
	if err := json.Unmarshal(raw["metastore"], &block); err != nil {
		return "", 0, fmt.Errorf("the scenario's metastore block: %w", err)
	}
	uri, _ := json.Marshal("file://" + rel)
	block["ciphertext"] = uri
	updated, err := json.Marshal(block)
	if err != nil {
		return "", 0, err
	}
	raw["metastore"] = updated
	return rel, len(rows), nil
}
