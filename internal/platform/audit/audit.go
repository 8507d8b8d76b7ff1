// Package audit is the append-only, hash-chained audit log. Records are written inside the
// caller's transaction, so an action and its audit record commit or vanish together. Each record
// takes the next sequence number of its chain and hash = SM3(prev_hash || canonical record), so a
// record changed, removed or reordered afterwards breaks the chain, and Verify says where.
package audit

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"math"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"onestamp/internal/platform/db"
	"onestamp/internal/platform/gm"
)

// DefaultChain is the chain a Record without one goes to.
const DefaultChain = "main"

// SystemActor is the actor of records written by the platform itself (jobs, start-up).
const SystemActor = "system"

// genesis is the prev_hash of a chain's first record.
var genesis = strings.Repeat("0", 2*gm.Size)

// Record is one audited action.
type Record struct {
	Chain     string         // default "main"
	Actor     string         // user id, or "system"
	ActorName string         // the name as shown at the time, so renamed users stay readable
	Role      string         // the role the actor acted in
	Action    string         // dotted verb, e.g. "auth.login", "case.accept"
	Subject   string         // what it was done to, e.g. "case:<id>"
	Detail    map[string]any // stored as canonical JSON
	IP        string
	RequestID string
	At        time.Time // default now; stored to the millisecond
	// Head is the chain's head as read earlier in the same transaction (HeadQuery), or nil: the
	// append then reads and locks it itself.
	Head *Head
}

// Head is a chain's head read, under its lock, at the start of a transaction that will append
// to the chain: the transaction then needs no round trip of its own for it. Appends through it
// move it on.
type Head struct {
	chain string
	seq   int64
	hash  string
}

// HeadQuery is the query that locks and reads chain's head, to go in a batch (db.QueryBatch)
// with a transaction's first reads. ScanHead reads its answer. when, if not empty, is an SQL
// condition (its placeholders numbered from $2, its arguments args) under which the head is read
// now: when it does not hold, the query answers no row, and the append reads and locks the head
// itself, later in the transaction (for a transaction whose other locks must come first).
func (l *Log) HeadQuery(chain, when string, args ...any) db.Stmt {
	q := "SELECT last_seq, last_hash FROM audit_chains WHERE chain = $1"
	if when != "" {
		q += " AND " + when
	}
	return db.Stmt{SQL: q + l.d.ForUpdate(), Args: append([]any{chain}, args...)}
}

// ScanHead reads the answer of HeadQuery(chain) from rows; nil when the chain has no head yet
// (its first Append creates it).
func ScanHead(rows *sql.Rows, chain string) (*Head, error) {
	h := &Head{chain: chain}
	if !rows.Next() {
		return nil, rows.Err()
	}
	if err := rows.Scan(&h.seq, &h.hash); err != nil {
		return nil, fmt.Errorf("audit: head of %s: %w", chain, err)
	}
	return h, nil
}

// Entry is a stored record with its place in the chain.
type Entry struct {
	Record
	ID       string
	Seq      int64
	PrevHash string
	Hash     string
}

// Log appends to and reads the audit log.
type Log struct {
	d   *db.DB
	now func() time.Time
}

// New returns the audit log stored in d.
func New(d *db.DB) *Log { return &Log{d: d, now: time.Now} }

// Append writes r as the next record of its chain inside tx. On PostgreSQL it locks the chain's
// head row until tx ends, so append late in a transaction: concurrent writers of one chain queue
// on that row. If tx rolls back, the record and its seq vanish with it, leaving no gap.
func (l *Log) Append(ctx context.Context, tx *sql.Tx, r Record) error {
	if tx == nil {
		return errors.New("audit: Append needs the caller's transaction")
	}
	if r.Action == "" {
		return errors.New("audit: record without an action")
	}
	if r.Chain == "" {
		r.Chain = DefaultChain
	}
	if r.Actor == "" {
		r.Actor = SystemActor
	}
	if r.At.IsZero() {
		r.At = l.now()
	}
	detail, err := canonicalJSON(r.Detail)
	if err != nil {
		return fmt.Errorf("audit: detail of %s: %w", r.Action, err)
	}

	var lastSeq int64
	var lastHash string
	if r.Head != nil && r.Head.chain == r.Chain {
		lastSeq, lastHash = r.Head.seq, r.Head.hash
	} else if lastSeq, lastHash, err = l.lockHead(ctx, tx, r.Chain); err != nil {
		return err
	}
	e := stored{
		id: db.NewID(), chain: r.Chain, seq: lastSeq + 1, at: r.At.UnixMilli(),
		actor: r.Actor, actorName: r.ActorName, role: r.Role, action: r.Action, subject: r.Subject,
		detail: detail, ip: r.IP, requestID: r.RequestID, prevHash: lastHash,
	}
	e.hash, err = e.computeHash()
	if err != nil {
		return err
	}
	// Nothing reads the answers of these two: on PostgreSQL they travel with the next statement.
	later := db.Later(ctx)
	if _, err := tx.ExecContext(later, `INSERT INTO audit_records
		(id, chain, seq, at, actor, actor_name, role, action, subject, detail, ip, request_id, prev_hash, hash)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)`,
		e.id, e.chain, e.seq, e.at, e.actor, e.actorName, e.role, e.action, e.subject,
		e.detail, e.ip, e.requestID, e.prevHash, e.hash); err != nil {
		return fmt.Errorf("audit: insert %s #%d: %w", e.chain, e.seq, err)
	}
	if _, err := tx.ExecContext(later,
		"UPDATE audit_chains SET last_seq = $1, last_hash = $2 WHERE chain = $3",
		e.seq, e.hash, e.chain); err != nil {
		return fmt.Errorf("audit: advance chain %s: %w", e.chain, err)
	}
	if r.Head != nil && r.Head.chain == r.Chain {
		r.Head.seq, r.Head.hash = e.seq, e.hash
	}
	return nil
}

// lockHead returns the chain head, creating it on the chain's first record, and holds its row
// lock (PostgreSQL) for the rest of tx.
func (l *Log) lockHead(ctx context.Context, tx *sql.Tx, chain string) (int64, string, error) {
	q := "SELECT last_seq, last_hash FROM audit_chains WHERE chain = $1" + l.d.ForUpdate()
	var seq int64
	var h string
	err := tx.QueryRowContext(ctx, q, chain).Scan(&seq, &h)
	if errors.Is(err, sql.ErrNoRows) {
		if _, err := tx.ExecContext(ctx, `INSERT INTO audit_chains (chain, last_seq, last_hash)
			VALUES ($1, 0, $2) ON CONFLICT (chain) DO NOTHING`, chain, genesis); err != nil {
			return 0, "", fmt.Errorf("audit: create chain %s: %w", chain, err)
		}
		err = tx.QueryRowContext(ctx, q, chain).Scan(&seq, &h)
	}
	if err != nil {
		return 0, "", fmt.Errorf("audit: lock chain %s: %w", chain, err)
	}
	return seq, h, nil
}

// stored is a record as it sits in the table: exactly the values that are hashed.
type stored struct {
	id, chain                               string
	seq, at                                 int64
	actor, actorName, role, action, subject string
	detail, ip, requestID, prevHash, hash   string
}

const hashDomain = "onestamp/audit/v1"

// canonical is the unambiguous byte form of a record that its hash covers: a domain tag, then
// every field, each prefixed by its length.
func (s *stored) canonical() []byte {
	var b bytes.Buffer
	field := func(v string) {
		b.Write(binary.AppendUvarint(nil, uint64(len(v))))
		b.WriteString(v)
	}
	field(hashDomain)
	field(s.id)
	field(s.chain)
	field(strconv.FormatInt(s.seq, 10))
	field(strconv.FormatInt(s.at, 10))
	field(s.actor)
	field(s.actorName)
	field(s.role)
	field(s.action)
	field(s.subject)
	field(s.detail)
	field(s.ip)
	field(s.requestID)
	return b.Bytes()
}

func (s *stored) computeHash() (string, error) {
	prev, err := hex.DecodeString(s.prevHash)
	if err != nil || len(prev) != gm.Size {
		return "", fmt.Errorf("audit: chain %s #%d: malformed prev_hash", s.chain, s.seq)
	}
	return gm.SumHex(prev, s.canonical()), nil
}

// canonicalJSON encodes detail with sorted object keys at every depth, numbers as written and no
// HTML escaping, so the same detail always yields the same bytes.
func canonicalJSON(detail map[string]any) (string, error) {
	if len(detail) == 0 {
		return "{}", nil
	}
	if plainJSON(detail) {
		// Maps, lists, strings, numbers and booleans come out of one encoding exactly as out of
		// the round trip below (map keys sorted, numbers as written, no HTML escaping): skip it.
		return encodeJSON(detail)
	}
	return roundTripJSON(detail)
}

// encodeJSON writes v as JSON without HTML escaping, on one line.
func encodeJSON(v any) (string, error) {
	var out bytes.Buffer
	enc := json.NewEncoder(&out)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return "", err
	}
	return strings.TrimSuffix(out.String(), "\n"), nil
}

// roundTripJSON is the canonical form of any detail: encoded, decoded into plain values and
// encoded again.
func roundTripJSON(detail map[string]any) (string, error) {
	raw, err := json.Marshal(detail)
	if err != nil {
		return "", err
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return "", err
	}
	return encodeJSON(v)
}

// plainJSON reports whether v holds only values whose JSON encoding is already canonical.
func plainJSON(v any) bool {
	// Invalid UTF-8 is written as an escape by one encoding and as the replacement character by
	// the round trip: such text takes the long way.
	switch x := v.(type) {
	case nil, bool, int, int64, int32, uint, uint64, uint32:
		return true
	case string:
		return utf8.ValidString(x)
	case float64:
		return !math.IsNaN(x) && !math.IsInf(x, 0)
	case []string:
		for _, e := range x {
			if !utf8.ValidString(e) {
				return false
			}
		}
		return true
	case map[string]string:
		for k, e := range x {
			if !utf8.ValidString(k) || !utf8.ValidString(e) {
				return false
			}
		}
		return true
	case []any:
		for _, e := range x {
			if !plainJSON(e) {
				return false
			}
		}
		return true
	case map[string]any:
		for k, e := range x {
			if !utf8.ValidString(k) || !plainJSON(e) {
				return false
			}
		}
		return true
	}
	return false
}

// ShardChain spreads a busy stream of records over n chains named "prefix/0" … "prefix/n-1",
// chosen by key (a case id, say), so that the records of one subject stay on one chain, in
// order, while PostgreSQL commits appends to different chains in parallel. Verify and
// VerifyAll treat each shard as the chain it is.
func ShardChain(prefix, key string, n int) string {
	if n <= 1 {
		return prefix
	}
	h := fnv.New32a()
	h.Write([]byte(key))
	return prefix + "/" + strconv.Itoa(int(h.Sum32()%uint32(n)))
}
