package ddbcrypt_test

// Citations of docs/format.md must land: every "docs/format.md 7.5.2",
// "docs/format.md 10 #19", "docs/format.md 11 item 8", "docs/format.md 13 Q1"
// in the module's Go and Markdown files names a section, a row of the table
// of section 10, an item of the list of section 11 or a question of
// sections 12 and 13 that the document has, and every link to an anchor of
// it names a heading it has.

import (
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"unicode"
)

// citation is one place of docs/format.md a file refers to: a section
// ("7.5.2"), a row of section 10 ("10 #19"), an item of section 11
// ("11 item 8"), a question ("13 Q1") or a heading anchor ("#752-...").
type citation struct {
	file, ref string
}

// formatTargets returns every reference docs/format.md can satisfy, in the
// forms parseCitations produces.
func formatTargets(doc string) map[string]bool {
	heading := regexp.MustCompile(`^#{2,4} (\d+(?:\.\d+)*)\.? `)
	row := regexp.MustCompile(`^\| (\d+) \|`)
	item := regexp.MustCompile(`^(\d+)\. `)
	question := regexp.MustCompile(`^- \*\*Q(\d+) `)
	targets := make(map[string]bool)
	section := ""
	for line := range strings.Lines(doc) {
		line = strings.TrimRight(line, "\n")
		if strings.HasPrefix(line, "#") {
			if m := heading.FindStringSubmatch(line); m != nil {
				section = m[1]
				targets[section] = true
			}
			if text, ok := strings.CutPrefix(strings.TrimLeft(line, "#"), " "); ok {
				targets["#"+anchor(text)] = true
			}
			continue
		}
		top, _, _ := strings.Cut(section, ".")
		switch {
		case top == "10" && row.MatchString(line):
			targets["10 #"+row.FindStringSubmatch(line)[1]] = true
		case top == "11" && item.MatchString(line):
			targets["11 item "+item.FindStringSubmatch(line)[1]] = true
		case (top == "12" || top == "13") && question.MatchString(line):
			targets[top+" Q"+question.FindStringSubmatch(line)[1]] = true
		}
	}
	return targets
}

// anchor is the fragment GitHub gives a Markdown heading: lower case,
// punctuation dropped, spaces made hyphens.
func anchor(heading string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(heading) {
		switch {
		case r == ' ':
			b.WriteByte('-')
		case r == '-' || r == '_' || unicode.IsLetter(r) || unicode.IsDigit(r):
			b.WriteRune(r)
		}
	}
	return b.String()
}

var (
	// commentBreak joins the lines of a Go comment, so that a citation
	// broken over two lines reads as one.
	commentBreak = regexp.MustCompile(`\n[ \t]*//[ \t]?`)
	// citationToken is one word of the text after "docs/format.md".
	citationToken = regexp.MustCompile(`#\d+|Q\d+|\d+(?:\.\d+)*|[A-Za-z]+|[,;–-]|\S`)
	// formatLink is a Markdown link to an anchor of the format document.
	formatLink = regexp.MustCompile(`\]\((?:\.\./)?(?:docs/)?format\.md(#[^)\s]+)\)`)
)

// parseCitations returns the references of text to docs/format.md.
func parseCitations(text string) []string {
	text = commentBreak.ReplaceAllString(text, " ")
	var refs []string
	for _, m := range formatLink.FindAllStringSubmatch(text, -1) {
		refs = append(refs, m[1])
	}
	const name = "docs/format.md"
	for rest := text; ; {
		i := strings.Index(rest, name)
		if i < 0 {
			break
		}
		rest = rest[i+len(name):]
		refs = append(refs, parseCitation(rest)...)
	}
	return refs
}

// parseCitation reads the references that follow one "docs/format.md": a
// list such as " 5.4, 10 #14, 11 item 1; scope in 13 Q3" or
// " 7.3.2, 11 items 1, 4, 5", up to the first word or sign that cannot be
// part of one (a closing parenthesis, a colon, the end of a sentence).
func parseCitation(s string) []string {
	if s == "" || (s[0] != ' ' && s[0] != '\n') {
		return nil // a path, a link target or the end of a sentence
	}
	if end := strings.IndexAny(s, ")]:'`\n"); end >= 0 {
		s = s[:end]
	}
	if end := strings.Index(s, ". "); end >= 0 {
		s = s[:end]
	}
	s = strings.TrimSuffix(s, ".")
	tokens := citationToken.FindAllString(s, -1)
	var refs []string
	section, mode := "", ""
	for i, tok := range tokens {
		next := ""
		if i+1 < len(tokens) {
			next = tokens[i+1]
		}
		switch {
		case tok[0] == '#' && section != "":
			refs = append(refs, section+" "+tok)
		case tok[0] == 'Q' && len(tok) > 1 && section != "":
			refs = append(refs, section+" "+tok)
		case tok[0] >= '0' && tok[0] <= '9':
			continuing := mode != "" && !strings.Contains(tok, ".") &&
				!strings.HasPrefix(next, "#") && !strings.HasPrefix(next, "Q") && !strings.HasPrefix(next, "item") && !strings.HasPrefix(next, "step")
			switch {
			case continuing && mode == "item":
				refs = append(refs, section+" item "+tok)
			case continuing: // a step of a procedure: not checked
			default:
				section, mode = tok, ""
				refs = append(refs, section)
			}
		case tok == "item" || tok == "items":
			mode = "item"
		case tok == "step" || tok == "steps":
			mode = "step"
		case slices.Contains([]string{",", ";", "–", "-", "and", "section", "sections", "in", "scope"}, tok):
		default:
			return refs // prose: the citation has ended
		}
	}
	return refs
}

func TestParseCitations(t *testing.T) {
	for _, tc := range []struct {
		text string
		want []string
	}{
		{"(docs/format.md 7.5.2).", []string{"7.5.2"}},
		{"(docs/format.md section 7). Everything else 12", []string{"7"}},
		{"docs/format.md 10 #10 and #20, 11 item 1):", []string{"10", "10 #10", "10 #20", "11", "11 item 1"}},
		{"docs/format.md 5.4, 10 #14, 11 item 1; scope in 13 Q3)", []string{"5.4", "10", "10 #14", "11", "11 item 1", "13", "13 Q3"}},
		{"(docs/format.md 7.3.2, 11 items 1, 4, 5).", []string{"7.3.2", "11", "11 item 1", "11 item 4", "11 item 5"}},
		{"// (docs/format.md 11\n\t// item 8).", []string{"11", "11 item 8"}},
		{"docs/format.md 13 Q2\n// and Q4): one", []string{"13", "13 Q2", "13 Q4"}},
		{"(docs/format.md 1.1 step 1, 1.2 step 1).", []string{"1.1", "1.2"}},
		{"docs/format.md 7.5's known answer: 3", []string{"7.5"}},
		{"docs/format.md 7.5.4 allows it; 9", []string{"7.5.4"}},
		{"specified in docs/format.md; each file", nil},
		{"docs/format.md 10 #1–#2, 13 Q1)", []string{"10", "10 #1", "10 #2", "13", "13 Q1"}},
		{"see [docs/format.md 3.2](docs/format.md#32-the-description-is-not-signed)", []string{"#32-the-description-is-not-signed", "3.2"}},
		{"[format](format.md#9-test-vectors) and [x](../docs/format.md#0-conventions)", []string{"#9-test-vectors", "#0-conventions"}},
	} {
		if got := parseCitations(tc.text); !slices.Equal(got, tc.want) {
			t.Errorf("parseCitations(%q) = %q, want %q", tc.text, got, tc.want)
		}
	}
}

func TestFormatTargets(t *testing.T) {
	doc := "## 7. Providers\n### 7.5.2 The KMS encryption context\n" +
		"## 10. Where they differ\n| # | topic |\n|---|---|\n| 19 | MetaStore |\n" +
		"## 11. Rules\n1. **Description** text\n12. last\n" +
		"## 13. Answers\n- **Q1 — ordering.** text\n"
	got := formatTargets(doc)
	for _, want := range []string{"7", "7.5.2", "10 #19", "11 item 1", "11 item 12", "13 Q1", "#752-the-kms-encryption-context", "#13-answers"} {
		if !got[want] {
			t.Errorf("formatTargets lacks %q; has %v", want, got)
		}
	}
	for _, absent := range []string{"10 #1", "11 item 19", "13 Q2", "7.5"} {
		if got[absent] {
			t.Errorf("formatTargets has %q", absent)
		}
	}
}

// TestFormatCitations checks every citation of docs/format.md in the
// module against the document.
func TestFormatCitations(t *testing.T) {
	doc, err := os.ReadFile(filepath.Join("docs", "format.md"))
	if err != nil {
		t.Fatal(err)
	}
	targets := formatTargets(string(doc))
	var cites []citation
	err = filepath.WalkDir(".", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if path != "." && (strings.HasPrefix(d.Name(), ".") || d.Name() == "node_modules") {
				return filepath.SkipDir
			}
			return nil
		}
		if ext := filepath.Ext(path); (ext != ".go" && ext != ".md") || path == "doc_citations_test.go" {
			return nil // this file's examples are not citations
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		for _, ref := range parseCitations(string(data)) {
			cites = append(cites, citation{path, ref})
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	// The code cites the document well over a hundred times; far fewer
	// means the scan is broken, not that the citations are gone.
	if len(cites) < 100 {
		t.Fatalf("found only %d citations of docs/format.md", len(cites))
	}
	for _, c := range cites {
		if !targets[c.ref] {
			t.Errorf("%s cites docs/format.md %s, which has no such section, row, item, question or heading", c.file, c.ref)
		}
	}
}
