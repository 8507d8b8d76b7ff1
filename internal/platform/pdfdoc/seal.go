package pdfdoc

import (
	"math"
	"unicode/utf8"

	"github.com/go-pdf/fpdf"
)

// DefaultSealTitle is the title in the middle of the bureau's one seal.
const DefaultSealTitle = "行政审批专用章"

// Seal stamps the seal of org centred at (cx, cy) mm with the given diameter: a red ring, the
// organisation's name round the top, a five-pointed star in the middle and the title across the
// bottom — drawn as vectors from the name, never copied from an image. It is a picture of the
// seal; the certificate's proof is its digital signature.
func (d *Doc) Seal(cx, cy, diameter float64, org, title string) {
	if d.Err() != nil || org == "" {
		return
	}
	if title == "" {
		title = DefaultSealTitle
	}
	f := d.f
	R := diameter / 2
	f.SetAlpha(0.88, "Multiply")
	defer f.SetAlpha(1, "Normal")
	f.SetDrawColor(Red.R, Red.G, Red.B)
	f.SetFillColor(Red.R, Red.G, Red.B)
	f.SetTextColor(Red.R, Red.G, Red.B)
	defer f.SetTextColor(0, 0, 0)
	f.SetLineWidth(R * 0.06)
	f.Circle(cx, cy, R*0.96, "D")

	// The star.
	so := R * 0.25
	si := so * 0.382
	pts := make([]fpdf.PointType, 0, 10)
	for i := range 10 {
		r := so
		if i%2 == 1 {
			r = si
		}
		a := float64(i) * math.Pi / 5
		pts = append(pts, fpdf.PointType{X: cx + r*math.Sin(a), Y: cy - r*math.Cos(a)})
	}
	f.Polygon(pts, "F")

	// The name round the top: upright towards the centre, spread over up to 220°.
	n := utf8.RuneCountInString(org)
	rc := R * 0.70 // radius of the characters' centres
	size := R * 0.36 / 0.3528
	span := 220.0 * math.Pi / 180
	step := (size * 0.3528 * 1.08) / rc
	if float64(n-1)*step > span {
		step = span / float64(n-1)
		size = math.Min(size, step*rc/0.3528/1.02)
	}
	start := -step * float64(n-1) / 2
	d.font(size)
	i := 0
	for _, r := range org {
		a := start + float64(i)*step
		x := cx + rc*math.Sin(a)
		y := cy - rc*math.Cos(a)
		w := d.width(r)
		f.TransformBegin()
		f.TransformRotate(-a*180/math.Pi, x, y)
		f.Text(x-w/2, y+size*0.3528*0.36, string(r))
		f.TransformEnd()
		i++
	}

	// The title across the lower part.
	ts := R * 0.19 / 0.3528
	if tw := d.TextWidth(title, ts); tw > R*1.3 {
		ts *= R * 1.3 / tw
	}
	tw := d.TextWidth(title, ts)
	f.Text(cx-tw/2, cy+R*0.58, title)
	d.font(SizeBody)
}
