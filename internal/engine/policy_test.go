package engine

import (
	"errors"
	"testing"

	"github.com/ddbcrypt/ddbcrypt"
	"github.com/ddbcrypt/ddbcrypt/crypto"
	"github.com/ddbcrypt/ddbcrypt/internal/tableinfo"
)

// The policy is the one place that decides; these cases pin what it
// decides for a table with a sort key and a secondary index.
func testInfo() *tableinfo.Info {
	return &tableinfo.Info{
		Name:    "orders",
		Keys:    tableinfo.KeySchema{Partition: "pk", Sort: "sk"},
		Indexes: map[string]tableinfo.Index{"byEmail": {Keys: tableinfo.KeySchema{Partition: "email"}, ProjectsAll: true}},
	}
}

func TestPolicyActions(t *testing.T) {
	info := testInfo()
	configured := crypto.AttributeActions{Default: crypto.EncryptAndSign, Overrides: map[string]crypto.Action{"status": crypto.SignOnly, "views": crypto.DoNothing}}
	p, err := NewPolicy(info, configured, info.KeyNames()...)
	if err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string]crypto.Action{
		"pk": crypto.SignOnly, "sk": crypto.SignOnly, "email": crypto.SignOnly, // keys: signed, never encrypted
		"status": crypto.SignOnly, "views": crypto.DoNothing, "secret": crypto.EncryptAndSign,
	} {
		if got := p.Action(name); got != want {
			t.Errorf("Action(%q) = %v, want %v", name, got, want)
		}
	}
	if !p.Signs() {
		t.Error("Signs() = false for a policy that signs")
	}
	none, err := NewPolicy(info, crypto.AttributeActions{Default: crypto.DoNothing}, info.KeyNames()...)
	if err != nil {
		t.Fatal(err)
	}
	if none.Signs() {
		t.Error("Signs() = true for an all-DO_NOTHING policy")
	}
}

func TestPolicyRefusesKeyActions(t *testing.T) {
	info := testInfo()
	for _, tc := range []struct {
		key    string
		action crypto.Action
		reason error
	}{
		{"email", crypto.EncryptAndSign, crypto.ErrKeyEncrypted},
		{"sk", crypto.EncryptAndSign, crypto.ErrKeyEncrypted},
		{"email", crypto.DoNothing, crypto.ErrKeyUnsigned},
	} {
		_, err := NewPolicy(info, crypto.AttributeActions{Default: crypto.EncryptAndSign, Overrides: map[string]crypto.Action{tc.key: tc.action}}, info.KeyNames()...)
		var ae *ddbcrypt.AttributeError
		if !errors.Is(err, tc.reason) || !errors.As(err, &ae) || ae.Attribute != tc.key || !errors.Is(err, ddbcrypt.ErrInvalidConfig) {
			t.Errorf("%s %v: error %v, want an *AttributeError naming it, wrapping %v and ErrInvalidConfig", tc.key, tc.action, err, tc.reason)
		}
	}
}

func TestPolicyExpressions(t *testing.T) {
	info := testInfo()
	p, err := NewPolicy(info, crypto.AttributeActions{Default: crypto.EncryptAndSign, Overrides: map[string]crypto.Action{"status": crypto.SignOnly, "views": crypto.DoNothing}}, info.KeyNames()...)
	if err != nil {
		t.Fatal(err)
	}
	names := map[string]string{"#s": "secret", "#v": "views", "#sig": crypto.SignatureAttribute}
	conditions := []struct {
		expr, refused string // refused: the attribute named in the refusal, or "" if allowed
	}{
		{"pk = :p AND status = :s", ""},
		{"attribute_exists(email) OR #v > :n", ""},
		{"#s = :x", "secret"},
		{"size(secret.inner[2]) > :n", "secret"},
		{"status = :s AND (begins_with(#s, :x))", "secret"},
	}
	for _, tc := range conditions {
		checkRefusal(t, "condition "+tc.expr, p.CheckCondition("condition", &tc.expr, names), tc.refused)
	}
	updates := []struct{ expr, refused string }{
		{"SET #v = #v + :one", ""},
		{"SET status = :s", "status"},
		{"SET #v = :n REMOVE pk", "pk"},
		{"SET email = :e", "email"},
		{"SET #v = #s", "secret"},
		{"REMOVE #sig", crypto.SignatureAttribute},
		{"SET secret = :x", "secret"},
	}
	for _, tc := range updates {
		checkRefusal(t, "update "+tc.expr, p.CheckUpdate(&tc.expr, names), tc.refused)
	}
}

func checkRefusal(t *testing.T, what string, err error, attr string) {
	t.Helper()
	if attr == "" {
		if err != nil {
			t.Errorf("%s: refused: %v", what, err)
		}
		return
	}
	var ae *ddbcrypt.AttributeError
	if !errors.Is(err, ddbcrypt.ErrInvalidItem) || !errors.As(err, &ae) || ae.Attribute != attr {
		t.Errorf("%s: error %v, want a refusal naming attribute %q", what, err, attr)
	}
}
