package cases

import (
	"context"
	"embed"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"onestamp/internal/platform/auth"
	"onestamp/internal/platform/blob"
	"onestamp/internal/platform/errs"
	"onestamp/internal/platform/web"
)

//go:embed messages/*.json
var messages embed.FS

// pageHooks lets pages.go register the workbench and portal pages from an init function, so
// that Register stays the package's one entry point.
var pageHooks []func(g *auth.Guard, s *Service) error

// Register adds the package's messages and registers its JSON API (and pages) on g.
func Register(g *auth.Guard, s *Service) error {
	if err := web.AddMessagesFS(messages, "messages"); err != nil {
		return err
	}
	if err := blob.AddMessages(); err != nil {
		return err
	}
	registerAPI(g, s)
	for _, h := range pageHooks {
		if err := h(g, s); err != nil {
			return err
		}
	}
	return nil
}

// Access policies of the routes. The service checks the same again, with the data scope, the
// case's side (receiving window or deciding unit) and the task's assignee.
var (
	readPolicy      = auth.SignedIn().OrTokens("cases:read")
	intakePolicy    = auth.Roles(auth.Applicant, auth.Clerk) // the applicant, or a clerk for them
	clerkPolicy     = auth.Staff(auth.Clerk)
	deciderPolicy   = auth.Staff(auth.Reviewer, auth.Chief, auth.Signer)
	chiefPolicy     = auth.Staff(auth.Chief)
	staffPolicy     = auth.Staff()
	adminPolicy     = auth.Staff(auth.Admin)
	verifyPolicy    = auth.Staff(auth.Reviewer, auth.Chief)
	creditPolicy    = auth.Staff(creditRoles...)
	clearPolicy     = auth.Staff(auth.Chief, auth.Head)
	transitionErrs  = []errs.Code{errs.Invalid, errs.NotFound, errs.Conflict}
	tags            = []string{"cases"}
	idParam         = web.Param{Name: "id", In: "path", Description: "case id"}
	versionDoc      = "the case's current version: a stale one is a conflict and nothing is written"
	transitionNotes = " Send the case's current version; on a conflict reload the case."
)

// Request bodies of the transitions: the case version and the operation's input.
type (
	EditRequest struct {
		Version int64             `json:"version" doc:"the case's current version: a stale one is a conflict and nothing is written"`
		Form    map[string]string `json:"form"`
	}
	SubmitRequest struct {
		Version int64 `json:"version"`
		SubmitInput
	}
	PrecheckRequest struct {
		Version int64 `json:"version"`
		PrecheckInput
	}
	ReceiveRequest struct {
		Version int64 `json:"version"`
		ReceiveInput
	}
	CorrectionRequest struct {
		Version int64 `json:"version"`
		CorrectionInput
	}
	ResubmitRequest struct {
		Version int64 `json:"version"`
		ResubmitInput
	}
	AcceptRequest struct {
		Version int64 `json:"version"`
		AcceptInput
	}
	AcceptPendingRequest struct {
		Version int64 `json:"version"`
		AcceptPendingInput
	}
	RejectRequest struct {
		Version int64 `json:"version"`
		RejectInput
	}
	ClaimRequest struct {
		Version int64  `json:"version"`
		TaskID  string `json:"task_id"`
	}
	AssignRequest struct {
		Version int64 `json:"version"`
		AssignInput
	}
	AdvanceRequest struct {
		Version int64 `json:"version"`
		AdvanceInput
	}
	InspectionRequest struct {
		Version int64 `json:"version"`
		InspectionInput
	}
	ConsultRequest struct {
		Version int64 `json:"version"`
		ConsultInput
	}
	ReturnRequest struct {
		Version int64 `json:"version"`
		ReturnInput
	}
	SuspendRequest struct {
		Version int64 `json:"version"`
		SuspendInput
	}
	ResumeRequest struct {
		Version int64 `json:"version"`
		ResumeInput
	}
	ExtendRequest struct {
		Version int64 `json:"version"`
		ExtendInput
	}
	DecideRequest struct {
		Version int64 `json:"version"`
		DecideInput
	}
	ConcludeRequest struct {
		Version int64 `json:"version"`
		ConcludeInput
	}
	PayFeeRequest struct {
		Version int64 `json:"version"`
		PayFeeInput
	}
	DeliverRequest struct {
		Version int64 `json:"version"`
		DeliverInput
	}
	WithdrawRequest struct {
		Version int64 `json:"version"`
		WithdrawInput
	}
	TerminateRequest struct {
		Version int64 `json:"version"`
		TerminateInput
	}
	VerifyRequest struct {
		Version int64 `json:"version"`
		VerifyInput
	}
	// CertRequest marks a material satisfied by an e-certificate.
	CertRequest struct {
		CertRef string `json:"cert_ref" doc:"the e-certificate's identifier and version"`
	}
	// ClearRequest clears a credit record after credit repair.
	ClearRequest struct {
		Reason string `json:"reason"`
	}
)

type api struct{ s *Service }

func registerAPI(g *auth.Guard, s *Service) {
	a := &api{s: s}
	base := "/api/v1/cases"
	g.API(web.Op{Method: "POST", Path: base, Tags: tags, Summary: "Start a case (draft)",
		Description: "An applicant starts an online application; a clerk starts a window case for a walk-in applicant " +
			"(or, 帮代办, files for one with their authorisation). The item's version in force today is pinned, and the " +
			"case is routed to the unit that decides the item in its jurisdiction (全市通办).",
		Request: OpenInput{}, Response: Case{}, Status: http.StatusCreated, Errors: transitionErrs}, intakePolicy,
		func(w http.ResponseWriter, r *http.Request) {
			var in OpenInput
			if err := web.DecodeJSON(r, &in); err != nil {
				web.Error(w, r, err)
				return
			}
			c, err := s.Open(r.Context(), in)
			reply(w, r, http.StatusCreated, c, err)
		})
	g.API(web.Op{Method: "POST", Path: base + "/chains", Tags: tags, Summary: "Apply for a chain (一件事)",
		Description: "Opens one parent case with the combined form and material list and a child case per item.",
		Request:     ChainInput{}, Response: Case{}, Status: http.StatusCreated, Errors: transitionErrs}, intakePolicy,
		func(w http.ResponseWriter, r *http.Request) {
			var in ChainInput
			if err := web.DecodeJSON(r, &in); err != nil {
				web.Error(w, r, err)
				return
			}
			c, err := s.OpenChain(r.Context(), in)
			reply(w, r, http.StatusCreated, c, err)
		})
	g.API(web.Op{Method: "GET", Path: base, Tags: tags, Summary: "A page of a work queue",
		Description: "todo (待办), done (已办), warning (预警), overdue (超期), suspended, correction (awaiting correction), " +
			"joint (联办意见: the opinions the caller's department owes as a joint department), " +
			"mine (an applicant's cases) or search; within the caller's data scope, by due date, with keyset pagination.",
		Params: []web.Param{
			{Name: "queue", Required: true, Enum: queueNames()},
			{Name: "item", Description: "only this item"},
			{Name: "window", Description: "only this receiving window"},
			{Name: "state", Type: "integer", Description: "search: state code"},
			{Name: "no", Description: "search: case number"},
			{Name: "applicant", Description: "search: the applicant's ID number or credit code"},
			{Name: "after", Description: "cursor from the previous page"},
			{Name: "limit", Type: "integer", Description: "1–200, default 50"},
		}, Response: Page{}, Errors: []errs.Code{errs.Invalid}}, readPolicy, a.queue)
	g.API(web.Op{Method: "GET", Path: base + "/by-no", Tags: tags, Summary: "A case by its number (barcode)",
		Params: []web.Param{{Name: "no", Required: true}}, Response: Case{}, Errors: []errs.Code{errs.NotFound}},
		readPolicy, func(w http.ResponseWriter, r *http.Request) {
			c, err := s.ByNo(r.Context(), r.URL.Query().Get("no"))
			reply(w, r, http.StatusOK, c, err)
		})
	g.API(web.Op{Method: "GET", Path: base + "/tasks", Tags: tags, Summary: "My open tasks",
		Description: "Tasks assigned to the caller and to the colleagues they cover for (AB post), site inspections included.",
		Params:      []web.Param{{Name: "limit", Type: "integer"}}, Response: []Task{}}, staffPolicy,
		func(w http.ResponseWriter, r *http.Request) {
			ts, err := s.MyTasks(r.Context(), intParam(r, "limit"))
			reply(w, r, http.StatusOK, ts, err)
		})
	g.API(web.Op{Method: "GET", Path: base + "/verifications", Tags: tags, Summary: "Post-verifications (事后核查) in scope",
		Params: []web.Param{{Name: "open", Type: "boolean"}, {Name: "limit", Type: "integer"}}, Response: []Verification{}},
		staffPolicy, func(w http.ResponseWriter, r *http.Request) {
			vs, err := s.Verifications(r.Context(), VerificationFilter{Open: boolParam(r, "open"), Limit: intParam(r, "limit")})
			reply(w, r, http.StatusOK, vs, err)
		})
	g.API(web.Op{Method: "GET", Path: base + "/credit", Tags: tags, Summary: "Credit records for export",
		Params: []web.Param{{Name: "open", Type: "boolean"}, {Name: "limit", Type: "integer"}}, Response: []CreditRecord{}},
		creditPolicy, func(w http.ResponseWriter, r *http.Request) {
			cs, err := s.Credit(r.Context(), boolParam(r, "open"), intParam(r, "limit"))
			reply(w, r, http.StatusOK, cs, err)
		})
	g.API(web.Op{Method: "POST", Path: base + "/credit/{id}/clear", Tags: tags, Summary: "Clear a credit record (信用修复)",
		Params: []web.Param{{Name: "id", In: "path"}}, Request: ClearRequest{}, Response: CreditRecord{}, Errors: transitionErrs},
		clearPolicy, func(w http.ResponseWriter, r *http.Request) {
			var in ClearRequest
			if err := web.DecodeJSON(r, &in); err != nil {
				web.Error(w, r, err)
				return
			}
			c, err := s.ClearCredit(r.Context(), r.PathValue("id"), in.Reason)
			reply(w, r, http.StatusOK, c, err)
		})
	g.API(web.Op{Method: "POST", Path: base + "/recompute", Tags: tags, Summary: "Recompute every open deadline",
		Description: "After a change of the working-day calendar; also run daily by the scheduler.",
		Response:    RecomputeStats{}}, adminPolicy, func(w http.ResponseWriter, r *http.Request) {
		st, err := s.RecomputeAll(r.Context())
		reply(w, r, http.StatusOK, st, err)
	})
	g.API(web.Op{Method: "POST", Path: base + "/sweep", Tags: tags, Summary: "Run the deadline sweep now",
		Description: "Deemed acceptances, overdue cases (case.overdue once each) and missed 容缺 promises.",
		Response:    SweepStats{}}, adminPolicy, func(w http.ResponseWriter, r *http.Request) {
		st, err := s.Sweep(r.Context())
		reply(w, r, http.StatusOK, st, err)
	})

	one := base + "/{id}"
	read := []errs.Code{errs.NotFound}
	g.API(web.Op{Method: "GET", Path: one, Tags: tags, Summary: "One case", Params: []web.Param{idParam},
		Response: Case{}, Errors: read}, readPolicy, func(w http.ResponseWriter, r *http.Request) {
		c, err := s.Get(r.Context(), r.PathValue("id"))
		reply(w, r, http.StatusOK, c, err)
	})
	g.API(web.Op{Method: "GET", Path: one + "/events", Tags: tags, Summary: "The history of a case",
		Description: "Oldest first; for a chain parent the one timeline of the parent and its children.",
		Params:      []web.Param{idParam}, Response: []Event{}, Errors: read}, readPolicy,
		func(w http.ResponseWriter, r *http.Request) {
			evs, err := s.Events(r.Context(), r.PathValue("id"))
			if evs == nil {
				evs = []Event{}
			}
			reply(w, r, http.StatusOK, evs, err)
		})
	g.API(web.Op{Method: "GET", Path: one + "/tasks", Tags: tags, Summary: "The review tasks of a case",
		Params: []web.Param{idParam}, Response: []Task{}, Errors: read}, staffPolicy,
		func(w http.ResponseWriter, r *http.Request) {
			ts, err := s.Tasks(r.Context(), r.PathValue("id"))
			reply(w, r, http.StatusOK, ts, err)
		})
	g.API(web.Op{Method: "GET", Path: one + "/children", Tags: tags, Summary: "The child cases of a chain",
		Params: []web.Param{idParam}, Response: []Case{}, Errors: read}, readPolicy,
		func(w http.ResponseWriter, r *http.Request) {
			cs, err := s.Children(r.Context(), r.PathValue("id"))
			reply(w, r, http.StatusOK, cs, err)
		})
	g.API(web.Op{Method: "GET", Path: one + "/verifications", Tags: tags, Summary: "The post-verifications of a case",
		Params: []web.Param{idParam}, Response: []Verification{}, Errors: read}, staffPolicy,
		func(w http.ResponseWriter, r *http.Request) {
			vs, err := s.CaseVerifications(r.Context(), r.PathValue("id"))
			reply(w, r, http.StatusOK, vs, err)
		})
	g.API(web.Op{Method: "POST", Path: one + "/unmask", Tags: tags, Summary: "The personal identifiers in full",
		Description: "For the applicant who owns the case, and for staff with the unmask permission (audited).",
		Params:      []web.Param{idParam}, Response: Unmasked{}, Errors: read}, readPolicy,
		func(w http.ResponseWriter, r *http.Request) {
			u, err := s.Unmask(r.Context(), r.PathValue("id"))
			reply(w, r, http.StatusOK, u, err)
		})
	g.API(web.Op{Method: "PUT", Path: one + "/form", Tags: tags, Summary: "Change the application form",
		Description: "In a draft, a returned pre-check or an open correction (applicant or clerk), or at receipt (clerk)." + transitionNotes,
		Params:      []web.Param{idParam}, Request: EditRequest{}, Response: Case{}, Errors: transitionErrs}, intakePolicy,
		act(func(ctx context.Context, id string, in EditRequest) (Case, error) {
			return s.EditForm(ctx, id, in.Version, in.Form)
		}))

	type tr struct {
		path, summary, desc string
		policy              auth.Policy
		req                 any
		h                   http.HandlerFunc
	}
	for _, t := range []tr{
		{"submit", "Submit an online application", "The case number is issued at once.", intakePolicy, SubmitRequest{},
			act(func(ctx context.Context, id string, in SubmitRequest) (Case, error) {
				return s.Submit(ctx, id, in.Version, in.SubmitInput)
			})},
		{"precheck", "Record the online pre-check (预审)", "Pass, or return listing every defect.", clerkPolicy, PrecheckRequest{},
			act(func(ctx context.Context, id string, in PrecheckRequest) (Case, error) {
				return s.Precheck(ctx, id, in.Version, in.PrecheckInput)
			})},
		{"receive", "Receive a case (接件)", "The receipt slip is issued and the intake clock starts.", clerkPolicy, ReceiveRequest{},
			act(func(ctx context.Context, id string, in ReceiveRequest) (Case, error) {
				return s.Receive(ctx, id, in.Version, in.ReceiveInput)
			})},
		{"correction", "Request a correction (补正)", "One notice listing every defect.", clerkPolicy, CorrectionRequest{},
			act(func(ctx context.Context, id string, in CorrectionRequest) (Case, error) {
				return s.RequestCorrection(ctx, id, in.Version, in.CorrectionInput)
			})},
		{"resubmit", "Submit the corrections", "Ends a correction (the intake clock restarts) or a returned pre-check.",
			intakePolicy, ResubmitRequest{},
			act(func(ctx context.Context, id string, in ResubmitRequest) (Case, error) {
				return s.Resubmit(ctx, id, in.Version, in.ResubmitInput)
			})},
		{"accept", "Accept (受理)", "The first review step opens; the decision clock runs.", clerkPolicy, AcceptRequest{},
			act(func(ctx context.Context, id string, in AcceptRequest) (Case, error) {
				return s.Accept(ctx, id, in.Version, in.AcceptInput)
			})},
		{"accept-pending", "Accept with pending materials (容缺受理)", "Against the applicant's written promise and a deadline.",
			clerkPolicy, AcceptPendingRequest{},
			act(func(ctx context.Context, id string, in AcceptPendingRequest) (Case, error) {
				return s.AcceptPending(ctx, id, in.Version, in.AcceptPendingInput)
			})},
		{"reject", "Refuse to accept (不予受理)", "A section chief; a clerk only for a matter outside the bureau's powers.",
			auth.Staff(auth.Clerk, auth.Chief), RejectRequest{},
			act(func(ctx context.Context, id string, in RejectRequest) (Case, error) {
				return s.Reject(ctx, id, in.Version, in.RejectInput)
			})},
		{"claim", "Take a pooled review task", "", deciderPolicy, ClaimRequest{},
			act(func(ctx context.Context, id string, in ClaimRequest) (Case, error) {
				return s.Claim(ctx, id, in.Version, in.TaskID)
			})},
		{"assign", "Assign a review task", "", chiefPolicy, AssignRequest{},
			act(func(ctx context.Context, id string, in AssignRequest) (Case, error) {
				return s.Assign(ctx, id, in.Version, in.AssignInput)
			})},
		{"advance", "Record a step's opinion", "The next step opens when the step's tasks are done.", deciderPolicy, AdvanceRequest{},
			act(func(ctx context.Context, id string, in AdvanceRequest) (Case, error) {
				return s.Advance(ctx, id, in.Version, in.AdvanceInput)
			})},
		{"inspection", "Request a site inspection (现场勘验)", "A parallel task beside the current step.", deciderPolicy, InspectionRequest{},
			act(func(ctx context.Context, id string, in InspectionRequest) (Case, error) {
				return s.RequestInspection(ctx, id, in.Version, in.InspectionInput)
			})},
		{"consult", "Ask the joint departments for their opinions (联办)", "One task per department (art. 26), in its own unit; its staff see the case from then on. The step cannot move on, nor the case be decided, until every department has answered.",
			deciderPolicy, ConsultRequest{},
			act(func(ctx context.Context, id string, in ConsultRequest) (Case, error) {
				return s.Consult(ctx, id, in.Version, in.ConsultInput)
			})},
		{"joint-opinion", "Record a joint department's opinion", "By a reviewer or section chief of the department asked; outcome agree or disagree.",
			auth.Staff(auth.Reviewer, auth.Chief), AdvanceRequest{},
			act(func(ctx context.Context, id string, in AdvanceRequest) (Case, error) {
				return s.JointOpinion(ctx, id, in.Version, in.AdvanceInput)
			})},
		{"return", "Return to an earlier step (退回)", "Open tasks are superseded, nothing is deleted, the clock keeps running.",
			deciderPolicy, ReturnRequest{},
			act(func(ctx context.Context, id string, in ReturnRequest) (Case, error) {
				return s.ReturnTo(ctx, id, in.Version, in.ReturnInput)
			})},
		{"suspend", "Start a special procedure (特别程序)", "Approved by the section chief; the clock is frozen.", chiefPolicy, SuspendRequest{},
			act(func(ctx context.Context, id string, in SuspendRequest) (Case, error) {
				return s.Suspend(ctx, id, in.Version, in.SuspendInput)
			})},
		{"resume", "End a special procedure", "", auth.Staff(auth.Reviewer, auth.Chief), ResumeRequest{},
			act(func(ctx context.Context, id string, in ResumeRequest) (Case, error) {
				return s.Resume(ctx, id, in.Version, in.ResumeInput)
			})},
		{"extend", "Extend the limit (延期)", "Once, +10 wd, by the bureau head before the statutory due date.",
			auth.Staff(auth.Head), ExtendRequest{},
			act(func(ctx context.Context, id string, in ExtendRequest) (Case, error) {
				return s.Extend(ctx, id, in.Version, in.ExtendInput)
			})},
		{"decide", "Decide: approve or deny", "A denial needs reasons and the remedy.", auth.Staff(auth.Signer), DecideRequest{},
			act(func(ctx context.Context, id string, in DecideRequest) (Case, error) {
				return s.Decide(ctx, id, in.Version, in.DecideInput)
			})},
		{"pay-fee", "Record the payment of the fees (缴费)", "The whole amount due, with the payment voucher's number. Acceptance (fees due before_accept) and the conclusion of an approval wait for it.",
			clerkPolicy, PayFeeRequest{},
			act(func(ctx context.Context, id string, in PayFeeRequest) (Case, error) {
				return s.PayFee(ctx, id, in.Version, in.PayFeeInput)
			})},
		{"conclude", "Conclude (办结)", "Blocked while a 容缺 material is owed, and an approval while its fees are unpaid.", auth.Staff(auth.Signer, auth.Clerk), ConcludeRequest{},
			act(func(ctx context.Context, id string, in ConcludeRequest) (Case, error) {
				return s.Conclude(ctx, id, in.Version, in.ConcludeInput)
			})},
		{"deliver", "Record the delivery (送达)", "", clerkPolicy, DeliverRequest{},
			act(func(ctx context.Context, id string, in DeliverRequest) (Case, error) {
				return s.Deliver(ctx, id, in.Version, in.DeliverInput)
			})},
		{"withdraw", "Withdraw the application (撤回)", "Before a decision.", intakePolicy, WithdrawRequest{},
			act(func(ctx context.Context, id string, in WithdrawRequest) (Case, error) {
				return s.Withdraw(ctx, id, in.Version, in.WithdrawInput)
			})},
		{"terminate", "Terminate (终止办理)", "With a reason from the list; by the section chief.", chiefPolicy, TerminateRequest{},
			act(func(ctx context.Context, id string, in TerminateRequest) (Case, error) {
				return s.Terminate(ctx, id, in.Version, in.TerminateInput)
			})},
		{"verify", "Record a post-verification outcome (事后核查)", "confirm, rectify, revoke (case.revoked) or refer.",
			verifyPolicy, VerifyRequest{},
			act(func(ctx context.Context, id string, in VerifyRequest) (Case, error) {
				return s.Verify(ctx, id, in.Version, in.VerifyInput)
			})},
	} {
		g.API(web.Op{Method: "POST", Path: one + "/" + t.path, Tags: tags, Summary: t.summary,
			Description: strings.TrimSpace(t.desc + transitionNotes), Params: []web.Param{idParam}, Request: t.req,
			Response: Case{}, Errors: transitionErrs}, t.policy, t.h)
	}

	g.API(web.Op{Method: "GET", Path: one + "/materials", Tags: tags, Summary: "The material checklist with its files",
		Params: []web.Param{idParam}, Response: []Material{}, Errors: read}, readPolicy,
		func(w http.ResponseWriter, r *http.Request) {
			ms, err := s.Materials(r.Context(), r.PathValue("id"))
			reply(w, r, http.StatusOK, ms, err)
		})
	maxUpload := int64(blob.DefaultMaxSize)
	if s.blobs != nil {
		maxUpload = s.blobs.Limits().MaxSize
	}
	g.API(web.Op{Method: "POST", Path: one + "/materials/{code}/files", Tags: tags, Summary: "Upload a file of a material",
		Description: "The body is the file. Its type is decided from the content (PDF, JPEG, PNG, OFD, DOCX, XLSX); size, " +
			"type and zip-bomb checks apply. A clerk scanning a checked original sets checked=true (trust B).",
		Params: []web.Param{idParam, {Name: "code", In: "path", Description: "material code"},
			{Name: "name", Description: "the file name"}, {Name: "checked", Type: "boolean"}},
		Request:  web.Schema{"type": "string", "contentMediaType": "application/octet-stream"},
		Response: Material{}, Status: http.StatusCreated, Errors: transitionErrs}, intakePolicy, a.upload,
		web.BodyLimit(maxUpload+1))
	g.API(web.Op{Method: "GET", Path: one + "/files/{file}", Tags: tags, Summary: "Download a file of a case",
		Params:   []web.Param{idParam, {Name: "file", In: "path"}},
		Response: web.Schema{"type": "string", "contentMediaType": "application/octet-stream"}, Errors: read},
		readPolicy, a.download)
	g.API(web.Op{Method: "POST", Path: one + "/files/{file}/check", Tags: tags, Summary: "Mark a file checked against the original",
		Params: []web.Param{idParam, {Name: "file", In: "path"}}, Response: Material{}, Errors: transitionErrs}, clerkPolicy,
		func(w http.ResponseWriter, r *http.Request) {
			m, err := s.CheckOriginal(r.Context(), r.PathValue("id"), r.PathValue("file"))
			reply(w, r, http.StatusOK, m, err)
		})
	g.API(web.Op{Method: "POST", Path: one + "/materials/{code}/cert", Tags: tags, Summary: "Satisfy a material with an e-certificate",
		Params:  []web.Param{idParam, {Name: "code", In: "path"}},
		Request: CertRequest{}, Response: Material{}, Errors: transitionErrs}, staffPolicy,
		func(w http.ResponseWriter, r *http.Request) {
			var in CertRequest
			if err := web.DecodeJSON(r, &in); err != nil {
				web.Error(w, r, err)
				return
			}
			m, err := s.SatisfyWithCert(r.Context(), r.PathValue("id"), r.PathValue("code"), in.CertRef)
			reply(w, r, http.StatusOK, m, err)
		})
}

// act adapts a transition taking a request body to a handler.
func act[R any](call func(ctx context.Context, id string, in R) (Case, error)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		var in R
		if err := web.DecodeJSON(r, &in); err != nil {
			web.Error(w, r, err)
			return
		}
		c, err := call(r.Context(), r.PathValue("id"), in)
		reply(w, r, http.StatusOK, c, err)
	}
}

func queueNames() []string {
	out := make([]string, len(Queues))
	for i, q := range Queues {
		out[i] = string(q)
	}
	return out
}

func (a *api) queue(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	in := QueueQuery{Queue: Queue(q.Get("queue")), ItemID: q.Get("item"), WindowID: q.Get("window"), No: q.Get("no"),
		Applicant: q.Get("applicant"), After: q.Get("after"), Limit: intParam(r, "limit")}
	if st := q.Get("state"); st != "" {
		s, ok := ParseState(st)
		if !ok {
			web.Error(w, r, errs.InvalidInput("cases.queue.state").OnField("state"))
			return
		}
		in.State = s
	}
	p, err := a.s.Queue(r.Context(), in)
	reply(w, r, http.StatusOK, p, err)
}

func (a *api) upload(w http.ResponseWriter, r *http.Request) {
	m, err := a.s.Upload(r.Context(), r.PathValue("id"), r.PathValue("code"), r.Body,
		UploadInput{Name: r.URL.Query().Get("name"), Checked: boolParam(r, "checked")})
	reply(w, r, http.StatusCreated, m, err)
}

func (a *api) download(w http.ResponseWriter, r *http.Request) {
	fh, f, err := a.s.OpenFile(r.Context(), r.PathValue("id"), r.PathValue("file"))
	if err != nil {
		web.Error(w, r, err)
		return
	}
	defer fh.Close()
	h := w.Header()
	h.Set("Content-Type", blob.Kind(f.Kind).MediaType())
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Cache-Control", "private, max-age=3600")
	name := f.Name
	if name == "" {
		name = f.Material + blob.Kind(f.Kind).Ext()
	}
	h.Set("Content-Disposition", "attachment; filename*=UTF-8''"+url.PathEscape(name))
	http.ServeContent(w, r, "", f.UploadedAt, fh)
}

func boolParam(r *http.Request, name string) bool {
	b, _ := strconv.ParseBool(r.URL.Query().Get(name))
	return b
}

func intParam(r *http.Request, name string) int {
	n, _ := strconv.Atoi(r.URL.Query().Get(name))
	return n
}

func reply(w http.ResponseWriter, r *http.Request, status int, v any, err error) {
	if err != nil {
		web.Error(w, r, err)
		return
	}
	web.JSON(w, status, v)
}
