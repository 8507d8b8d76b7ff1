package cases

import (
	"context"
	"slices"
	"strings"
	"time"

	"onestamp/internal/platform/errs"
	"onestamp/internal/platform/notify"
	"onestamp/internal/platform/outbox"
	"onestamp/internal/platform/workday"
)

// Outbox topics. Every transition emits TopicChanged; the others mark the moments other domains
// act on: ratings invite the applicant when a case concludes, certificates issue at conclusion
// and annul on revocation, statistics count all of them, supervision opens orders on overdue.
const (
	TopicChanged   = "case.changed"
	TopicReceived  = "case.received"
	TopicAccepted  = "case.accepted"
	TopicConcluded = "case.concluded"
	TopicOverdue   = "case.overdue"
	TopicRevoked   = "case.revoked"
)

// Payloads carry no personal identifiers in clear (the outbox table is not encrypted): a
// consumer that needs the holder calls Service.Holder.

// ChangedEvent is the payload of case.changed: one per transition, for notifications.
type ChangedEvent struct {
	CaseID        string       `json:"case_id"`
	CaseNo        string       `json:"case_no"`
	ParentID      string       `json:"parent_id,omitempty"`
	EventID       string       `json:"event_id"`
	Action        Action       `json:"action"`
	From          State        `json:"from"`
	To            State        `json:"to"`
	Actor         string       `json:"actor"`
	Role          string       `json:"role"`
	CoveringFor   string       `json:"covering_for,omitempty"`
	At            time.Time    `json:"at"`
	OwnerID       string       `json:"owner_id,omitempty"`
	ItemID        string       `json:"item_id,omitempty"`
	ItemName      string       `json:"item_name"`
	ReceivingUnit string       `json:"receiving_unit"`
	HandlingUnit  string       `json:"handling_unit"`
	TodoRole      string       `json:"todo_role,omitempty"`
	TodoUser      string       `json:"todo_user,omitempty"`
	NextDue       workday.Date `json:"next_due,omitzero"`
	Reason        string       `json:"reason,omitempty" doc:"the reason or note of the transition"`
}

// ReceivedEvent is the payload of case.received (接件; ratings invite per stage with 一事多评).
type ReceivedEvent struct {
	CaseID        string       `json:"case_id"`
	CaseNo        string       `json:"case_no"`
	ItemID        string       `json:"item_id"`
	ReceivedOn    workday.Date `json:"received_on"`
	IntakeDue     workday.Date `json:"intake_due,omitzero"`
	ReceivingUnit string       `json:"receiving_unit"`
	WindowID      string       `json:"window_id,omitempty"`
	HandlingUnit  string       `json:"handling_unit"`
}

// AcceptedEvent is the payload of case.accepted.
type AcceptedEvent struct {
	CaseID          string       `json:"case_id"`
	CaseNo          string       `json:"case_no"`
	ItemID          string       `json:"item_id"`
	ItemVersion     int          `json:"item_version"`
	AcceptedOn      workday.Date `json:"accepted_on"`
	PromisedDue     workday.Date `json:"promised_due,omitzero"`
	StatutoryDue    workday.Date `json:"statutory_due,omitzero"`
	HandlingUnit    string       `json:"handling_unit"`
	HandlingRegion  string       `json:"handling_region"`
	ReceivingUnit   string       `json:"receiving_unit"`
	ReceivingRegion string       `json:"receiving_region"`
	WindowID        string       `json:"window_id,omitempty"`
	Channel         Channel      `json:"channel"`
	Deemed          bool         `json:"deemed"`
	Pending         bool         `json:"pending" doc:"容缺受理"`
	Promise         bool         `json:"promise" doc:"告知承诺"`
	CityWide        bool         `json:"city_wide"`
}

// ConcludedEvent is the payload of case.concluded. The certificates consumer reads result,
// cert_type, cert_action, replaces, decide_unit_id, chain_parent_id and concluded_on.
type ConcludedEvent struct {
	CaseID          string       `json:"case_id"`
	CaseNo          string       `json:"case_no"`
	ParentID        string       `json:"chain_parent_id,omitempty" doc:"the chain parent of a child case"`
	Kind            Kind         `json:"kind"`
	Result          string       `json:"result" doc:"approved or denied (a chain parent: concluded)"`
	CertType        string       `json:"cert_type,omitempty" doc:"the item version's result certificate type"`
	CertAction      string       `json:"cert_action,omitempty" doc:"new, change, renew or cancel"`
	Replaces        string       `json:"replaces,omitempty" doc:"the licence a change, renewal or cancellation acts on (form field replaces)"`
	DecideUnitID    string       `json:"decide_unit_id"`
	ItemID          string       `json:"item_id"`
	ItemVersion     int          `json:"item_version"`
	ItemCode        string       `json:"item_code"`
	Outcome         Outcome      `json:"outcome" doc:"approve or deny"`
	AcceptedOn      workday.Date `json:"accepted_on,omitzero"`
	DecidedOn       workday.Date `json:"decided_on"`
	ConcludedOn     workday.Date `json:"concluded_on"`
	PromisedDue     workday.Date `json:"promised_due,omitzero"`
	StatutoryDue    workday.Date `json:"statutory_due,omitzero"`
	OnTime          bool         `json:"on_time" doc:"decided by the promised due date"`
	Breach          bool         `json:"breach" doc:"decided after the statutory due date"`
	OwnerID         string       `json:"owner_id,omitempty"`
	ApplicantType   string       `json:"applicant_type"`
	HandlingUnit    string       `json:"handling_unit"`
	HandlingRegion  string       `json:"handling_region"`
	ReceivingUnit   string       `json:"receiving_unit"`
	ReceivingRegion string       `json:"receiving_region"`
	WindowID        string       `json:"window_id,omitempty"`
	Channel         Channel      `json:"channel"`
	Promise         bool         `json:"promise"`
	Flags           Flags        `json:"flags"`
}

// OverdueEvent is the payload of case.overdue, emitted once per case when its promised due date
// has passed without a decision.
type OverdueEvent struct {
	CaseID         string       `json:"case_id"`
	CaseNo         string       `json:"case_no"`
	ItemID         string       `json:"item_id"`
	PromisedDue    workday.Date `json:"promised_due"`
	StatutoryDue   workday.Date `json:"statutory_due,omitzero"`
	OverdueWD      int          `json:"overdue_wd" doc:"working days past the promised due date when detected"`
	HandlingUnit   string       `json:"handling_unit"`
	HandlingRegion string       `json:"handling_region"`
	TodoUser       string       `json:"todo_user,omitempty"`
	Step           string       `json:"step,omitempty"`
}

// RevokedEvent is the payload of case.revoked: the approval of a 告知承诺 case was revoked after
// post-verification found the commitment false (the certificates issue annuls the certificate).
type RevokedEvent struct {
	CaseID         string    `json:"case_id"`
	CaseNo         string    `json:"case_no"`
	ItemID         string    `json:"item_id"`
	VerificationID string    `json:"verification_id"`
	CreditRecordID string    `json:"credit_record_id"`
	Reason         string    `json:"reason"`
	At             time.Time `json:"at"`
	HandlingUnit   string    `json:"handling_unit"`
	HandlingRegion string    `json:"handling_region"`
}

type emit struct {
	topic   string
	payload any
}

func (c *change) emit(topic string, payload any) { c.emits = append(c.emits, emit{topic, payload}) }

func (c *change) emitAll() error {
	r, e := c.r, c.e
	all := append([]emit{{TopicChanged, ChangedEvent{CaseID: r.ID, CaseNo: r.No, ParentID: r.ParentID, EventID: e.ID,
		Action: e.Action, From: e.From, To: e.To, Actor: e.Actor, Role: e.Role, CoveringFor: e.CoveringFor, At: e.At,
		OwnerID: r.OwnerID, ItemID: r.ItemID, ItemName: r.ItemName, ReceivingUnit: r.RecvUnit,
		HandlingUnit: r.HandlingUnit, TodoRole: string(r.TodoRole), TodoUser: r.TodoUser, NextDue: r.NextDue,
		Reason: e.Reason}}}, c.emits...)
	for _, m := range all {
		if _, err := outbox.Emit(c.t.ctx, c.t.tx, m.topic, r.ID, m.payload); err != nil {
			return errs.Wrap(err, "outbox %s", m.topic)
		}
	}
	return nil
}

func acceptedEvent(r *rec) AcceptedEvent {
	return AcceptedEvent{CaseID: r.ID, CaseNo: r.No, ItemID: r.ItemID, ItemVersion: r.ItemVersion,
		AcceptedOn: r.AcceptedOn, PromisedDue: r.PromisedDue, StatutoryDue: r.StatutoryDue,
		HandlingUnit: r.HandlingUnit, HandlingRegion: r.HandlingRegion, ReceivingUnit: r.RecvUnit,
		ReceivingRegion: r.RecvRegion, WindowID: r.RecvWindow, Channel: r.Channel,
		Deemed: r.Flags.Has(FlagDeemedAccepted), Pending: r.Flags.Has(FlagAcceptPending),
		Promise: r.Flags.Has(FlagPromise), CityWide: r.Flags.Has(FlagCityWide)}
}

func concludedEvent(r *rec, it Item, on workday.Date, replaces string) ConcludedEvent {
	out := ConcludedEvent{CaseID: r.ID, CaseNo: r.No, ParentID: r.ParentID, Kind: r.Kind, Result: "concluded",
		CertType: it.ResultCertType, CertAction: it.CertAction, Replaces: replaces, DecideUnitID: r.HandlingUnit,
		ItemID:      r.ItemID,
		ItemVersion: r.ItemVersion, ItemCode: r.ItemCode, AcceptedOn: r.AcceptedOn, DecidedOn: r.DecidedOn,
		ConcludedOn: on, PromisedDue: r.PromisedDue, StatutoryDue: r.StatutoryDue,
		OnTime: !r.PromisedDue.IsZero() && !r.DecidedOn.After(r.PromisedDue),
		Breach: r.Flags.Has(FlagBreach), OwnerID: r.OwnerID, ApplicantType: r.ApplicantType,
		HandlingUnit: r.HandlingUnit, HandlingRegion: r.HandlingRegion, ReceivingUnit: r.RecvUnit,
		ReceivingRegion: r.RecvRegion, WindowID: r.RecvWindow, Channel: r.Channel,
		Promise: r.Flags.Has(FlagPromise), Flags: r.Flags}
	if r.Decision != nil {
		out.Outcome = r.Decision.Outcome
		switch r.Decision.Outcome {
		case OutcomeApprove:
			out.Result = "approved"
		case OutcomeDeny:
			out.Result = "denied"
		}
	}
	return out
}

// licenceActedOn names the licence a change, renewal or cancellation acts on: the e-certificate
// of the item's own type that satisfied a material (原许可证, fetched from the certificate
// library with the holder's grant; the reference is the certificates package's, passed on as it
// came), or else the number typed in the form's replaces field. "" for a new licence.
func licenceActedOn(r *rec, it Item, mats []Material) string {
	if it.CertAction != "" && it.CertAction != "new" && it.ResultCertType != "" {
		for _, m := range mats {
			if m.CertType == it.ResultCertType && m.Status == MatCert && m.CertRef != "" {
				return m.CertRef
			}
		}
	}
	return strings.TrimSpace(r.Form["replaces"])
}

// ---- notifications ----

// notifyActions are the transitions an applicant is told about, in-app (and by SMS for the
// ones marked true: they ask something of the applicant or decide the matter).
var notifyActions = map[Action]bool{
	ActSubmit: false, ActPrecheckPass: false, ActPrecheckReturn: true, ActReceive: false, ActCorrection: true,
	ActAccept: true, ActAcceptPending: true, ActReject: true, ActSuspend: true, ActResume: false, ActExtend: true,
	ActDecide: true, ActConclude: false, ActDeliver: false, ActWithdraw: false, ActTerminate: true,
	ActDeemAccept: false, ActPendingMissed: true, ActVerify: true, ActPayFee: false, ActCorrectionDue: true, ActDeemGrant: true,
}

// RegisterHandlers registers the package's outbox handlers on x: the applicant's notifications
// (in-app to their account, SMS to the mobile on the case) for every step that concerns them.
func (s *Service) RegisterHandlers(x *outbox.Dispatcher, n notify.Notifier) {
	x.Handle(TopicChanged, "cases.notify-applicant", func(ctx context.Context, ev outbox.Event) error {
		var p ChangedEvent
		if err := ev.Decode(&p); err != nil {
			return nil // a payload we cannot read will not become readable by retrying
		}
		sms, ok := notifyActions[p.Action]
		if !ok {
			return nil
		}
		key := "cases.notify." + string(p.Action)
		args := map[string]any{"no": p.CaseNo, "item": p.ItemName, "state": "cases.state." + p.To.String()}
		if p.NextDue != 0 {
			args["due"] = p.NextDue.String()
		}
		switch p.Action {
		case ActExtend, ActReject, ActTerminate, ActPrecheckReturn:
			args["reason"] = p.Reason
		}
		if p.OwnerID != "" {
			if err := n.Send(ctx, notify.Message{To: p.OwnerID, Channel: notify.InApp, TemplateKey: key, Args: args}); err != nil {
				return err
			}
		}
		if !sms {
			return nil
		}
		h, err := s.Holder(ctx, p.CaseID)
		if err != nil || h.Mobile == "" {
			return nil
		}
		return n.Send(ctx, notify.Message{To: h.Mobile, Channel: notify.SMS, TemplateKey: key, Args: args})
	})
}

// notifyKeys lists the template keys RegisterHandlers uses, for the catalogue test.
func notifyKeys() []string {
	var out []string
	for a := range notifyActions {
		out = append(out, "cases.notify."+string(a))
	}
	slices.Sort(out)
	return out
}
