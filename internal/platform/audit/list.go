package audit

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Filter selects records for the viewer. Empty fields do not filter.
type Filter struct {
	Chain   string
	Actor   string
	Subject string
	// Action matches exactly, or as a prefix when it ends in "." ("case." matches "case.accept").
	Action string
	From   time.Time // inclusive
	To     time.Time // exclusive
	Limit  int       // default 50, at most 500
	Cursor string    // Page.Next of the previous page
}

// Page is one page of records, newest first. Next is empty on the last page.
type Page struct {
	Entries []Entry
	Next    string
}

// List returns records matching f, newest first, paged by (at, id).
func (l *Log) List(ctx context.Context, f Filter) (Page, error) {
	limit := f.Limit
	if limit <= 0 {
		limit = 50
	}
	if limit > 500 {
		limit = 500
	}
	var where []string
	var args []any
	arg := func(v any) string {
		args = append(args, v)
		return "$" + strconv.Itoa(len(args))
	}
	if f.Chain != "" {
		where = append(where, "chain = "+arg(f.Chain))
	}
	if f.Actor != "" {
		where = append(where, "actor = "+arg(f.Actor))
	}
	if f.Subject != "" {
		where = append(where, "subject = "+arg(f.Subject))
	}
	if f.Action != "" {
		if strings.HasSuffix(f.Action, ".") {
			where = append(where, "action LIKE "+arg(likePrefix(f.Action))+` ESCAPE '\'`)
		} else {
			where = append(where, "action = "+arg(f.Action))
		}
	}
	if !f.From.IsZero() {
		where = append(where, "at >= "+arg(f.From.UnixMilli()))
	}
	if !f.To.IsZero() {
		where = append(where, "at < "+arg(f.To.UnixMilli()))
	}
	if f.Cursor != "" {
		at, id, err := parseCursor(f.Cursor)
		if err != nil {
			return Page{}, err
		}
		a, i := arg(at), arg(id)
		where = append(where, fmt.Sprintf("(at < %s OR (at = %s AND id < %s))", a, a, i))
	}
	q := `SELECT id, chain, seq, at, actor, actor_name, role, action, subject, detail, ip, request_id,
		prev_hash, hash FROM audit_records`
	if len(where) > 0 {
		q += " WHERE " + strings.Join(where, " AND ")
	}
	q += " ORDER BY at DESC, id DESC LIMIT " + strconv.Itoa(limit+1)

	rows, err := l.d.Read.QueryContext(ctx, q, args...)
	if err != nil {
		return Page{}, fmt.Errorf("audit: list: %w", err)
	}
	defer rows.Close()
	var p Page
	for rows.Next() {
		var s stored
		if err := rows.Scan(&s.id, &s.chain, &s.seq, &s.at, &s.actor, &s.actorName, &s.role, &s.action,
			&s.subject, &s.detail, &s.ip, &s.requestID, &s.prevHash, &s.hash); err != nil {
			return Page{}, err
		}
		p.Entries = append(p.Entries, s.entry())
	}
	if err := rows.Err(); err != nil {
		return Page{}, err
	}
	if len(p.Entries) > limit {
		p.Entries = p.Entries[:limit]
		last := p.Entries[limit-1]
		p.Next = strconv.FormatInt(last.At.UnixMilli(), 10) + "_" + last.ID
	}
	return p, nil
}

func (s *stored) entry() Entry {
	e := Entry{
		ID: s.id, Seq: s.seq, PrevHash: s.prevHash, Hash: s.hash,
		Record: Record{
			Chain: s.chain, Actor: s.actor, ActorName: s.actorName, Role: s.role, Action: s.action,
			Subject: s.subject, IP: s.ip, RequestID: s.requestID, At: time.UnixMilli(s.at).UTC(),
		},
	}
	if s.detail != "" && s.detail != "{}" {
		// Detail was written by Append as JSON; a row that no longer parses is shown without it
		// (Verify reports the tampering).
		dec := json.NewDecoder(strings.NewReader(s.detail))
		dec.UseNumber()
		_ = dec.Decode(&e.Detail)
	}
	return e
}

func parseCursor(c string) (int64, string, error) {
	atS, id, ok := strings.Cut(c, "_")
	at, err := strconv.ParseInt(atS, 10, 64)
	if !ok || err != nil || id == "" {
		return 0, "", fmt.Errorf("audit: bad cursor %q", c)
	}
	return at, id, nil
}

func likePrefix(p string) string {
	r := strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)
	return r.Replace(p) + "%"
}
