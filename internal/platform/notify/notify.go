// Package notify sends messages to people: SMS to a mobile number and in-app messages to a user's
// inbox. Services call a Notifier; the default adapter (Dev) writes SMS to the log, and in
// development mode also to a table an administrator can read, until a real SMS gateway is
// configured. In-app messages are stored per user for the inbox.
package notify

import (
	"context"
	"database/sql"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"onestamp/internal/platform/db"
	"onestamp/internal/platform/errs"
	"onestamp/internal/platform/ident"
	"onestamp/internal/platform/web"
)

// Channel is how a message travels.
type Channel string

const (
	SMS   Channel = "sms"   // To is a mobile number
	InApp Channel = "inapp" // To is a user id
)

// Message is one message to one recipient. The text is TemplateKey in the message catalogue,
// filled with Args, in the recipient's language (zh-CN for SMS).
type Message struct {
	To          string
	Channel     Channel
	TemplateKey string
	Args        map[string]any
}

// Validate checks that a message can be sent.
func (m Message) Validate() error {
	switch {
	case m.Channel != SMS && m.Channel != InApp:
		return errs.InvalidInput("notify.channel").OnField("channel")
	case strings.TrimSpace(m.To) == "":
		return errs.InvalidInput("notify.recipient").OnField("to")
	case m.TemplateKey == "":
		return errs.InvalidInput("notify.template").OnField("template_key")
	}
	return nil
}

// Notifier sends messages.
type Notifier interface {
	Send(ctx context.Context, m Message) error
}

// secretArgs are message arguments never written to a log outside development mode.
var secretArgs = []string{"code", "password", "token"}

// Dev is the default notifier: SMS go to the log (secrets redacted unless in development mode)
// and, in development mode, to the notify_messages table; in-app messages go to the inbox.
type Dev struct {
	d   *db.DB
	log *slog.Logger
	dev bool
	now func() time.Time
}

// NewDev returns the default notifier. dev keeps every message, secrets included, where an
// administrator can read it (Config.Dev).
func NewDev(d *db.DB, log *slog.Logger, dev bool) *Dev {
	if log == nil {
		log = slog.Default()
	}
	return &Dev{d: d, log: log, dev: dev, now: time.Now}
}

// SetClock replaces the clock (tests).
func (n *Dev) SetClock(now func() time.Time) { n.now = now }

// Send delivers m.
func (n *Dev) Send(ctx context.Context, m Message) error {
	if err := m.Validate(); err != nil {
		return err
	}
	args, err := json.Marshal(nonNil(m.Args))
	if err != nil {
		return fmt.Errorf("notify: args of %s: %w", m.TemplateKey, err)
	}
	at := n.now().UnixMilli()
	if m.Channel == InApp {
		if _, err := n.d.Write().ExecContext(ctx, `INSERT INTO inbox_messages (id, user_id, template_key, args, created_at)
			VALUES ($1, $2, $3, $4, $5)`, db.NewID(), m.To, m.TemplateKey, string(args), at); err != nil {
			return fmt.Errorf("notify: inbox: %w", err)
		}
	}
	logArgs := m.Args
	to := m.To
	if !n.dev {
		logArgs = redact(m.Args)
		if m.Channel == SMS {
			to = maskMobile(m.To)
		}
	}
	n.log.InfoContext(ctx, "notify", "channel", string(m.Channel), "to", to, "template", m.TemplateKey, "args", logArgs)
	if n.dev {
		if _, err := n.d.Write().ExecContext(ctx, `INSERT INTO notify_messages (id, channel, recipient, template_key, args,
			created_at) VALUES ($1, $2, $3, $4, $5, $6)`, db.NewID(), string(m.Channel), m.To, m.TemplateKey, string(args), at); err != nil {
			return fmt.Errorf("notify: record: %w", err)
		}
	}
	return nil
}

// Sent is a message kept by the development notifier.
type Sent struct {
	ID          string         `json:"id"`
	Channel     Channel        `json:"channel"`
	To          string         `json:"to"`
	TemplateKey string         `json:"template_key"`
	Args        map[string]any `json:"args"`
	At          time.Time      `json:"at"`
}

// Recent returns the newest messages the development notifier kept, newest first; to filters
// by recipient when not empty.
func Recent(ctx context.Context, d *db.DB, to string, limit int) ([]Sent, error) {
	if limit <= 0 || limit > 500 {
		limit = 100
	}
	q := "SELECT id, channel, recipient, template_key, args, created_at FROM notify_messages"
	var args []any
	if to != "" {
		q += " WHERE recipient = $1"
		args = append(args, to)
	}
	q += fmt.Sprintf(" ORDER BY created_at DESC, id DESC LIMIT %d", limit)
	rows, err := d.Read.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Sent
	for rows.Next() {
		var s Sent
		var a string
		var at int64
		if err := rows.Scan(&s.ID, &s.Channel, &s.To, &s.TemplateKey, &a, &at); err != nil {
			return nil, err
		}
		s.At = time.UnixMilli(at)
		if err := json.Unmarshal([]byte(a), &s.Args); err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, rows.Err()
}

// InboxMessage is an in-app message.
type InboxMessage struct {
	ID          string         `json:"id"`
	TemplateKey string         `json:"template_key"`
	Args        map[string]any `json:"args"`
	At          time.Time      `json:"at"`
	Read        bool           `json:"read"`
}

// Inbox returns a user's newest in-app messages and how many are unread.
func Inbox(ctx context.Context, d *db.DB, userID string, limit int) ([]InboxMessage, int, error) {
	if limit <= 0 || limit > 200 {
		limit = 50
	}
	var unread int
	if err := d.Read.QueryRowContext(ctx, "SELECT COUNT(*) FROM inbox_messages WHERE user_id = $1 AND read_at = 0",
		userID).Scan(&unread); err != nil {
		return nil, 0, err
	}
	rows, err := d.Read.QueryContext(ctx, fmt.Sprintf(`SELECT id, template_key, args, created_at, read_at
		FROM inbox_messages WHERE user_id = $1 ORDER BY created_at DESC, id DESC LIMIT %d`, limit), userID)
	if err != nil {
		return nil, 0, err
	}
	defer rows.Close()
	var out []InboxMessage
	for rows.Next() {
		var m InboxMessage
		var a string
		var at, readAt int64
		if err := rows.Scan(&m.ID, &m.TemplateKey, &a, &at, &readAt); err != nil {
			return nil, 0, err
		}
		m.At, m.Read = time.UnixMilli(at), readAt != 0
		if err := json.Unmarshal([]byte(a), &m.Args); err != nil {
			return nil, 0, err
		}
		out = append(out, m)
	}
	return out, unread, rows.Err()
}

// MarkRead marks one of a user's messages read; another user's message is not found.
func MarkRead(ctx context.Context, d *db.DB, userID, id string, at time.Time) error {
	res, err := d.Write().ExecContext(ctx, "UPDATE inbox_messages SET read_at = $1 WHERE id = $2 AND user_id = $3 AND read_at = 0",
		at.UnixMilli(), id, userID)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		var one int
		err := d.Read.QueryRowContext(ctx, "SELECT 1 FROM inbox_messages WHERE id = $1 AND user_id = $2", id, userID).Scan(&one)
		if errors.Is(err, sql.ErrNoRows) {
			return errs.NotFoundErr("notify.inbox.not_found")
		}
		return err
	}
	return nil
}

func nonNil(m map[string]any) map[string]any {
	if m == nil {
		return map[string]any{}
	}
	return m
}

func redact(m map[string]any) map[string]any {
	out := make(map[string]any, len(m))
	for k, v := range m {
		out[k] = v
		for _, s := range secretArgs {
			if k == s {
				out[k] = "******"
			}
		}
	}
	return out
}

// maskMobile masks a number as every screen shows it.
func maskMobile(s string) string { return ident.MaskMobile(s) }

//go:embed messages/*.json
var messageFS embed.FS

// AddMessages adds the package's texts to the catalogue.
func AddMessages() error { return web.AddMessagesFS(messageFS, "messages") }
