package notify_test

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"testing"
	"time"

	"onestamp/internal/platform/db"
	"onestamp/internal/platform/db/dbtest"
	"onestamp/internal/platform/errs"
	"onestamp/internal/platform/notify"
)

func TestDevNotifier(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		var logs bytes.Buffer
		prod := notify.NewDev(d, slog.New(slog.NewTextHandler(&logs, nil)), false)
		sms := notify.Message{To: "13800138000", Channel: notify.SMS, TemplateKey: "auth.sms.code", Args: map[string]any{"code": "123456"}}
		if err := prod.Send(ctx, sms); err != nil {
			t.Fatal(err)
		}
		// Outside development mode nothing is kept, and the log shows neither code nor number.
		if sent, _ := notify.Recent(ctx, d, "", 10); len(sent) != 0 {
			t.Fatalf("kept %v", sent)
		}
		if s := logs.String(); strings.Contains(s, "123456") || strings.Contains(s, "13800138000") || !strings.Contains(s, "138****8000") {
			t.Fatalf("log: %s", s)
		}
		dev := notify.NewDev(d, slog.New(slog.DiscardHandler), true)
		if err := dev.Send(ctx, sms); err != nil {
			t.Fatal(err)
		}
		sent, err := notify.Recent(ctx, d, "13800138000", 10)
		if err != nil || len(sent) != 1 || sent[0].Args["code"] != "123456" {
			t.Fatalf("recent: %v %v", sent, err)
		}
		// In-app messages go to the inbox in either mode.
		for i := range 3 {
			if err := prod.Send(ctx, notify.Message{To: "user-1", Channel: notify.InApp, TemplateKey: "case.accepted",
				Args: map[string]any{"n": i}}); err != nil {
				t.Fatal(err)
			}
		}
		msgs, unread, err := notify.Inbox(ctx, d, "user-1", 10)
		if err != nil || len(msgs) != 3 || unread != 3 {
			t.Fatalf("inbox: %d %d %v", len(msgs), unread, err)
		}
		if err := notify.MarkRead(ctx, d, "user-2", msgs[0].ID, time.Now()); !errs.Is(err, errs.NotFound) {
			t.Fatalf("another user's message: %v", err)
		}
		if err := notify.MarkRead(ctx, d, "user-1", msgs[0].ID, time.Now()); err != nil {
			t.Fatal(err)
		}
		if _, unread, _ := notify.Inbox(ctx, d, "user-1", 10); unread != 2 {
			t.Fatalf("unread after reading one: %d", unread)
		}
		for _, bad := range []notify.Message{{To: "x", Channel: "fax", TemplateKey: "k"}, {Channel: notify.SMS, TemplateKey: "k"}, {To: "x", Channel: notify.SMS}} {
			if err := dev.Send(ctx, bad); !errs.Is(err, errs.Invalid) {
				t.Fatalf("bad message %+v: %v", bad, err)
			}
		}
	})
}
