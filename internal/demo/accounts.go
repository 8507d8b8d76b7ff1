package demo

import (
	"context"
	"fmt"

	"onestamp/internal/platform/auth"
	"onestamp/internal/platform/errs"
	"onestamp/internal/platform/ident"
)

// staffDef is a demo staff account; unit is the key of its unit.
type staffDef struct {
	username, name string
	roles          []auth.Role
	unit           string
}

// staff are the demo's staff accounts: one for every role at the city, and a county clerk and
// a county admin in 东湖区. The names are made up.
var staff = []staffDef{
	{"admin", "周文博", []auth.Role{auth.Admin}, KeyCityBureau},
	{"clerk", "林晓燕", []auth.Role{auth.Clerk}, KeyCityHall},
	{"reviewer", "郑海涛", []auth.Role{auth.Reviewer}, KeyCityBureau},
	{"chief", "吴建国", []auth.Role{auth.Chief, auth.Reviewer}, KeyCityBureau},
	{"signer", "何雅琴", []auth.Role{auth.Signer}, KeyCityBureau},
	{"head", "罗志远", []auth.Role{auth.Head}, KeyCityBureau},
	{"supervisor", "许明辉", []auth.Role{auth.Supervisor}, KeyCityBureau},
	{"discipline", "钱慧敏", []auth.Role{auth.Discipline}, KeyCityBureau},
	{"leader", "孙振华", []auth.Role{auth.Leader}, KeyCityBureau},
	{"county.clerk", "黄丽娟", []auth.Role{auth.Clerk}, KeyDonghuHall},
	// A reviewer of the police, a joint department (联办) of the urban-road permits.
	{"police.reviewer", "汪建平", []auth.Role{auth.Reviewer}, "dept.police"},
	{"county.admin", "马俊杰", []auth.Role{auth.Admin}, KeyDonghuBureau},
	{"county.reviewer", "蔡志强", []auth.Role{auth.Reviewer}, KeyDonghuBureau},
	{"qingchuan.clerk", "唐美玲", []auth.Role{auth.Clerk}, KeyQingHall},
	// Outside parties. Intermediaries, project owners and bidders are not units of the map; their
	// accounts hang off the bureau that runs the marketplace and the trading platform.
	{"agency", "谢宏伟", []auth.Role{auth.Agency}, KeyCityBureau},
	{"owner", "冯国栋", []auth.Role{auth.Owner}, KeyCityBureau},
	{"bidder", "邓佳怡", []auth.Role{auth.Bidder}, KeyCityBureau},
	{"host", "曹立军", []auth.Role{auth.Host}, KeyTrading},
	{"bank", "袁静", []auth.Role{auth.Bank}, KeyBankA},
	{"bank2", "彭晨", []auth.Role{auth.Bank}, KeyBankB},
}

// applicantDef is a demo applicant: a person with a made-up ID number in the made-up region, or
// an organisation with a made-up 统一社会信用代码.
type applicantDef struct {
	subject, id, name, mobile string
}

func applicants() []applicantDef {
	return []applicantDef{
		{auth.SubjectPerson, fakeIDCard("369902", "19880615", "031"), "刘思远", "13900000001"},
		{auth.SubjectPerson, fakeIDCard("369921", "19920304", "042"), "杨雨婷", "13900000002"},
		{auth.SubjectOrg, fakeUSCC("91", "369971", 901), "示范云启科技有限公司", "13900000003"},
	}
}

// fakeIDCard makes a resident ID number with a right check character: region 3699xx exists
// nowhere, so the number is no one's.
func fakeIDCard(region6, birth, seq string) string {
	first17 := region6 + birth + seq
	c, ok := ident.IDCardCheckChar(first17)
	if !ok {
		panic("demo: bad ID body " + first17)
	}
	return first17 + string(c)
}

func accountList(withApplicants bool) []Account {
	unitName := map[string]string{}
	for _, u := range units() {
		unitName[u.key] = u.name
	}
	var out []Account
	for _, s := range staff {
		out = append(out, Account{Username: s.username, Password: Password, Name: s.name, Roles: s.roles,
			Unit: unitName[s.unit], Login: auth.StaffLoginPath})
	}
	if withApplicants {
		for _, a := range applicants() {
			out = append(out, Account{Username: a.id, Password: Password, Name: a.name,
				Roles: []auth.Role{auth.Applicant}, Login: auth.PublicLoginPath})
		}
	}
	return out
}

// loadAccounts creates the accounts. An account that exists already (a load interrupted
// halfway) is left as it is.
func loadAccounts(ctx context.Context, env *Env) error {
	for _, s := range staff {
		u, ok := env.Units[s.unit]
		if !ok {
			return fmt.Errorf("account %s: unit %s is missing; was the org step run?", s.username, s.unit)
		}
		st, _, err := env.Staff.SeedStaff(ctx, auth.StaffInput{Username: s.username, Name: s.name, UnitID: u.ID,
			RegionCode: u.RegionCode, Roles: s.roles, Password: Password})
		if errs.Is(err, errs.Conflict) {
			continue
		}
		if err != nil {
			return fmt.Errorf("account %s: %w", s.username, err)
		}
		env.Users[s.username] = st.ID
	}
	if env.Applicants == nil {
		env.Log.Info("demo: no applicant seeder; applicant accounts skipped")
		return nil
	}
	for _, a := range applicants() {
		id, err := env.Applicants.SeedApplicant(ctx, auth.Registration{SubjectType: a.subject, IDNumber: a.id,
			Name: a.name, Mobile: a.mobile, Password: Password})
		if errs.Is(err, errs.Conflict) {
			continue
		}
		if err != nil {
			return fmt.Errorf("applicant %s: %w", a.name, err)
		}
		env.Users[a.id] = id
	}
	return nil
}
