package rectify

import (
	"embed"
	"io"
	"net/http"
	"strconv"
	"strings"

	"onestamp/internal/platform/auth"
	"onestamp/internal/platform/errs"
	"onestamp/internal/platform/web"
)

//go:embed messages/*.json
var messageFS embed.FS

// AddMessages adds the domain's texts to the catalogue.
func AddMessages() error { return web.AddMessagesFS(messageFS, "messages") }

// Access rules of the routes; the service checks the organisation, the scope and the verifier
// rules again.
var (
	readPolicy  = auth.Staff(readRoles...)
	workPolicy  = auth.Staff(append(append([]auth.Role{}, workRoles...), auth.Supervisor)...)
	superPolicy = auth.Staff(superRoles...)
)

var (
	tags      = []string{"rectify"}
	idParam   = web.Param{Name: "id", In: "path"}
	readErrs  = []errs.Code{errs.NotFound}
	writeErrs = []errs.Code{errs.Invalid, errs.NotFound, errs.Conflict}
)

// Register adds the domain's messages and registers its JSON API and pages on g.
func Register(g *auth.Guard, s *Service) error {
	if err := AddMessages(); err != nil {
		return err
	}
	registerAPI(g, s)
	return registerPages(g, s)
}

// VersionInput carries the version read, for the transitions without other input.
type VersionInput struct {
	Version int    `json:"version,omitempty" doc:"the version read; a stale one is refused (0: do not check)"`
	Note    string `json:"note,omitempty"`
}

type api struct{ s *Service }

func registerAPI(g *auth.Guard, s *Service) {
	a := &api{s: s}
	g.API(web.Op{Method: "GET", Path: "/api/v1/rectifications", Tags: tags, Summary: "The ledger in the caller's scope, newest first",
		Params: []web.Param{{Name: "state", Enum: stateNames()}, {Name: "open", Type: "boolean"}, {Name: "overdue", Type: "boolean"},
			{Name: "source_kind"}, {Name: "unit_id"}, {Name: "from", Format: "date"}, {Name: "to", Format: "date"}, {Name: "q"},
			{Name: "escalated", Type: "integer", Description: "at least this escalation level (1 提醒, 2 催办, 3 督办)"},
			{Name: "before"}, {Name: "limit", Type: "integer"}},
		Response: Page{}}, readPolicy, a.list)
	g.API(web.Op{Method: "POST", Path: "/api/v1/rectifications", Tags: tags, Summary: "Open an item for a finding",
		Description: "Supervision and inspection findings, clues, tickets. Bad ratings open their items themselves.",
		Request:     OpenInput{}, Response: Rectification{}, Status: http.StatusCreated, Errors: writeErrs}, superPolicy, a.open)
	g.API(web.Op{Method: "GET", Path: "/api/v1/rectifications/summary", Tags: tags, Summary: "Counts of the ledger",
		Response: Summary{}}, readPolicy, a.summary)
	g.API(web.Op{Method: "GET", Path: "/api/v1/rectifications/escalations", Tags: tags, Summary: "Escalations of the last days",
		Params: []web.Param{{Name: "days", Type: "integer"}}, Response: []Escalation{}}, readPolicy, a.escalations)
	g.API(web.Op{Method: "GET", Path: "/api/v1/rectifications/{id}", Tags: tags, Summary: "One item with its history",
		Params: []web.Param{idParam}, Response: Rectification{}, Errors: readErrs}, readPolicy, a.get)
	post := func(path, summary, desc string, req any, p auth.Policy, h http.HandlerFunc, opts ...web.RouteOption) {
		g.API(web.Op{Method: "POST", Path: "/api/v1/rectifications/{id}/" + path, Tags: tags, Summary: summary,
			Description: desc, Params: []web.Param{idParam}, Request: req, Response: Rectification{}, Errors: writeErrs}, p, h, opts...)
	}
	post("start", "Take an item into work", "By the responsible organisation.", VersionInput{}, workPolicy, a.start)
	post("plan", "Record the outcome class and the measures", "", PlanInput{}, workPolicy, a.plan)
	post("evidence", "Attach evidence", "PDF, JPEG, PNG, OFD, DOCX or XLSX, up to 10 MB.", EvidenceInput{}, workPolicy, a.evidence,
		web.BodyLimit(MaxEvidenceSize*4/3+(64<<10)))
	post("callback", "Record a callback attempt (回访)", "Reached, or three unanswered attempts, counts as done.",
		CallbackInput{}, workPolicy, a.callback)
	post("submit", "Report the fix for verification", "Needs the outcome and evidence.", VersionInput{}, workPolicy, a.submit)
	post("verify", "Verify or return a reported fix", "By a supervisor neither the owner nor of the organisation.",
		VerifyInput{}, superPolicy, a.verify)
	post("close", "Close out (销号)", "Needs evidence, a callback where required, and a supervisor verifier.",
		VersionInput{}, superPolicy, a.close)
	post("reopen", "Reopen an item found not fixed", "A new cycle with a fresh deadline.", VersionInput{}, superPolicy, a.reopen)
	g.API(web.Op{Method: "GET", Path: "/api/v1/rectifications/export", Tags: tags, Summary: "The ledger as a workbook (台账)",
		Params:   []web.Param{{Name: "state"}, {Name: "open", Type: "boolean"}, {Name: "from", Format: "date"}, {Name: "to", Format: "date"}},
		Response: web.Schema{"type": "string", "format": "binary"}}, readPolicy, a.export)
}

func stateNames() []string {
	out := make([]string, len(States))
	for i, s := range States {
		out[i] = string(s)
	}
	return out
}

func filterOf(r *http.Request) Filter {
	q := r.URL.Query()
	f := Filter{State: State(q.Get("state")), SourceKind: SourceKind(q.Get("source_kind")), UnitID: q.Get("unit_id"),
		From: q.Get("from"), To: q.Get("to"), Q: q.Get("q"), Before: q.Get("before")}
	f.Open, _ = strconv.ParseBool(q.Get("open"))
	f.Overdue, _ = strconv.ParseBool(q.Get("overdue"))
	if n, err := strconv.Atoi(q.Get("escalated")); err == nil {
		f.Escalated = Level(n)
	}
	if n, err := strconv.Atoi(q.Get("limit")); err == nil {
		f.Limit = n
	}
	return f
}

func (a *api) list(w http.ResponseWriter, r *http.Request) {
	p, err := a.s.List(r.Context(), filterOf(r))
	web.Reply(w, r, http.StatusOK, p, err)
}

func (a *api) open(w http.ResponseWriter, r *http.Request) {
	var in OpenInput
	if err := web.DecodeJSON(r, &in); err != nil {
		web.Error(w, r, err)
		return
	}
	out, err := a.s.Open(r.Context(), in)
	web.Reply(w, r, http.StatusCreated, out, err)
}

func (a *api) summary(w http.ResponseWriter, r *http.Request) {
	out, err := a.s.Summary(r.Context())
	web.Reply(w, r, http.StatusOK, out, err)
}

func (a *api) escalations(w http.ResponseWriter, r *http.Request) {
	days, _ := strconv.Atoi(r.URL.Query().Get("days"))
	out, err := a.s.Escalations(r.Context(), days)
	if out == nil {
		out = []Escalation{}
	}
	web.Reply(w, r, http.StatusOK, out, err)
}

func (a *api) get(w http.ResponseWriter, r *http.Request) {
	out, err := a.s.Get(r.Context(), r.PathValue("id"))
	web.Reply(w, r, http.StatusOK, out, err)
}

// versioned decodes a VersionInput (an empty body is fine) and runs fn.
func versioned(fn func(r *http.Request, in VersionInput) (Rectification, error)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		var in VersionInput
		if r.ContentLength != 0 {
			if err := web.DecodeJSON(r, &in); err != nil {
				web.Error(w, r, err)
				return
			}
		}
		out, err := fn(r, in)
		web.Reply(w, r, http.StatusOK, out, err)
	}
}

func (a *api) start(w http.ResponseWriter, r *http.Request) {
	versioned(func(r *http.Request, in VersionInput) (Rectification, error) {
		return a.s.Start(r.Context(), r.PathValue("id"), in.Version)
	})(w, r)
}

func (a *api) submit(w http.ResponseWriter, r *http.Request) {
	versioned(func(r *http.Request, in VersionInput) (Rectification, error) {
		return a.s.Submit(r.Context(), r.PathValue("id"), in.Version)
	})(w, r)
}

func (a *api) close(w http.ResponseWriter, r *http.Request) {
	versioned(func(r *http.Request, in VersionInput) (Rectification, error) {
		return a.s.Close(r.Context(), r.PathValue("id"), in.Version, in.Note)
	})(w, r)
}

func (a *api) reopen(w http.ResponseWriter, r *http.Request) {
	versioned(func(r *http.Request, in VersionInput) (Rectification, error) {
		return a.s.Reopen(r.Context(), r.PathValue("id"), in.Version, in.Note)
	})(w, r)
}

func (a *api) plan(w http.ResponseWriter, r *http.Request) {
	var in PlanInput
	if err := web.DecodeJSON(r, &in); err != nil {
		web.Error(w, r, err)
		return
	}
	out, err := a.s.Plan(r.Context(), r.PathValue("id"), in)
	web.Reply(w, r, http.StatusOK, out, err)
}

func (a *api) evidence(w http.ResponseWriter, r *http.Request) {
	var in EvidenceInput
	if err := web.DecodeJSON(r, &in); err != nil {
		web.Error(w, r, err)
		return
	}
	out, err := a.s.AddEvidence(r.Context(), r.PathValue("id"), in)
	web.Reply(w, r, http.StatusOK, out, err)
}

func (a *api) callback(w http.ResponseWriter, r *http.Request) {
	var in CallbackInput
	if err := web.DecodeJSON(r, &in); err != nil {
		web.Error(w, r, err)
		return
	}
	out, err := a.s.RecordCallback(r.Context(), r.PathValue("id"), in)
	web.Reply(w, r, http.StatusOK, out, err)
}

func (a *api) verify(w http.ResponseWriter, r *http.Request) {
	var in VerifyInput
	if err := web.DecodeJSON(r, &in); err != nil {
		web.Error(w, r, err)
		return
	}
	out, err := a.s.Verify(r.Context(), r.PathValue("id"), in)
	web.Reply(w, r, http.StatusOK, out, err)
}

// xlsxType is the media type of a workbook.
const xlsxType = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

func (a *api) export(w http.ResponseWriter, r *http.Request) {
	f := filterOf(r)
	b, err := a.s.LedgerXLSX(r.Context(), f, web.Lang(r.Context()))
	if err != nil {
		web.Error(w, r, err)
		return
	}
	w.Header().Set("Content-Type", xlsxType)
	w.Header().Set("Content-Disposition", `attachment; filename="ledger-`+a.s.today().String()+`.xlsx"`)
	w.Header().Set("Content-Length", strconv.Itoa(len(b)))
	_, _ = w.Write(b)
}

// serveEvidence streams an evidence file.
func serveEvidence(w http.ResponseWriter, e Evidence, rc io.ReadCloser) {
	defer rc.Close()
	w.Header().Set("Content-Type", e.Type)
	w.Header().Set("Content-Disposition", `attachment; filename="`+strings.ReplaceAll(e.Name, `"`, "")+`"`)
	w.Header().Set("Cache-Control", "private, no-store")
	_, _ = io.Copy(w, rc)
}
