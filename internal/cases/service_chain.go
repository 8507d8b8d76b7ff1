package cases

import (
	"context"
	"slices"
	"strings"

	"onestamp/internal/platform/auth"
	"onestamp/internal/platform/db"
	"onestamp/internal/platform/errs"
)

// ChainInput applies for a chain (一件事): one combined form, the shared materials once.
type ChainInput struct {
	ChainID   string            `json:"chain_id"`
	Applicant ApplicantInput    `json:"applicant"`
	Agent     *AgentInput       `json:"agent,omitempty"`
	OwnerID   string            `json:"owner_id,omitempty"`
	WindowID  string            `json:"window_id,omitempty"`
	Form      map[string]string `json:"form,omitempty" doc:"the combined form, by chain field key"`
	Items     []string          `json:"items,omitempty" doc:"the chain's items applied for; default all"`
}

// OpenChain opens a chain application as drafts: one parent case (kind chain) that holds the
// combined form and the combined material list, and one child case per item with its own
// pinned version, routing, form (mapped from the combined one) and checklist. A file given to a
// shared material of the parent reaches every child material it serves. The parent follows its
// children and is concluded when all of them are; its history is the one timeline of all.
func (s *Service) OpenChain(ctx context.Context, in ChainInput) (Case, error) {
	a, err := s.actorOf(ctx)
	if err != nil {
		return Case{}, err
	}
	staff := a.kind == auth.KindStaff && a.role == auth.Clerk
	if a.kind != auth.KindApplicant && !staff {
		return Case{}, errs.ForbiddenErr()
	}
	ch, err := s.cat.Chain(ctx, in.ChainID)
	if err != nil {
		return Case{}, err
	}
	items := ch.ItemIDs
	if len(in.Items) > 0 {
		for _, id := range in.Items {
			if !slices.Contains(ch.ItemIDs, id) {
				return Case{}, errs.InvalidInput("cases.chain.item").OnField("items")
			}
		}
		items = in.Items
	}
	if in.Applicant.Type == "" && a.kind == auth.KindApplicant && s.ids != nil {
		id, err := s.ids.ApplicantIdentity(ctx, a.id)
		if err != nil {
			return Case{}, err
		}
		in.Applicant = ApplicantInput{Type: id.SubjectType, Name: id.Name, IDNumber: id.IDNumber, Mobile: id.Mobile}
	}
	lead, err := s.cat.Unit(ctx, ch.LeadUnit)
	if err != nil {
		return Case{}, err
	}
	// The children are opened like single cases, through Open's checks, inside one transaction.
	parent := &rec{ID: db.NewID(), ChainID: ch.ID, ItemName: ch.Name, Kind: KindChain, State: StDraft,
		HandlingUnit: lead.ID, HandlingRegion: lead.RegionCode, Step: -1, Form: map[string]string{}}
	for _, f := range ch.Fields {
		if v := strings.TrimSpace(in.Form[f.Key]); v != "" {
			parent.Form[f.Key] = v
		}
	}
	for k := range in.Form {
		if !slices.ContainsFunc(ch.Fields, func(f ChainField) bool { return f.Key == k }) {
			return Case{}, errs.InvalidInput("cases.form.unknown").OnField("form."+k).With("field", k)
		}
	}
	var kids []OpenInput
	for _, id := range items {
		form := map[string]string{}
		for _, f := range ch.Fields {
			for _, m := range f.Maps {
				if m.ItemID == id && parent.Form[f.Key] != "" {
					form[m.Field] = parent.Form[f.Key]
				}
			}
		}
		kids = append(kids, OpenInput{ItemID: id, Applicant: in.Applicant, Agent: in.Agent, OwnerID: in.OwnerID,
			WindowID: in.WindowID, Form: form})
	}
	appl, err := s.normApplicant(in.Applicant)
	if err != nil {
		return Case{}, err
	}
	if staff {
		parent.Channel, parent.RecvUnit, parent.RecvRegion, parent.RecvWindow, parent.OwnerID = ChannelWindow,
			a.v.UnitID, a.v.RegionCode, strings.TrimSpace(in.WindowID), in.OwnerID
	} else {
		parent.Channel, parent.RecvUnit, parent.RecvRegion, parent.OwnerID = ChannelOnline, lead.ID, lead.RegionCode, a.id
	}
	if err := s.sealApplicant(parent, appl); err != nil {
		return Case{}, err
	}
	now := s.clock()
	parent.CreatedAt, parent.UpdatedAt = now.UnixMilli(), now.UnixMilli()
	children := make([]*rec, 0, len(kids))
	specs := make([]Item, 0, len(kids))
	for _, k := range kids {
		r, it, err := s.prepare(ctx, a, k)
		if err != nil {
			return Case{}, err
		}
		r.ParentID, r.ChainID = parent.ID, ch.ID
		children = append(children, r)
		specs = append(specs, it)
	}
	if !staff && len(children) > 0 {
		// Online, the hall that receives the first item receives the chain: its clerks see it.
		parent.RecvUnit, parent.RecvRegion = children[0].RecvUnit, children[0].RecvRegion
	}
	err = s.inTx(ctx, a, func(t *txn) error {
		c := t.newChange(parent, ActOpen)
		c.e.From = 0
		c.set("chain", ch.ID)
		if err := c.create(); err != nil {
			return err
		}
		for i, m := range ch.Materials {
			if len(m.Maps) == 0 {
				continue
			}
			req := false
			for _, ref := range m.Maps {
				for j, it := range specs {
					if children[j].ItemID != ref.ItemID {
						continue
					}
					if k := slices.IndexFunc(it.Materials, func(x MaterialSpec) bool { return x.Code == ref.Material }); k >= 0 {
						req = req || it.Materials[k].Required
					}
				}
			}
			if err := s.st.insertMaterial(ctx, t.tx, parent.ID, i, Material{Code: m.Key, Name: m.Name, Required: req,
				Status: MatMissing}, ""); err != nil {
				return err
			}
		}
		for j, r := range children {
			it := specs[j]
			c := t.newChange(r, ActOpen)
			c.e.From = 0
			c.set("item_version", it.Version)
			if err := c.create(); err != nil {
				return err
			}
			for i, m := range it.Materials {
				shared := ""
				for _, cm := range ch.Materials {
					if slices.ContainsFunc(cm.Maps, func(ref MaterialRef) bool { return ref.ItemID == it.ID && ref.Material == m.Code }) {
						shared = cm.Key
					}
				}
				mat := Material{Code: m.Code, Name: m.Name, Required: m.Required, PendingAllowed: m.PendingAllowed,
					MinTrust: m.MinTrust, CertType: m.CertType, Status: MatMissing}
				if err := s.st.insertMaterial(ctx, t.tx, r.ID, i, mat, shared); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		return Case{}, err
	}
	return s.toCase(parent), nil
}

// prepare builds the row of a new single case (Open's checks and routing) without writing it.
func (s *Service) prepare(ctx context.Context, a *actor, in OpenInput) (*rec, Item, error) {
	today := s.today()
	staff := a.kind == auth.KindStaff
	it, err := s.cat.ItemAt(ctx, in.ItemID, today)
	if err != nil {
		return nil, Item{}, err
	}
	if it.Cancelled {
		return nil, Item{}, errs.InvalidInput("cases.item.cancelled").OnField("item_id")
	}
	if in.Applicant.Type == "" && a.kind == auth.KindApplicant && s.ids != nil {
		// Filed for the account holder: the identity comes from the account, not from the form.
		id, err := s.ids.ApplicantIdentity(ctx, a.id)
		if err != nil {
			return nil, Item{}, err
		}
		in.Applicant = ApplicantInput{Type: id.SubjectType, Name: id.Name, IDNumber: id.IDNumber, Mobile: id.Mobile}
	}
	appl, err := s.normApplicant(in.Applicant)
	if err != nil {
		return nil, Item{}, err
	}
	form, err := s.checkForm(it.Fields, in.Form, false)
	if err != nil {
		return nil, Item{}, err
	}
	decider, err := s.cat.Decider(ctx, it.ID, it.RegionCode, today)
	if err != nil {
		return nil, Item{}, err
	}
	r := &rec{ID: db.NewID(), ItemID: it.ID, ItemVersion: it.Version, ItemCode: it.Code, ItemName: it.Name,
		Kind: it.Kind, State: StDraft, HandlingUnit: decider.ID, HandlingRegion: decider.RegionCode, Step: -1,
		Limits: itemLimits(it, s.cfg), Form: form}
	if it.Joint {
		r.Flags = r.Flags.With(FlagJoint, true)
	}
	if staff {
		if !it.CityWide && !auth.RegionScope(a.v.RegionCode).Allows(it.RegionCode, "", "") {
			return nil, Item{}, errs.InvalidInput("cases.route.not_citywide").OnField("item_id")
		}
		r.Channel, r.RecvUnit, r.RecvRegion, r.RecvWindow, r.OwnerID = ChannelWindow, a.v.UnitID, a.v.RegionCode,
			strings.TrimSpace(in.WindowID), in.OwnerID
	} else {
		recv := decider
		if it.AcceptUnit != "" {
			if recv, err = s.cat.Unit(ctx, it.AcceptUnit); err != nil {
				return nil, Item{}, err
			}
		}
		r.Channel, r.RecvUnit, r.RecvRegion, r.OwnerID = ChannelOnline, recv.ID, recv.RegionCode, a.id
	}
	if auth.RegionPrefix(r.RecvRegion) != auth.RegionPrefix(r.HandlingRegion) {
		r.Flags = r.Flags.With(FlagCityWide, true)
	}
	if err := s.sealApplicant(r, appl); err != nil {
		return nil, Item{}, err
	}
	if in.Agent != nil {
		ag, err := s.normAgent(*in.Agent)
		if err != nil {
			return nil, Item{}, err
		}
		assisted := ""
		switch {
		case ag.Kind == AgentKindAssisted && staff:
			assisted = a.id
			r.Flags = r.Flags.With(FlagAssisted, true)
		case ag.Kind == AgentKindAgent:
			r.Flags = r.Flags.With(FlagAgent, true)
		default:
			return nil, Item{}, errs.InvalidInput("cases.agent.kind").OnField("agent.kind")
		}
		if err := s.sealAgent(r, ag, assisted); err != nil {
			return nil, Item{}, err
		}
	}
	if in.Promise != nil {
		if err := s.checkPromise(ctx, it, r, *in.Promise); err != nil {
			return nil, Item{}, err
		}
	}
	now := s.clock()
	r.CreatedAt, r.UpdatedAt = now.UnixMilli(), now.UnixMilli()
	return r, it, nil
}

// cascade applies a chain parent's transition to each of its children that allows it, in the
// same transaction (submitting or receiving a chain submits or receives every item).
func (s *Service) cascade(c *change, act Action, nos map[string]string, fn func(c *change) error) error {
	kids, err := s.st.children(c.t.ctx, c.t.tx, c.r.ID)
	if err != nil {
		return err
	}
	rule, _ := RuleFor(act)
	for _, k := range kids {
		if !rule.Allows(k.State) {
			continue
		}
		if k.No == "" {
			k.No = nos[k.ID]
		}
		if err := c.t.apply(k, k.Version, act, fn); err != nil {
			return err
		}
	}
	return nil
}

// chainNumbers issues numbers for a chain parent's children that have none, before the
// transaction.
func (s *Service) chainNumbers(ctx context.Context, parentID string) (map[string]string, error) {
	kids, err := s.st.children(ctx, s.d.Read, parentID)
	if err != nil {
		return nil, err
	}
	out := map[string]string{}
	for _, k := range kids {
		if k.No != "" {
			continue
		}
		no, err := s.nextNo(ctx, k.RecvRegion, s.today())
		if err != nil {
			return nil, err
		}
		out[k.ID] = no
	}
	return out, nil
}

// syncParents brings every chain parent touched in the transaction up to date with its
// children: as far as its slowest open child; concluded (then delivered) when every child is
// concluded or ended; ended like its children when none was decided.
func (t *txn) syncParents() error {
	for len(t.parents) > 0 {
		var id string
		for k := range t.parents {
			id = k
			break
		}
		delete(t.parents, id)
		p, err := t.s.st.lockCase(t.ctx, t.tx, id)
		if err != nil {
			return err
		}
		kids, err := t.s.st.children(t.ctx, t.tx, id)
		if err != nil {
			return err
		}
		target := parentState(kids)
		if target == 0 || target == p.State {
			continue
		}
		c := t.newChange(p, ActChildChanged)
		p.State = target
		c.set("children", len(kids))
		if target == StConcluded {
			on := t.today
			c.emitAfter(func(r *rec) { c.emit(TopicConcluded, concludedEvent(r, Item{}, on, "")) })
		}
		if err := c.commit(); err != nil {
			return err
		}
	}
	return nil
}

func parentState(kids []*rec) State {
	if len(kids) == 0 {
		return 0
	}
	var minOpen State
	decided, allDelivered, same := false, true, true
	for _, k := range kids {
		if k.State < StConcluded {
			if minOpen == 0 || k.State < minOpen {
				minOpen = k.State
			}
			continue
		}
		if k.State.Decided() {
			decided = true
			allDelivered = allDelivered && k.State == StDelivered
		}
		same = same && k.State == kids[0].State
	}
	switch {
	case minOpen != 0:
		return minOpen
	case decided && allDelivered:
		return StDelivered
	case decided:
		return StConcluded
	case same:
		return kids[0].State
	}
	return StTerminated
}
