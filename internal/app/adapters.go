package app

import (
	"context"
	"slices"
	"strings"

	"onestamp/internal/cases"
	"onestamp/internal/catalog"
	"onestamp/internal/org"
	"onestamp/internal/platform/auth"
	"onestamp/internal/platform/workday"
)

// The adapters here let one domain use another through the small interface it declares
// (DESIGN §2): a domain never imports another's package; app translates.

// caseCatalog gives cases what they need of the service catalogue.
type caseCatalog struct {
	cat *catalog.Service
	dir *org.Directory
}

func (c caseCatalog) ItemAt(ctx context.Context, itemID string, on workday.Date) (cases.Item, error) {
	p, err := c.cat.Pin(ctx, itemID, on)
	if err != nil {
		return cases.Item{}, err
	}
	return caseItem(p.Item, p.Version), nil
}

func (c caseCatalog) ItemVersion(ctx context.Context, itemID string, version int) (cases.Item, error) {
	it, err := c.cat.Item(ctx, itemID)
	if err != nil {
		return cases.Item{}, err
	}
	v, err := c.cat.Version(ctx, itemID, version)
	if err != nil {
		return cases.Item{}, err
	}
	return caseItem(it, v), nil
}

func (c caseCatalog) Decider(ctx context.Context, itemID, regionCode string, on workday.Date) (cases.Unit, error) {
	id, _, err := c.cat.Decider(ctx, itemID, regionCode, on)
	if err != nil {
		return cases.Unit{}, err
	}
	return c.Unit(ctx, id)
}

func (c caseCatalog) Chain(ctx context.Context, chainID string) (cases.Chain, error) {
	ch, err := c.cat.Chain(ctx, chainID)
	if err != nil {
		return cases.Chain{}, err
	}
	out := cases.Chain{ID: ch.ID, Code: ch.Code, Name: ch.Name, RegionCode: ch.RegionCode, LeadUnit: ch.LeadUnit}
	for _, it := range ch.Items {
		out.ItemIDs = append(out.ItemIDs, it.ItemID)
	}
	for _, f := range ch.Fields {
		cf := cases.ChainField{Key: f.Key, Label: f.Label, Required: f.Required}
		for _, m := range f.Maps {
			cf.Maps = append(cf.Maps, cases.FieldRef{ItemID: m.ItemID, Field: m.Field})
		}
		out.Fields = append(out.Fields, cf)
	}
	for _, mat := range ch.Materials {
		cm := cases.ChainMaterial{Key: mat.Key, Name: mat.Name}
		for _, m := range mat.Maps {
			cm.Maps = append(cm.Maps, cases.MaterialRef{ItemID: m.ItemID, Material: m.Material})
		}
		out.Materials = append(out.Materials, cm)
	}
	return out, nil
}

func (c caseCatalog) Unit(ctx context.Context, unitID string) (cases.Unit, error) {
	u, err := c.dir.Unit(ctx, auth.SystemScope(), unitID)
	if err != nil {
		return cases.Unit{}, err
	}
	return cases.Unit{ID: u.ID, Name: u.Name, RegionCode: u.RegionCode}, nil
}

// caseItem reduces a catalogue item at one version to what the case rules use.
func caseItem(it catalog.Item, v catalog.ItemVersion) cases.Item {
	sp := v.Spec
	out := cases.Item{
		ID: it.ID, Version: v.Version, Code: it.Code, Name: sp.Name, RegionCode: it.RegionCode,
		Kind:        cases.KindPromised,
		StatutoryWD: sp.StatutoryWD, PromisedWD: sp.PromisedWD, ExtensionWD: sp.ExtensionWD,
		Joint: sp.JointHandling, JointDepts: slices.Clone(sp.JointDepts), CityWide: sp.CityWide,
		// An item that is fully online with nothing to pre-check goes straight to receipt.
		Direct:          sp.OnlineDepth < 3,
		Cancelled:       sp.ReformMode == catalog.ReformCancelled,
		PromiseAllowed:  sp.ReformMode == catalog.ReformPromise,
		PromiseText:     sp.PromiseText,
		VerifyWithinWD:  sp.VerifyWithinWD,
		PendingSupplyWD: sp.PendingSupplyWD,
		AcceptUnit:      sp.AcceptUnit,
		ResultCertType:  sp.ResultCertType,
		CertAction:      certAction(it, sp),
	}
	if sp.Kind == catalog.KindInstant {
		out.Kind = cases.KindInstant
	}
	if sp.Charged {
		// Fixed amounts only: a fee published as a rate is assessed by the window, outside the case.
		for _, f := range sp.Fees {
			out.FeeFen += f.AmountFen
		}
		out.FeeTiming = cases.FeeBeforeConclude
		if sp.FeeTiming == catalog.FeeBeforeAccept {
			out.FeeTiming = cases.FeeBeforeAccept
		}
	}
	for _, m := range sp.VerifyMethods {
		out.VerifyMethods = append(out.VerifyMethods, string(m))
	}
	// The catalogue lists the whole flow, window steps included; a case's review steps are the
	// decision side's (受理 and 送达 are transitions of their own in the case lifecycle; the
	// head approves extensions, not steps).
	for _, s := range sp.Steps {
		switch r := auth.Role(s.PostRole); r {
		case auth.Reviewer, auth.Chief, auth.Signer:
			out.Steps = append(out.Steps, cases.Step{Name: s.Name, LimitWD: s.LimitWD, Role: r})
		}
	}
	for _, s := range sp.SpecialSteps {
		out.SpecialSteps = append(out.SpecialSteps, cases.SpecialStep{Name: s.Name, Basis: s.Basis, CountsInLimit: s.CountsInLimit})
	}
	for _, m := range sp.Materials {
		out.Materials = append(out.Materials, cases.MaterialSpec{Code: m.Key, Name: m.Name, Required: m.Required,
			PendingAllowed: m.PendingAllowed, MinTrust: cases.Trust(m.MinTrust), CertType: m.CertType})
	}
	for _, f := range sp.FormFields {
		out.Fields = append(out.Fields, cases.Field{Key: f.Key, Label: f.Label, Required: f.Required, Type: string(f.Type)})
	}
	return out
}

// certAction says what a 业务办理项 does to the certificate its main item issues: the catalogue
// names handling items 新设 / 变更 / 延续 / 注销.
func certAction(it catalog.Item, sp catalog.Spec) string {
	if it.Level != catalog.LevelHandling {
		return "new"
	}
	switch name := sp.Name; {
	case strings.Contains(name, "变更"):
		return "change"
	case strings.Contains(name, "延续"):
		return "renew"
	case strings.Contains(name, "注销"):
		return "cancel"
	}
	return "new"
}
