package certs

import (
	"context"
	"fmt"

	"onestamp/internal/platform/auth"
	"onestamp/internal/platform/errs"
	"onestamp/internal/platform/pdfdoc"
	"onestamp/internal/platform/workday"
)

// PDF renders a certificate version for its holder, or for staff who may see it.
func (s *Service) PDF(ctx context.Context, id string) ([]byte, Cert, error) {
	v, ok := auth.FromContext(ctx)
	if !ok {
		return nil, Cert{}, errs.Unauth()
	}
	var c Cert
	if v.IsStaff() {
		r, err := s.st.cert(ctx, s.DB.Read, v.Scope(), id)
		if err != nil {
			return nil, Cert{}, err
		}
		var ok bool
		if c, ok = s.check(ctx, r); !ok {
			s.tampered(ctx, c, "pdf")
			return nil, Cert{}, errs.ConflictErr("certs.cert.invalid")
		}
	} else {
		var err error
		if c, err = s.Get(ctx, id); err != nil {
			return nil, Cert{}, err
		}
		if c.Status == Invalid {
			return nil, Cert{}, errs.ConflictErr("certs.cert.invalid")
		}
	}
	b, err := s.Render(ctx, c)
	return b, c, err
}

// chineseDate writes 2026-03-05 as 2026年3月5日.
func chineseDate(s string) string {
	d, err := workday.ParseDate(s)
	if err != nil {
		return s
	}
	y, m, dd := d.Civil()
	return fmt.Sprintf("%d年%d月%d日", y, int(m), dd)
}

// Render lays a certificate out on A4: its fields, the QR code that verifies it, and the
// issuer's seal over the issuer and date; a business licence from a chain gets an attached
// page listing the chain's permits.
func (s *Service) Render(ctx context.Context, c Cert) ([]byte, error) {
	t, ok := TypeOf(c.TypeCode)
	if !ok {
		return nil, errs.InvalidInput("certs.type.unknown").With("type", c.TypeCode)
	}
	u, err := s.VerifyURL(ctx, c)
	if err != nil {
		return nil, err
	}
	d := pdfdoc.New(pdfdoc.Options{Title: t.Name + " " + c.No, Subject: "电子证照", Author: c.Issuer,
		Footer: fmt.Sprintf("证照标识 %s  版本 %d  密钥 %s", c.ID, c.Version, c.KeyID), PageNumbers: true, Created: c.SignedAt})
	d.Title(t.Name)
	sub := "（电子证照）"
	switch c.Action {
	case ActionChange:
		sub = "（电子证照·变更）"
	case ActionRenew:
		sub = "（电子证照·延续）"
	case ActionCancel:
		sub = "（注销证明）"
	}
	d.Block(sub, pdfdoc.Style{Align: pdfdoc.Center, After: 4})
	idLabel := "统一社会信用代码"
	nameLabel := "名称"
	if c.Holder.Type == Person {
		idLabel, nameLabel = "公民身份号码", "姓名"
	}
	rows := []pdfdoc.Field{{Label: "证照编号", Value: c.No}, {Label: nameLabel, Value: c.Holder.Name},
		{Label: idLabel, Value: c.Holder.IDNumber}}
	for _, fd := range t.Fields {
		if v := c.Surface[fd.Key]; v != "" {
			rows = append(rows, pdfdoc.Field{Label: fd.Label, Value: v})
		}
	}
	validity := chineseDate(c.ValidFrom) + " 至 " + chineseDate(c.ValidTo)
	if c.ValidTo == "" {
		validity = chineseDate(c.ValidFrom) + " 起长期有效"
	}
	rows = append(rows, pdfdoc.Field{Label: "有效期", Value: validity})
	if c.CaseNo != "" {
		rows = append(rows, pdfdoc.Field{Label: "办件编号", Value: c.CaseNo})
	}
	d.Fields(rows, 42)
	y := d.Y()
	d.QRBlock(u, "扫描二维码或访问核验页面，查验本证照的真伪与当前状态。本证照由发证机关以SM2数字签名签发，与纸质证照具有同等法律效力。", 38)
	d.SetY(y)
	d.Signature(pdfdoc.Signature{Label: "发证机关（盖章）", Org: c.Issuer, Date: chineseDate(c.IssuedOn), Seal: true})
	if t.Licence && c.ChainID != "" {
		b, err := s.bundle(ctx, c)
		if err != nil {
			return nil, err
		}
		d.NewPage()
		d.Title("附页：一照含证许可清单")
		d.Paragraph("以下许可与本营业执照在同一“一件事”办理中取得。状态以扫码核验时的实时结果为准。")
		tbl := pdfdoc.Table{Header: []string{"证照名称", "证照编号", "有效期至", "状态"}, Widths: []float64{50, 55, 35, 30}}
		for _, e := range b {
			to := e.ValidTo
			if to == "" {
				to = "长期"
			}
			tbl.Rows = append(tbl.Rows, []string{e.TypeName, e.No, to, statusZH[e.Status]})
		}
		if len(b) == 0 {
			tbl.Rows = append(tbl.Rows, []string{"（暂无）", "", "", ""})
		}
		d.Table(tbl)
		d.QRBlock(u, "扫码查看本执照所含许可的实时状态", 38)
	}
	return d.Bytes()
}

// statusZH names a status on paper (the PDF is always in Chinese, like the licence itself).
var statusZH = map[Status]string{Valid: "有效", Expired: "已过期", Superseded: "已被替代", Revoked: "已撤销", Cancelled: "已注销",
	Unknown: "未找到", Invalid: "无效"}
