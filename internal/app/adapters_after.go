package app

import (
	"context"
	"strconv"

	"onestamp/internal/cases"
	"onestamp/internal/certs"
	"onestamp/internal/org"
	"onestamp/internal/platform/auth"
	"onestamp/internal/platform/errs"
	"onestamp/internal/platform/workday"
	"onestamp/internal/rating"
)

// certCases gives certs what it needs of a case.
type certCases struct{ c *cases.Service }

func (a certCases) CertCase(ctx context.Context, sc auth.Scope, caseID string) (certs.CaseInfo, error) {
	in, err := a.c.Info(ctx, sc, caseID)
	if err != nil {
		return certs.CaseInfo{}, err
	}
	out := certs.CaseInfo{ID: in.ID, No: in.No, ItemID: in.ItemID, ItemVersion: in.ItemVersion, ItemName: in.ItemName,
		RegionCode: in.Handling.RegionCode, UnitID: in.Handling.UnitID, ApplicantID: in.OwnerID,
		Holder:  certs.Holder{Type: certs.HolderType(in.Holder.Type), IDNumber: in.Holder.IDNumber, Name: in.Holder.Name},
		Open:    !in.State.Final() && in.State < cases.StConcluded,
		ChainID: in.ParentID, Surface: map[string]string{}}
	for _, m := range in.Item.Materials {
		out.Materials = append(out.Materials, certs.CaseMaterial{Code: m.Code, Name: m.Name, CertType: m.CertType})
	}
	for k, v := range in.Form {
		out.Surface[k] = v
	}
	return out, nil
}

// certMaterials lets certs mark a case's material as satisfied by a certificate (免证办).
type certMaterials struct{ c *cases.Service }

func (a certMaterials) SatisfyWithCert(ctx context.Context, caseID, materialCode, certRef string) error {
	_, err := a.c.SatisfyWithCert(ctx, caseID, materialCode, certRef)
	return err
}

// certLicences tells cases when the licence a renewal acts on expires.
type certLicences struct{ c *certs.Service }

func (a certLicences) LicenceValidTo(ctx context.Context, typeCode, ref, holderBI string) (workday.Date, error) {
	to, err := a.c.LicenceValidTo(ctx, typeCode, ref, holderBI)
	if err != nil || to == "" {
		return 0, err
	}
	return workday.ParseDate(to)
}

// certIssuers names the issuer of a certificate: the bureau of the deciding unit's jurisdiction
// (one seal per bureau, DOMAIN §12).
type certIssuers struct{ dir *org.Directory }

func (a certIssuers) Issuer(ctx context.Context, unitID string) (certs.Issuer, error) {
	u, err := a.dir.Unit(ctx, auth.SystemScope(), unitID)
	if err != nil {
		return certs.Issuer{}, err
	}
	if u.Kind != org.UnitBureau {
		for region := u.RegionCode; region != ""; {
			b, err := a.dir.Bureau(ctx, auth.SystemScope(), region)
			if err == nil {
				u = b
				break
			}
			parents := org.RegionAncestors(region)
			if len(parents) == 0 {
				return certs.Issuer{}, errs.InvalidInput("certs.issuer.no_bureau")
			}
			region = parents[len(parents)-1]
		}
	}
	return certs.Issuer{UnitID: u.ID, Name: u.Name, USCC: u.Code, RegionCode: u.RegionCode}, nil
}

// certIdentities tells certs who an applicant account is.
type certIdentities struct{ a *auth.Service }

func (c certIdentities) Identity(ctx context.Context, accountID string) (certs.Holder, error) {
	id, err := c.a.ApplicantIdentity(ctx, accountID)
	if err != nil {
		return certs.Holder{}, err
	}
	return certs.Holder{Type: certs.HolderType(id.SubjectType), IDNumber: id.IDNumber, Name: id.Name}, nil
}

// ratingCases gives rating what it needs of a case.
type ratingCases struct {
	c   *cases.Service
	dir *org.Directory
}

func (a ratingCases) Case(ctx context.Context, id string) (rating.CaseInfo, error) {
	in, err := a.c.Info(ctx, auth.SystemScope(), id)
	if err != nil {
		return rating.CaseInfo{}, err
	}
	return a.convert(ctx, in), nil
}

func (a ratingCases) CaseByNo(ctx context.Context, no string) (rating.CaseInfo, error) {
	in, err := a.c.InfoByNo(ctx, auth.SystemScope(), no)
	if err != nil {
		return rating.CaseInfo{}, err
	}
	return a.convert(ctx, in), nil
}

func (a ratingCases) convert(ctx context.Context, in cases.Info) rating.CaseInfo {
	out := rating.CaseInfo{ID: in.ID, No: in.No, ItemID: in.ItemID, ItemCode: in.ItemCode,
		ItemVersion: strconv.Itoa(in.ItemVersion), ItemName: in.ItemName,
		UnitID: in.Handling.UnitID, RegionCode: in.Handling.RegionCode,
		Status: in.State.String(), Draft: in.State < cases.StSubmitted,
		ReceivedAt: in.ReceivedAt, AcceptedAt: in.AcceptedAt, ConcludedAt: in.ConcludedAt,
		ApplicantUserID: in.OwnerID, ApplicantType: in.Holder.Type, ApplicantIDNo: in.Holder.IDNumber,
		ApplicantName: in.Holder.Name, ApplicantMobile: in.Holder.Mobile}
	if u, err := a.dir.Unit(ctx, auth.SystemScope(), in.Handling.UnitID); err == nil {
		out.UnitCode, out.UnitName = u.Code, u.Name
	}
	if in.Channel == cases.ChannelWindow {
		out.HallID, out.WindowID = in.Receiving.UnitID, in.Receiving.WindowID
		if u, err := a.dir.Unit(ctx, auth.SystemScope(), in.Receiving.UnitID); err == nil {
			out.HallName = u.Name
		}
		if w, err := a.dir.Window(ctx, auth.SystemScope(), in.Receiving.WindowID); err == nil {
			out.WindowNo = w.Number
		}
	}
	for _, s := range in.Staff {
		out.Staff = append(out.Staff, rating.Staff{ID: s.UserID, Name: s.Name})
	}
	return out
}
