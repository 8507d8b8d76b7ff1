package cases

import (
	"bytes"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"fmt"
	"math/rand/v2"
	"slices"
	"sort"
	"time"

	"onestamp/internal/platform/audit"
	"onestamp/internal/platform/auth"
	"onestamp/internal/platform/blob"
	"onestamp/internal/platform/errs"
	"onestamp/internal/platform/ident"
	"onestamp/internal/platform/pdfdoc"
	"onestamp/internal/platform/workday"
)

// The demo year: a year of the bureau's history, ending today, so that the queues, the case
// pages and the later dashboards look like a living bureau. Every case is planned as a life
// (window or online intake, corrections, acceptance, the item's review steps with returns,
// site inspections, suspensions and extensions, a decision, conclusion, delivery; or refusal,
// withdrawal, termination) and then played through a small copy of the transition engine that
// uses the service's own clock facts, derivation and to-do rules (facts.apply, derive,
// defaultTodo, reviewSteps), as the service would have on each of those days, including the
// daily overdue sweep. What happens after now is cut off, which leaves the recent cases open in
// every queue. The rows are then written in bulk, in one transaction.
//
// The demo writes the case rows, history, tasks, materials, files, the 已办 index of the demo
// accounts and case numbers. It writes no outbox events (a year of notifications and rating
// invitations must not fire on start-up) and one audit record for the whole load.

// DemoEnv is what the demo step needs from the demo city and the catalogue.
type DemoEnv struct {
	// Units are the demo city's units by their key in package demo ("city.bureau",
	// "city.hall", "donghu.hall", "qingchuan.hall", "donghu.bureau" …).
	Units map[string]Unit
	// Users are the ids of the demo accounts: staff by username ("clerk", "reviewer", "chief",
	// "signer", "head", "county.clerk", "county.reviewer", "qingchuan.clerk"), applicants by their
	// ID number or credit code.
	Users map[string]string
	// Windows are the windows of each hall, by the hall's key.
	Windows map[string][]WindowChoice
	// Items are the ids of the catalogue's items to spread the cases over: leaf items that
	// accept cases. Items whose version or route cannot be found today are left out.
	Items []string
	// Cases is how many cases the year holds; 0 means DemoCases.
	Cases int
	// Seed makes a different (but still repeatable) year; 0 is the default one.
	Seed uint64
}

// DemoCases is the size of the demo year.
const DemoCases = 30000

// demoApplicant is the demo account 刘思远 (package demo), whose cases the browser tests open.
const demoApplicantID = "369902198806150314"

// DemoStats reports a demo load.
type DemoStats struct {
	Cases, Open, Events, Tasks int
	Elapsed                    time.Duration
}

// DemoStep adds the demo year. It runs as the system in one transaction.
func (s *Service) DemoStep(ctx context.Context, env DemoEnv) error {
	_, err := s.LoadDemo(ctx, env)
	return err
}

// LoadDemo is DemoStep that reports what it wrote.
func (s *Service) LoadDemo(ctx context.Context, env DemoEnv) (DemoStats, error) {
	start := time.Now()
	g, err := s.newDemoGen(ctx, env)
	if err != nil {
		return DemoStats{}, err
	}
	plans := g.plan()
	err = s.d.Tx(ctx, func(tx *sql.Tx) error {
		if err := g.number(ctx, tx, plans); err != nil {
			return err
		}
		w := &demoWriter{st: s.st, ctx: ctx, tx: tx}
		for i, p := range plans {
			m, err := g.play(p)
			if err != nil {
				return fmt.Errorf("cases demo: case %d (%s): %w", i, p.item.it.Name, err)
			}
			w.add(m)
			if w.pending() > 4000 {
				if err := w.flush(); err != nil {
					return err
				}
			}
		}
		if err := w.flush(); err != nil {
			return err
		}
		g.stats = w.stats
		return s.audit.Append(ctx, tx, audit.Record{Chain: audit.ShardChain("cases", "demo", s.cfg.AuditShards),
			Actor: audit.SystemActor, ActorName: audit.SystemActor, Role: string(roleSystem), Action: "case.demo",
			Subject: "cases", Detail: map[string]any{"cases": w.stats.Cases, "events": w.stats.Events}, At: s.clock()})
	})
	if err != nil {
		return DemoStats{}, err
	}
	g.stats.Elapsed = time.Since(start)
	return g.stats, nil
}

// ---- the cast ----

type demoItem struct {
	it      Item
	decider Unit
	online  Unit   // the hall (or unit) that receives its online applications
	halls   []Unit // halls whose windows may receive it
	steps   []Step
}

type demoActor struct {
	id, name string
	role     auth.Role
	real     bool
}

type demoGen struct {
	s      *Service
	ctx    context.Context
	env    DemoEnv
	rnd    *rand.Rand
	cal    *workday.Calendar
	today  workday.Date
	now    time.Time
	items  []*demoItem
	halls  map[string]Unit // id -> hall
	staff  map[string]map[auth.Role][]demoActor
	people []ApplicantInput
	orgs   []ApplicantInput
	owners map[string]string // ID number -> account, for the demo applicants
	file   File
	stats  DemoStats
}

var demoSurnames = []rune("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤")
var demoGiven = []string{"伟", "芳", "娜", "秀英", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛", "明", "超",
	"秀兰", "霞", "平", "刚", "桂英", "建华", "文", "华", "红", "志强", "晓燕", "海燕", "宇", "欣怡", "子涵", "浩然", "梓轩", "思远",
	"雨桐", "佳怡", "俊杰", "建国", "丽娟", "春梅", "国平", "晓东", "立新", "振华", "玉兰", "德胜", "晨曦", "一鸣"}
var demoOrgWords = []string{"鼎盛", "恒通", "瑞丰", "华泰", "嘉禾", "润泽", "兴隆", "宏远", "德馨", "永康", "蓝海", "星辰", "云帆",
	"金穗", "百川", "青禾", "启航", "博远", "同创", "聚源"}
var demoOrgKinds = []string{"餐饮管理有限公司", "商贸有限公司", "科技有限公司", "建筑工程有限公司", "食品有限公司", "医药连锁有限公司",
	"物流有限公司", "文化传媒有限公司", "农业专业合作社", "环保科技有限公司"}

// demoRegions are the 6-digit region codes of the demo city's people.
var demoRegions = []string{"369902", "369903", "369921", "369922", "369923", "369981", "369971", "369900"}

func (s *Service) newDemoGen(ctx context.Context, env DemoEnv) (*demoGen, error) {
	if env.Cases <= 0 {
		env.Cases = DemoCases
	}
	seed := env.Seed
	if seed == 0 {
		seed = 20260101
	}
	g := &demoGen{s: s, ctx: ctx, env: env, rnd: rand.New(rand.NewPCG(seed, 0x6f6e657374616d70)), cal: s.calendar(),
		today: s.today(), now: s.clock(), halls: map[string]Unit{}, staff: map[string]map[auth.Role][]demoActor{},
		owners: map[string]string{}}
	for _, key := range []string{"city.hall", "donghu.hall", "qingchuan.hall"} {
		if u, ok := env.Units[key]; ok {
			g.halls[u.ID] = u
		}
	}
	cityHall, ok := env.Units["city.hall"]
	if !ok {
		return nil, fmt.Errorf("cases demo: the unit city.hall is missing; was the org step run?")
	}
	for _, id := range env.Items {
		it, err := s.cat.ItemAt(ctx, id, g.today)
		if err != nil || it.Cancelled {
			continue
		}
		dec, err := s.cat.Decider(ctx, id, it.RegionCode, g.today)
		if err != nil {
			continue
		}
		di := &demoItem{it: it, decider: dec, online: dec, steps: reviewSteps(it)}
		if slices.ContainsFunc(di.steps, func(st Step) bool {
			return st.Role != "" && !slices.Contains(staffDeciders, st.Role)
		}) {
			continue // a step no reviewer, chief or signer could take: the service could not run it either
		}
		if it.AcceptUnit != "" {
			if u, err := s.cat.Unit(ctx, it.AcceptUnit); err == nil {
				di.online = u
			}
		}
		for _, h := range g.halls {
			local := auth.RegionScope(h.RegionCode).Allows(it.RegionCode, "", "")
			if local || it.CityWide {
				di.halls = append(di.halls, h)
			}
		}
		if len(di.halls) == 0 {
			di.halls = []Unit{cityHall}
		}
		sort.Slice(di.halls, func(i, j int) bool { return di.halls[i].ID < di.halls[j].ID })
		g.items = append(g.items, di)
	}
	if len(g.items) == 0 {
		return nil, fmt.Errorf("cases demo: none of the %d items can take cases; was the catalogue step run?", len(env.Items))
	}
	g.cast()
	g.applicants()
	return g, g.demoFile(ctx)
}

// cast puts the demo accounts at their units and adds made-up colleagues, so that most of a
// year's work is not done by the five people a visitor logs in as.
func (g *demoGen) cast() {
	real := []struct {
		user, unit string
		roles      []auth.Role
	}{
		{"clerk", "city.hall", []auth.Role{auth.Clerk}}, {"county.clerk", "donghu.hall", []auth.Role{auth.Clerk}},
		{"qingchuan.clerk", "qingchuan.hall", []auth.Role{auth.Clerk}},
		{"reviewer", "city.bureau", []auth.Role{auth.Reviewer}}, {"chief", "city.bureau", []auth.Role{auth.Chief, auth.Reviewer}},
		{"signer", "city.bureau", []auth.Role{auth.Signer}}, {"head", "city.bureau", []auth.Role{auth.Head}},
		{"county.reviewer", "donghu.bureau", []auth.Role{auth.Reviewer}},
		{"police.reviewer", "dept.police", []auth.Role{auth.Reviewer}},
	}
	names := map[string]string{"clerk": "林晓燕", "county.clerk": "黄丽娟", "qingchuan.clerk": "唐美玲", "reviewer": "郑海涛",
		"chief": "吴建国", "signer": "何雅琴", "head": "罗志远", "county.reviewer": "蔡志强",
		"police.reviewer": "汪建平"}
	for _, r := range real {
		u, ok := g.env.Units[r.unit]
		id, ok2 := g.env.Users[r.user]
		if !ok || !ok2 {
			continue
		}
		for _, role := range r.roles {
			g.addStaff(u.ID, demoActor{id: id, name: names[r.user], role: role, real: true})
		}
	}
	n := 0
	for _, di := range g.items {
		units := append([]Unit{di.decider}, di.halls...)
		for _, id := range di.it.JointDepts {
			units = append(units, Unit{ID: id})
		}
		for _, u := range units {
			roles := []auth.Role{auth.Reviewer, auth.Chief, auth.Signer, auth.Head}
			if _, hall := g.halls[u.ID]; hall {
				roles = []auth.Role{auth.Clerk}
			} else if slices.Contains(di.it.JointDepts, u.ID) {
				roles = []auth.Role{auth.Reviewer} // a joint department gives opinions only
			}
			for _, role := range roles {
				want := 3
				if role == auth.Signer || role == auth.Head || role == auth.Chief {
					want = 1
				}
				for len(g.staff[u.ID][role]) < want+len(realOf(g.staff[u.ID][role])) {
					n++
					name := string(demoSurnames[(n*7)%len(demoSurnames)]) + demoGiven[(n*11)%len(demoGiven)]
					id := fmt.Sprintf("00000000-demo-%04x-%04x-%012x", n, 0, n)
					g.addStaff(u.ID, demoActor{id: id, name: name, role: role})
				}
			}
		}
	}
}

func realOf(as []demoActor) []demoActor {
	var out []demoActor
	for _, a := range as {
		if a.real {
			out = append(out, a)
		}
	}
	return out
}

func (g *demoGen) addStaff(unit string, a demoActor) {
	if g.staff[unit] == nil {
		g.staff[unit] = map[auth.Role][]demoActor{}
	}
	if !slices.ContainsFunc(g.staff[unit][a.role], func(x demoActor) bool { return x.id == a.id }) {
		g.staff[unit][a.role] = append(g.staff[unit][a.role], a)
	}
}

// who picks a member of staff with a role at a unit; the demo accounts do about a third of it.
func (g *demoGen) who(unit string, role auth.Role) demoActor {
	as := g.staff[unit][role]
	if len(as) == 0 {
		return demoActor{id: "00000000-demo-0000-0000-000000000000", name: "示范", role: role}
	}
	if r := realOf(as); len(r) > 0 && g.rnd.IntN(3) == 0 {
		return r[g.rnd.IntN(len(r))]
	}
	return as[g.rnd.IntN(len(as))]
}

// applicants makes up people and organisations (in the made-up region 3699, so nobody's).
func (g *demoGen) applicants() {
	for i := 0; i < 2500; i++ {
		region := demoRegions[i%len(demoRegions)]
		birth := time.Date(1955+g.rnd.IntN(48), time.Month(1+g.rnd.IntN(12)), 1+g.rnd.IntN(28), 0, 0, 0, 0, time.UTC)
		first17 := fmt.Sprintf("%s%s%03d", region, birth.Format("20060102"), g.rnd.IntN(1000))
		c, _ := ident.IDCardCheckChar(first17)
		name := string(demoSurnames[g.rnd.IntN(len(demoSurnames))]) + demoGiven[g.rnd.IntN(len(demoGiven))]
		g.people = append(g.people, ApplicantInput{Type: SubjectPerson, Name: name, IDNumber: first17 + string(c),
			Mobile: fmt.Sprintf("139%08d", 10000000+g.rnd.IntN(89999999))})
	}
	for i := 0; i < 800; i++ {
		name := "示范" + demoOrgWords[i%len(demoOrgWords)] + demoOrgWords[(i/len(demoOrgWords)+3)%len(demoOrgWords)] +
			demoOrgKinds[(i*7)%len(demoOrgKinds)]
		g.orgs = append(g.orgs, ApplicantInput{Type: SubjectOrg, Name: name, IDNumber: demoUSCC(demoRegions[i%len(demoRegions)], 5000+i),
			Mobile: fmt.Sprintf("138%08d", 10000000+g.rnd.IntN(89999999))})
	}
	for id, acc := range g.env.Users {
		if ident.Check(id, g.now).Valid {
			g.owners[id] = acc
		}
	}
}

// demoUSCC makes a well-formed 统一社会信用代码 of a made-up enterprise.
func demoUSCC(region6 string, seq int) string {
	body := fmt.Sprintf("MA%06d", seq)
	weights := [8]int{3, 7, 9, 10, 5, 8, 4, 2}
	sum := 0
	for i := 0; i < 8; i++ {
		ch := body[i]
		v := int(ch - '0')
		if ch >= 'A' && ch <= 'Z' {
			v = int(ch-'A') + 10
		}
		sum += v * weights[i]
	}
	var oc byte
	switch d := 11 - sum%11; d {
	case 10:
		oc = 'X'
	case 11:
		oc = '0'
	default:
		oc = byte('0' + d)
	}
	first17 := "91" + region6 + body + string(oc)
	c, _ := ident.USCCCheckChar(first17)
	return first17 + string(c)
}

// demoFile stores the one scan every demo material points at: a page that says what it is.
func (g *demoGen) demoFile(ctx context.Context) error {
	d := pdfdoc.New(pdfdoc.Options{Title: "示范材料", Created: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)})
	d.Title("示范材料")
	d.Paragraph("本文件是演示数据中的申请材料扫描件，不含任何真实信息。")
	b, err := d.Bytes()
	if err != nil {
		return err
	}
	sum := sha256.Sum256(b)
	g.file = File{Hash: hex.EncodeToString(sum[:]), Size: int64(len(b)), Kind: string(blob.PDF), Name: "示范材料.pdf"}
	if g.s.blobs != nil {
		info, err := g.s.blobs.Put(ctx, bytes.NewReader(b), "demo.pdf")
		if err != nil {
			return err
		}
		g.file.Hash, g.file.Size, g.file.Kind = info.Hash, info.Size, string(info.Kind)
	}
	return nil
}

// ---- planning ----

// demoOutcome is how a planned case ends.
type demoOutcome int

const (
	endApprove demoOutcome = iota
	endDeny
	endReject
	endWithdraw
	endTerminate
)

// demoPlan is one case's life before it is played.
type demoPlan struct {
	item      *demoItem
	online    bool
	hall      Unit
	window    string
	applicant ApplicantInput
	owner     string
	start     workday.Date
	end       demoOutcome
	// what happens on the way
	correction, pending, suspend, ret, inspect, extend, late, claim bool
	// the number, once reserved
	no      string
	noDay   workday.Date
	noReg   string
	special bool // a case written for the demo accounts
}

// plan draws the year's cases. Start dates are spread over the last 365 days, busier on
// Mondays and after holidays, quieter in summer; recent ones are still open.
func (g *demoGen) plan() []*demoPlan {
	n := g.env.Cases
	first := g.today.AddDays(-365)
	var days []workday.Date
	for d := first; d <= g.today; d++ {
		if ok, err := g.cal.IsWorkday(g.s.cfgRegion(), d); err == nil && ok {
			days = append(days, d)
		}
	}
	var out []*demoPlan
	for i := 0; i < n; i++ {
		di := g.items[g.pickItem()]
		p := &demoPlan{item: di, start: days[g.rnd.IntN(len(days))]}
		if d := days[len(days)-1-g.rnd.IntN(min(25, len(days)))]; g.rnd.IntN(100) < 6 {
			p.start = d // the recent weeks are busier: these are the open cases
		}
		g.shape(p)
		out = append(out, p)
	}
	out = append(out, g.specials(days)...)
	sort.SliceStable(out, func(i, j int) bool { return out[i].start < out[j].start })
	return out
}

// cfgRegion is the region whose calendar the demo plans days with (the city's).
func (s *Service) cfgRegion() string { return "369900000000" }

func (g *demoGen) pickItem() int {
	// A few items carry most of the work (企业开办, 食品经营 …): a skewed pick.
	k := len(g.items)
	i := int(float64(k) * g.rnd.Float64() * g.rnd.Float64())
	return min(i, k-1)
}

// shape draws a plan's channel, applicant and story.
func (g *demoGen) shape(p *demoPlan) {
	di := p.item
	p.online = g.rnd.IntN(100) < 38
	p.hall = di.halls[g.rnd.IntN(len(di.halls))]
	if ws := g.windowsOf(p.hall.ID); len(ws) > 0 {
		p.window = ws[g.rnd.IntN(len(ws))].ID
	}
	if g.rnd.IntN(100) < 35 {
		p.applicant = g.orgs[g.rnd.IntN(len(g.orgs))]
	} else {
		p.applicant = g.people[g.rnd.IntN(len(g.people))]
	}
	if p.online {
		p.owner = fmt.Sprintf("00000000-demo-acct-%04x-%08x", g.rnd.IntN(1<<16), g.rnd.Uint32())
	}
	r := g.rnd.IntN(1000)
	switch {
	case r < 30:
		p.end = endReject
	case r < 60:
		p.end = endWithdraw
	case r < 78:
		p.end = endTerminate
	case r < 118:
		p.end = endDeny
	default:
		p.end = endApprove
	}
	p.correction = g.rnd.IntN(100) < 12 || p.end == endTerminate && g.rnd.IntN(2) == 0
	instant := di.it.Kind == KindInstant
	p.pending = !instant && slices.ContainsFunc(di.it.Materials, func(m MaterialSpec) bool { return m.PendingAllowed }) &&
		g.rnd.IntN(100) < 6
	hasSuspend := true
	p.suspend = !instant && hasSuspend && g.rnd.IntN(100) < 3
	p.ret = !instant && len(di.steps) > 1 && g.rnd.IntN(100) < 3
	p.inspect = !instant && g.rnd.IntN(100) < 2
	p.extend = !instant && g.rnd.IntN(1000) < 8
	p.late = !instant && g.rnd.IntN(1000) < 8
	p.claim = g.rnd.IntN(2) == 0
}

func (g *demoGen) windowsOf(hallID string) []WindowChoice {
	for key, ws := range g.env.Windows {
		if u, ok := g.env.Units[key]; ok && u.ID == hallID {
			return ws
		}
	}
	return nil
}

// specials are the cases the demo accounts find when they log in: the applicant 刘思远's own,
// a few in each state at the city hall and bureau.
func (g *demoGen) specials(days []workday.Date) []*demoPlan {
	var out []*demoPlan
	city, ok := g.env.Units["city.hall"]
	if !ok {
		return nil
	}
	var local []*demoItem
	for _, di := range g.items {
		if slices.ContainsFunc(di.halls, func(u Unit) bool { return u.ID == city.ID }) && di.it.Kind != KindInstant {
			local = append(local, di)
		}
	}
	if len(local) == 0 {
		return nil
	}
	ago := func(n int) workday.Date { return days[max(0, len(days)-1-n)] }
	add := func(i int, start workday.Date, online bool, end demoOutcome, f func(p *demoPlan)) {
		p := &demoPlan{item: local[i%len(local)], start: start, end: end, special: true}
		g.shape(p)
		p.online, p.end, p.hall = online, end, city
		p.correction, p.pending, p.suspend, p.ret, p.inspect, p.extend, p.late = false, false, false, false, false, false, false
		if online && p.owner == "" {
			p.owner = fmt.Sprintf("00000000-demo-acct-%04x-%08x", g.rnd.IntN(1<<16), g.rnd.Uint32())
		}
		if f != nil {
			f(p)
		}
		out = append(out, p)
	}
	me := ApplicantInput{Type: SubjectPerson, Name: "刘思远", IDNumber: demoApplicantID, Mobile: "13900000001"}
	if acc, ok := g.owners[demoApplicantID]; ok {
		mine := func(p *demoPlan) { p.applicant, p.owner = me, acc }
		add(0, ago(40), false, endApprove, mine)                                                        // concluded and delivered
		add(1, ago(3), true, endApprove, mine)                                                          // in review
		add(2, ago(1), true, endApprove, func(p *demoPlan) { mine(p); p.correction = true })            // waiting for his correction
		add(3, ago(70), false, endDeny, mine)                                                           // denied
		add(4, ago(12), false, endApprove, func(p *demoPlan) { mine(p); p.pending = p.item.canPend() }) // owes a material
	}
	for i := 0; i < 6; i++ {
		add(i, ago(i%3), i%2 == 0, endApprove, nil) // just received: the clerk's intake queue
		add(i+1, ago(2+i), false, endApprove, func(p *demoPlan) { p.claim = true })
		add(i+2, ago(14+i), false, endApprove, nil) // near the due date: 预警
		add(i+3, ago(1), false, endApprove, func(p *demoPlan) { p.correction = true })
	}
	for i := 0; i < 3; i++ {
		add(i, ago(8), false, endApprove, func(p *demoPlan) { p.suspend = true })
		add(i+4, ago(30+i), false, endApprove, func(p *demoPlan) { p.late = true })
	}
	return out
}

func (di *demoItem) canPend() bool {
	return slices.ContainsFunc(di.it.Materials, func(m MaterialSpec) bool { return m.PendingAllowed })
}

// number reserves the case numbers of the year, region and day by region and day, the way the
// service reserves them (case_no_blocks), so that numbers issued later never collide.
func (g *demoGen) number(ctx context.Context, tx *sql.Tx, plans []*demoPlan) error {
	count := map[string]int{}
	for _, p := range plans {
		recv := p.hall
		if p.online {
			recv = p.item.online
		}
		p.noReg, p.noDay = recv.RegionCode, p.start
		count[noPrefix(recv.RegionCode, p.start)]++
	}
	next := map[string]int64{}
	prefixes := make([]string, 0, len(count))
	for k := range count {
		prefixes = append(prefixes, k)
	}
	sort.Strings(prefixes)
	for _, prefix := range prefixes {
		last, err := g.s.st.reserveNos(ctx, tx, prefix, count[prefix])
		if err != nil {
			return err
		}
		next[prefix] = last - int64(count[prefix]) + 1
	}
	for _, p := range plans {
		prefix := noPrefix(p.noReg, p.noDay)
		p.no = formatCaseNo(prefix, next[prefix])
		next[prefix]++
	}
	return nil
}

// errDemoStop ends a played case at the present.
var errDemoStop = errs.New(errs.Conflict, "cases.demo.now")
