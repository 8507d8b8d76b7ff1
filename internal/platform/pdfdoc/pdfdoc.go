// Package pdfdoc writes the A4 documents of every domain — notices, decisions, receipts and
// certificates — with an embedded TrueType CJK font (subset into each file), headings, wrapped
// paragraphs, tables, the bureau's seal drawn from its name, QR codes and page numbers. It knows
// nothing of cases or certificates: a domain lays its document out with these calls.
//
//	d := pdfdoc.New(pdfdoc.Options{Title: "受理通知书"})
//	d.Title("受理通知书")
//	d.Paragraph("……")
//	d.Signature(pdfdoc.Signature{Org: "某市行政审批局", Date: "2026年3月5日", Seal: true})
//	pdf, err := d.Bytes()
package pdfdoc

import (
	"bytes"
	_ "embed"
	"fmt"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/go-pdf/fpdf"
)

// The font: "AR PL SungtiL GB" (Arphic Public License, see fonts/). It is the only face, so
// emphasis is by size, never by a bold face the font does not have.
//
//go:embed fonts/gbsn00lp.ttf
var fontTTF []byte

const family = "sung"

// A4 in millimetres, and the margins every document uses.
const (
	PageWidth  = 210.0
	PageHeight = 297.0
	Margin     = 20.0
	bottom     = 22.0 // room for the footer
)

// Sizes in points.
const (
	SizeTitle = 20.0
	SizeH1    = 16.0
	SizeH2    = 13.0
	SizeBody  = 11.0
	SizeSmall = 9.0
)

// Red is the colour of seals.
var Red = RGB{R: 200, G: 22, B: 29}

// RGB is a colour.
type RGB struct{ R, G, B int }

// Options describe a document.
type Options struct {
	Title   string // document metadata
	Subject string
	Author  string // normally the bureau
	// Footer is printed at the bottom left of every page (a document number, a case number).
	Footer string
	// PageNumbers prints "第 n 页 共 m 页" (or PageFormat) at the bottom right of every page.
	PageNumbers bool
	// PageFormat formats a page number with the page count; default "第 %d 页 共 %d 页".
	PageFormat string
	// Created is stamped as the creation date; zero means now. Fixing it makes output repeatable.
	Created time.Time
}

// Doc is a document being written. Its methods record the first error and turn into no-ops
// after it; Bytes returns it.
type Doc struct {
	f      *fpdf.Fpdf
	opt    Options
	widths map[rune]float64 // per font size in points ×100 → see width()
	wsize  float64
}

// New starts a document with its first page.
func New(opt Options) *Doc {
	f := fpdf.New("P", "mm", "A4", "")
	f.SetCompression(true)
	f.AddUTF8FontFromBytes(family, "", fontTTF)
	created := opt.Created
	if created.IsZero() {
		created = time.Now()
	}
	f.SetCreationDate(created)
	f.SetModificationDate(created)
	f.SetCatalogSort(true)
	f.SetProducer("onestamp", true)
	if opt.Title != "" {
		f.SetTitle(opt.Title, true)
	}
	if opt.Subject != "" {
		f.SetSubject(opt.Subject, true)
	}
	if opt.Author != "" {
		f.SetAuthor(opt.Author, true)
		f.SetCreator(opt.Author, true)
	}
	f.SetMargins(Margin, Margin, Margin)
	f.SetAutoPageBreak(true, bottom)
	f.SetCellMargin(1.5)
	d := &Doc{f: f, opt: opt}
	f.AddPage()
	d.font(SizeBody)
	return d
}

// Err returns the first error met so far.
func (d *Doc) Err() error { return d.f.Error() }

func (d *Doc) font(size float64) {
	d.f.SetFont(family, "", size)
	if size != d.wsize {
		d.wsize = size
		d.widths = map[rune]float64{}
	}
}

// width returns the width in mm of r at the current size.
func (d *Doc) width(r rune) float64 {
	if w, ok := d.widths[r]; ok {
		return w
	}
	w := d.f.GetStringWidth(string(r))
	d.widths[r] = w
	return w
}

// TextWidth returns the width in mm of s at size points.
func (d *Doc) TextWidth(s string, size float64) float64 {
	d.font(size)
	var w float64
	for _, r := range s {
		w += d.width(r)
	}
	return w
}

// lineHeight is the baseline distance of a size, in mm.
func lineHeight(size float64) float64 { return size * 0.3528 * 1.55 }

// ContentWidth is the width between the margins.
func (d *Doc) ContentWidth() float64 { return PageWidth - 2*Margin }

// Y returns the vertical position of the next line, in mm from the top of the page.
func (d *Doc) Y() float64 { return d.f.GetY() }

// SetY moves the next line to y mm from the top of the page.
func (d *Doc) SetY(y float64) { d.f.SetY(y) }

// Page returns the number of the current page (1 first).
func (d *Doc) Page() int { return d.f.PageNo() }

// NewPage starts a new page.
func (d *Doc) NewPage() { d.f.AddPage() }

// Space adds vertical space.
func (d *Doc) Space(mm float64) { d.f.SetY(d.f.GetY() + mm) }

// ensure starts a new page unless h mm still fit on this one.
func (d *Doc) ensure(h float64) {
	if d.f.GetY()+h > PageHeight-bottom {
		d.f.AddPage()
	}
}

// Align is the horizontal alignment of text.
type Align int

const (
	Left Align = iota
	Center
	Right
)

// Style is how a block of text is set.
type Style struct {
	Size   float64 // points; SizeBody when 0
	Align  Align
	Indent float64 // first-line indent in mm (Chinese prose indents two characters)
	Color  RGB     // black when zero
	Before float64 // space before, mm
	After  float64 // space after, mm
}

// Title writes the document title, centred and large.
func (d *Doc) Title(text string) {
	d.Block(text, Style{Size: SizeTitle, Align: Center, After: 4})
}

// Heading writes a heading: level 1 is centred, 2 and 3 flush left.
func (d *Doc) Heading(level int, text string) {
	switch level {
	case 1:
		d.Block(text, Style{Size: SizeH1, Align: Center, Before: 2, After: 2})
	case 2:
		d.Block(text, Style{Size: SizeH2, Before: 3, After: 1})
	default:
		d.Block(text, Style{Size: SizeBody, Before: 2})
	}
}

// Paragraph writes body text with a two-character first-line indent.
func (d *Doc) Paragraph(text string) {
	d.Block(text, Style{Size: SizeBody, Indent: 2 * d.TextWidth("中", SizeBody), After: 1})
}

// Line writes one block of body text without indent.
func (d *Doc) Line(text string) { d.Block(text, Style{Size: SizeBody}) }

// Block writes text in a style, wrapped to the content width; "\n" starts a new line.
func (d *Doc) Block(text string, st Style) {
	if d.Err() != nil {
		return
	}
	size := st.Size
	if size == 0 {
		size = SizeBody
	}
	d.Space(st.Before)
	d.font(size)
	d.f.SetTextColor(st.Color.R, st.Color.G, st.Color.B)
	lh := lineHeight(size)
	for pi, para := range strings.Split(text, "\n") {
		indent := 0.0
		if pi == 0 || st.Indent > 0 {
			indent = st.Indent
		}
		for li, ln := range d.wrap(para, d.ContentWidth(), indent) {
			d.ensure(lh)
			x := Margin
			if li == 0 {
				x += indent
			}
			w := d.TextWidth(ln, size)
			switch st.Align {
			case Center:
				x = (PageWidth - w) / 2
			case Right:
				x = PageWidth - Margin - w
			}
			y := d.f.GetY()
			d.f.Text(x, y+lh*0.72, ln)
			d.f.SetY(y + lh)
		}
	}
	d.f.SetTextColor(0, 0, 0)
	d.Space(st.After)
}

// closing punctuation never starts a line: it hangs at the end of the previous one.
func closing(r rune) bool {
	return strings.ContainsRune("，。、；：？！）》」』】〕,.;:?!)]}％%", r)
}

func wide(r rune) bool {
	return r >= 0x2E80 || unicode.Is(unicode.Han, r)
}

// wrap breaks s into lines of at most w mm (the first line w-indent): between any two wide
// (CJK) characters, at spaces between Latin words, and inside a Latin word only when it is
// longer than a line.
func (d *Doc) wrap(s string, w, indent float64) []string {
	if s == "" {
		return []string{""}
	}
	// Tokens: a wide rune alone, or a run of narrow non-space runes, or one space.
	var toks []string
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		if wide(r) || r == ' ' {
			toks = append(toks, s[i:i+n])
			i += n
			continue
		}
		j := i + n
		for j < len(s) {
			r2, n2 := utf8.DecodeRuneInString(s[j:])
			if wide(r2) || r2 == ' ' {
				break
			}
			j += n2
		}
		toks = append(toks, s[i:j])
		i = j
	}
	var lines []string
	var cur strings.Builder
	curW, limit := 0.0, w-indent
	flush := func() {
		lines = append(lines, strings.TrimRight(cur.String(), " "))
		cur.Reset()
		curW, limit = 0, w
	}
	for _, t := range toks {
		tw := 0.0
		for _, r := range t {
			tw += d.width(r)
		}
		first, _ := utf8.DecodeRuneInString(t)
		switch {
		case curW+tw <= limit || (closing(first) && utf8.RuneCountInString(t) == 1):
		case t == " ":
			flush()
			continue
		case tw > w:
			// A word longer than a line: break it wherever it must.
			for _, r := range t {
				if curW+d.width(r) > limit && cur.Len() > 0 {
					flush()
				}
				cur.WriteRune(r)
				curW += d.width(r)
			}
			continue
		default:
			if cur.Len() > 0 {
				flush()
			}
		}
		if cur.Len() == 0 && t == " " {
			continue
		}
		cur.WriteString(t)
		curW += tw
	}
	if cur.Len() > 0 || len(lines) == 0 {
		flush()
	}
	return lines
}

// Field is one row of a label–value list.
type Field struct {
	Label string
	Value string
}

// Fields writes a two-column table of labels and values with ruled borders; the label column
// is labelWidth mm wide (35 when 0).
func (d *Doc) Fields(rows []Field, labelWidth float64) {
	if labelWidth == 0 {
		labelWidth = 35
	}
	t := Table{Widths: []float64{labelWidth, d.ContentWidth() - labelWidth}, Shade: []bool{true, false}}
	for _, r := range rows {
		t.Rows = append(t.Rows, []string{r.Label, r.Value})
	}
	d.Table(t)
}

// Table is a ruled table.
type Table struct {
	Header []string   // repeated at the top of each page; none when empty
	Rows   [][]string // cell texts, wrapped inside their column
	// Widths of the columns in mm; shared equally over the content width when nil. When they
	// do not add up to the content width they are scaled to it.
	Widths []float64
	Size   float64 // points; SizeBody when 0
	Shade  []bool  // columns with a light grey background (labels)
}

// Table writes t, breaking between rows across pages.
func (d *Doc) Table(t Table) {
	if d.Err() != nil {
		return
	}
	cols := len(t.Header)
	for _, r := range t.Rows {
		cols = max(cols, len(r))
	}
	if cols == 0 {
		return
	}
	size := t.Size
	if size == 0 {
		size = SizeBody
	}
	widths := make([]float64, cols)
	total := 0.0
	for i := range widths {
		if i < len(t.Widths) && t.Widths[i] > 0 {
			widths[i] = t.Widths[i]
		} else {
			widths[i] = d.ContentWidth() / float64(cols)
		}
		total += widths[i]
	}
	for i := range widths {
		widths[i] *= d.ContentWidth() / total
	}
	d.font(size)
	lh := lineHeight(size)
	pad := 1.5
	row := func(cells []string, header bool) {
		wrapped := make([][]string, cols)
		n := 1
		for i := range cols {
			txt := ""
			if i < len(cells) {
				txt = cells[i]
			}
			var ls []string
			for _, p := range strings.Split(txt, "\n") {
				ls = append(ls, d.wrap(p, widths[i]-2*pad, 0)...)
			}
			wrapped[i] = ls
			n = max(n, len(ls))
		}
		h := float64(n)*lh + 2*pad
		if d.f.GetY()+h > PageHeight-bottom {
			d.f.AddPage()
			if !header && len(t.Header) > 0 {
				d.tableRow(t.Header, widths, true, size, lh, pad, t.Shade)
			}
		}
		d.drawRow(wrapped, widths, header, h, lh, pad, t.Shade)
	}
	if len(t.Header) > 0 {
		row(t.Header, true)
	}
	for _, r := range t.Rows {
		row(r, false)
	}
	d.Space(2)
}

func (d *Doc) tableRow(cells []string, widths []float64, header bool, size, lh, pad float64, shade []bool) {
	wrapped := make([][]string, len(widths))
	n := 1
	for i := range widths {
		if i < len(cells) {
			wrapped[i] = d.wrap(cells[i], widths[i]-2*pad, 0)
		}
		n = max(n, len(wrapped[i]))
	}
	d.drawRow(wrapped, widths, header, float64(n)*lh+2*pad, lh, pad, shade)
}

func (d *Doc) drawRow(cells [][]string, widths []float64, header bool, h, lh, pad float64, shade []bool) {
	y := d.f.GetY()
	x := Margin
	d.f.SetDrawColor(90, 90, 90)
	d.f.SetLineWidth(0.2)
	for i, w := range widths {
		style := "D"
		if header || (i < len(shade) && shade[i]) {
			d.f.SetFillColor(238, 238, 238)
			style = "FD"
		}
		d.f.Rect(x, y, w, h, style)
		for j, ln := range cells[i] {
			tx := x + pad
			if header {
				tx = x + (w-d.TextWidth(ln, d.wsize))/2
			}
			d.f.Text(tx, y+pad+float64(j)*lh+lh*0.72, ln)
		}
		x += w
	}
	d.f.SetY(y + h)
}

// Signature is the closing block of a notice, decision or certificate: the issuing organisation
// and the date, right-aligned, with the seal stamped over them.
type Signature struct {
	Label string // printed above the organisation, e.g. "发证机关（盖章）"; none when empty
	Org   string
	Date  string
	Seal  bool   // stamp the organisation's seal
	Title string // the seal's title; DefaultSealTitle when empty
}

// Signature writes s at the right of the page.
func (d *Doc) Signature(s Signature) {
	if d.Err() != nil {
		return
	}
	lh := lineHeight(SizeBody + 1)
	h := 3*lh + 10
	if s.Seal {
		h = max(h, 46)
	}
	d.ensure(h)
	d.Space(6)
	y0 := d.f.GetY()
	w := max(d.TextWidth(s.Org, SizeBody+1), d.TextWidth(s.Date, SizeBody+1), d.TextWidth(s.Label, SizeBody+1))
	right := PageWidth - Margin - 8
	for _, ln := range []string{s.Label, s.Org, s.Date} {
		if ln == "" {
			continue
		}
		d.font(SizeBody + 1)
		lw := d.TextWidth(ln, SizeBody+1)
		y := d.f.GetY()
		d.f.Text(right-w+(w-lw)/2, y+lh*0.72, ln)
		d.f.SetY(y + lh)
	}
	if s.Seal {
		cx := right - w/2
		cy := (y0 + d.f.GetY()) / 2
		d.Seal(cx, cy, 40, s.Org, s.Title)
	}
	d.f.SetY(max(d.f.GetY(), y0+h-6))
}

// Bytes finishes the document (footers and page numbers on every page) and returns it.
func (d *Doc) Bytes() ([]byte, error) {
	if err := d.Err(); err != nil {
		return nil, fmt.Errorf("pdfdoc: %w", err)
	}
	n := d.f.PageCount()
	if d.opt.Footer != "" || d.opt.PageNumbers {
		format := d.opt.PageFormat
		if format == "" {
			format = "第 %d 页 共 %d 页"
		}
		d.f.SetAutoPageBreak(false, 0)
		for p := 1; p <= n; p++ {
			d.f.SetPage(p)
			d.font(SizeSmall)
			d.f.SetTextColor(90, 90, 90)
			y := PageHeight - 12
			if d.opt.Footer != "" {
				d.f.Text(Margin, y, d.opt.Footer)
			}
			if d.opt.PageNumbers {
				s := fmt.Sprintf(format, p, n)
				d.f.Text(PageWidth-Margin-d.TextWidth(s, SizeSmall), y, s)
			}
		}
		d.f.SetTextColor(0, 0, 0)
	}
	var buf bytes.Buffer
	if err := d.f.Output(&buf); err != nil {
		return nil, fmt.Errorf("pdfdoc: %w", err)
	}
	return buf.Bytes(), nil
}
