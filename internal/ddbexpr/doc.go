// Package ddbexpr parses DynamoDB expression strings far enough to tell which
// attributes they reference, and applies projection expressions to items.
//
// The encrypted client needs this before it sends a request: DynamoDB only
// ever sees ciphertext for encrypted attributes, so a condition, filter or
// key-condition expression that references one must be refused; an update
// expression may only touch plaintext, unsigned, non-key attributes; and a
// projection must be applied on the client, after whole items have been
// fetched and decrypted.
//
// # What the parsers guarantee
//
// The property everything here is built for: for any expression DynamoDB
// would accept, every attribute the expression references is in the result.
// A parser either returns every path or an error; a caller that refuses
// expressions it cannot parse is therefore never fooled into sending an
// expression that touches an attribute it did not see.
//
// To keep that property the parsers are deliberately lenient wherever being
// lenient cannot hide a reference, and strict wherever a misreading could:
//
//   - Reserved words are not checked: a bare name that DynamoDB reserves (for
//     example "Comment") is reported like any other name, and DynamoDB itself
//     rejects the expression. Bare names must still be identifiers
//     (ASCII letters, digits and underscore, not starting with a digit);
//     anything else needs a #placeholder, exactly as DynamoDB requires.
//   - Keywords (AND, OR, NOT, BETWEEN, IN, SET, REMOVE, ADD, DELETE) and
//     function names are matched case-insensitively. DynamoDB treats function
//     names as case-sensitive; accepting more spellings only means accepting
//     some expressions DynamoDB will reject anyway.
//   - A word in a position where the grammar allows a path is a path, even if
//     it is spelled like a keyword or a function name ("size = :v" reads the
//     attribute "size"). A word followed by "(" is a function call; unknown
//     functions are an error.
//   - Operands of functions and of SET arithmetic may be any operand, and
//     SET arithmetic may be chained (a + b - c), as the expression builder of
//     aws-sdk-go-v2 can produce them; every path in them is reported.
//   - Whitespace may appear between any two tokens, including inside a
//     document path ("a . b [ 0 ]").
//   - Any character that is not part of the grammar is an error, as is a
//     #placeholder missing from the names map, an empty attribute name, and
//     an expression nested deeper than a fixed limit.
//
// A #placeholder always stands for exactly one path element: if "#n" maps to
// "a.b", the path "#n" is the top-level attribute literally named "a.b", and
// in "#x.#n" it is the map key "a.b" inside the attribute #x.
//
// Results are in order of first appearance, with identical paths reported
// once. Values (":v") are never paths and are not reported.
//
// # API
//
//   - ConditionPaths: condition, filter and key-condition expressions.
//   - ProjectionPaths: projection expressions.
//   - ParseUpdate: update expressions, split into SET, REMOVE, ADD and DELETE
//     targets and the paths read on the right-hand side.
//   - Project: applies parsed projection paths to a whole (decrypted) item.
//
// Every parser error is an *Error carrying an ErrorKind, the byte offset and
// the offending token.
//
// The package imports nothing from ddbcrypt, so that any package, the root
// one included, can use it.
package ddbexpr
