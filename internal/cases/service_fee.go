package cases

import (
	"context"
	"fmt"
	"strings"
	"unicode/utf8"

	"onestamp/internal/platform/errs"
)

// Fees (行政事业性收费). An item may charge fees, due before acceptance or before conclusion
// (catalogue: Charged, Fees, FeeTiming); the case pins the amount when it is opened. The window
// records the payment with its voucher number (the payment itself goes through the non-tax
// revenue platform); acceptance, or the conclusion of an approved case, waits for it. A denied
// case owes nothing, and fees paid on a case that is withdrawn or terminated are due back: the
// event says how much.

// PayFeeInput records a payment.
type PayFeeInput struct {
	AmountFen int64  `json:"amount_fen" doc:"the amount paid, in fen: the whole of what is due"`
	Receipt   string `json:"receipt" doc:"the payment voucher (缴款书/票据) number"`
}

// PayFee records that the case's fees were paid in full.
func (s *Service) PayFee(ctx context.Context, id string, version int64, in PayFeeInput) (Case, error) {
	return s.transition(ctx, id, version, ActPayFee, func(c *change) error {
		l, f := c.r.Limits, c.r.Facts
		if l.FeeFen <= 0 {
			return errs.New(errs.Conflict, "cases.fee.none")
		}
		due := l.FeeFen - f.FeePaidFen
		if due <= 0 {
			return errs.New(errs.Conflict, "cases.fee.paid")
		}
		if in.AmountFen != due {
			return errs.InvalidInput("cases.fee.amount").OnField("amount_fen").With("due", yuan(due))
		}
		receipt := strings.TrimSpace(in.Receipt)
		if n := utf8.RuneCountInString(receipt); n < 4 || n > 64 {
			return errs.InvalidInput("cases.fee.receipt").OnField("receipt")
		}
		c.set("fen", in.AmountFen)
		c.set("receipt", receipt)
		return nil
	})
}

// checkFee refuses a transition that needs the fees paid first.
func checkFee(c *change, need bool) error {
	if !need {
		return nil
	}
	l, f := c.r.Limits, c.r.Facts
	if l.FeeFen > f.FeePaidFen {
		return errs.New(errs.Conflict, "cases.fee.unpaid").With("due", yuan(l.FeeFen-f.FeePaidFen))
	}
	return nil
}

// refundDue notes on a case that ends without a decision the fees paid on it, which are due back.
func refundDue(c *change) {
	if paid := c.r.Facts.FeePaidFen; paid > 0 {
		c.set("refund_fen", paid)
	}
}

// feeView is the Fee a Case shows.
func feeView(r *rec) *Fee {
	l, f := r.Limits, r.Facts
	if l.FeeFen <= 0 {
		return nil
	}
	owed := false
	if f.FeePaidFen < l.FeeFen && !r.State.Final() {
		switch l.FeeTiming {
		case FeeBeforeAccept:
			owed = r.State == StReceived
		default:
			owed = r.State == StApproved
		}
	}
	return &Fee{DueFen: l.FeeFen, Timing: l.FeeTiming, PaidFen: f.FeePaidFen, PaidOn: f.FeePaidOn, Receipt: f.FeeReceipt, Owed: owed}
}

// parseYuan reads an amount in yuan as a clerk types it ("80", "80.5", "80.50") into fen.
func parseYuan(s string) (int64, bool) {
	s = strings.TrimSpace(s)
	whole, frac, dot := strings.Cut(s, ".")
	if whole == "" || len(whole) > 12 || (dot && (frac == "" || len(frac) > 2)) {
		return 0, false
	}
	var fen int64
	for _, r := range whole + (frac + "00")[:2] {
		if r < '0' || r > '9' {
			return 0, false
		}
		fen = fen*10 + int64(r-'0')
	}
	return fen, true
}

// DueYuan, PaidYuan and LeftYuan are the amounts as pages show them.
func (f *Fee) DueYuan() string  { return yuan(f.DueFen) }
func (f *Fee) PaidYuan() string { return yuan(f.PaidFen) }
func (f *Fee) LeftYuan() string { return yuan(max(f.DueFen-f.PaidFen, 0)) }

// yuan formats fen as yuan for a message: "120.00".
func yuan(fen int64) string { return fmt.Sprintf("%d.%02d", fen/100, fen%100) }
