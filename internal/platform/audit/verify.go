package audit

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"onestamp/internal/platform/db"
)

// BreakKind names how a chain is broken.
type BreakKind string

const (
	// Altered: the stored fields of the record no longer hash to its stored hash (a field or the
	// hash itself was changed).
	Altered BreakKind = "altered"
	// Relinked: the record's prev_hash is not the hash of the record before it.
	Relinked BreakKind = "relinked"
	// Missing: a sequence number is absent (a record was deleted).
	Missing BreakKind = "missing"
	// HeadMismatch: the chain head disagrees with its last record (records cut from the end, or
	// the head was changed).
	HeadMismatch BreakKind = "head_mismatch"
)

// Break is the first broken link of a chain.
type Break struct {
	Seq    int64
	Kind   BreakKind
	Detail string
}

func (b *Break) Error() string {
	return fmt.Sprintf("audit chain broken at #%d (%s): %s", b.Seq, b.Kind, b.Detail)
}

// Report is the result of verifying one chain. OK is true when Broken is nil.
type Report struct {
	Chain    string
	OK       bool
	Records  int64  // records checked, up to the first break
	LastSeq  int64  // seq of the head
	LastHash string // hash of the head
	Broken   *Break
}

// Verify walks chain in seq order and reports the first broken link. It reads one consistent
// snapshot, so it can run while others append.
func (l *Log) Verify(ctx context.Context, chain string) (Report, error) {
	if chain == "" {
		chain = DefaultChain
	}
	tx, err := l.readTx(ctx)
	if err != nil {
		return Report{}, err
	}
	defer tx.Rollback()
	return verifyChain(ctx, tx, chain)
}

// VerifyAll verifies every chain, in name order.
func (l *Log) VerifyAll(ctx context.Context) ([]Report, error) {
	tx, err := l.readTx(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	rows, err := tx.QueryContext(ctx, `SELECT chain FROM audit_chains
		UNION SELECT DISTINCT chain FROM audit_records ORDER BY 1`)
	if err != nil {
		return nil, fmt.Errorf("audit: list chains: %w", err)
	}
	var chains []string
	for rows.Next() {
		var c string
		if err := rows.Scan(&c); err != nil {
			rows.Close()
			return nil, err
		}
		chains = append(chains, c)
	}
	if err := errors.Join(rows.Err(), rows.Close()); err != nil {
		return nil, err
	}
	out := make([]Report, 0, len(chains))
	for _, c := range chains {
		r, err := verifyChain(ctx, tx, c)
		if err != nil {
			return out, err
		}
		out = append(out, r)
	}
	return out, nil
}

// readTx is a read-only transaction over one snapshot: repeatable read on PostgreSQL; on SQLite
// a read transaction always sees one snapshot.
func (l *Log) readTx(ctx context.Context) (*sql.Tx, error) {
	opts := &sql.TxOptions{ReadOnly: true}
	if l.d.Engine == db.Postgres {
		opts.Isolation = sql.LevelRepeatableRead
	}
	tx, err := l.d.Read.BeginTx(ctx, opts)
	if err != nil {
		return nil, fmt.Errorf("audit: begin read: %w", err)
	}
	return tx, nil
}

func verifyChain(ctx context.Context, tx *sql.Tx, chain string) (Report, error) {
	rep := Report{Chain: chain}
	var headSeq int64
	var headHash string
	err := tx.QueryRowContext(ctx, "SELECT last_seq, last_hash FROM audit_chains WHERE chain = $1", chain).
		Scan(&headSeq, &headHash)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		headSeq, headHash = -1, ""
	case err != nil:
		return rep, fmt.Errorf("audit: chain head %s: %w", chain, err)
	}
	rep.LastSeq, rep.LastHash = headSeq, headHash

	rows, err := tx.QueryContext(ctx, `SELECT id, chain, seq, at, actor, actor_name, role, action, subject,
		detail, ip, request_id, prev_hash, hash FROM audit_records WHERE chain = $1 ORDER BY seq`, chain)
	if err != nil {
		return rep, fmt.Errorf("audit: read chain %s: %w", chain, err)
	}
	defer rows.Close()
	want, prev := int64(1), genesis
	for rows.Next() {
		var s stored
		if err := rows.Scan(&s.id, &s.chain, &s.seq, &s.at, &s.actor, &s.actorName, &s.role, &s.action,
			&s.subject, &s.detail, &s.ip, &s.requestID, &s.prevHash, &s.hash); err != nil {
			return rep, err
		}
		switch {
		case s.seq != want:
			rep.Broken = &Break{Seq: want, Kind: Missing, Detail: missing(want, s.seq-1)}
		case s.prevHash != prev:
			rep.Broken = &Break{Seq: s.seq, Kind: Relinked, Detail: "prev_hash does not match the previous record's hash"}
		default:
			h, err := s.computeHash()
			if err != nil || h != s.hash {
				rep.Broken = &Break{Seq: s.seq, Kind: Altered, Detail: "the record's fields do not match its hash"}
			}
		}
		if rep.Broken != nil {
			return rep, nil
		}
		rep.Records++
		prev = s.hash
		want++
	}
	if err := rows.Err(); err != nil {
		return rep, err
	}
	last := want - 1
	switch {
	case headSeq < 0:
		rep.Broken = &Break{Seq: 1, Kind: HeadMismatch, Detail: "records exist but the chain head is missing"}
	case headSeq > last:
		rep.Broken = &Break{Seq: last + 1, Kind: Missing, Detail: missing(last+1, headSeq) + " (cut from the end)"}
	case headSeq < last:
		rep.Broken = &Break{Seq: headSeq + 1, Kind: HeadMismatch,
			Detail: fmt.Sprintf("records after #%d lie beyond the chain head", headSeq)}
	case headHash != prev:
		rep.Broken = &Break{Seq: last, Kind: HeadMismatch, Detail: "the chain head's hash does not match the last record"}
	}
	rep.OK = rep.Broken == nil
	return rep, nil
}

func missing(from, to int64) string {
	if from == to {
		return fmt.Sprintf("record #%d is missing", from)
	}
	return fmt.Sprintf("records #%d…#%d are missing", from, to)
}
