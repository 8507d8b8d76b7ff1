package pdfdoc

import (
	"fmt"

	qrcode "github.com/skip2/go-qrcode"
)

// QR draws a QR code of content (error correction level M) as vector squares, size mm wide
// including the quiet zone, with its top-left corner at (x, y). Vectors stay sharp at any print
// or render resolution.
func (d *Doc) QR(content string, x, y, size float64) {
	if d.Err() != nil {
		return
	}
	q, err := qrcode.New(content, qrcode.Medium)
	if err != nil {
		d.f.SetError(fmt.Errorf("qr code: %w", err))
		return
	}
	bm := q.Bitmap() // with the 4-module quiet zone
	n := len(bm)
	if n == 0 {
		return
	}
	m := size / float64(n)
	d.f.SetFillColor(0, 0, 0)
	for r, row := range bm {
		// One rectangle per horizontal run of dark modules keeps the file small.
		for c := 0; c < len(row); {
			if !row[c] {
				c++
				continue
			}
			e := c
			for e < len(row) && row[e] {
				e++
			}
			// A hair of overlap hides the seams some renderers show between rectangles.
			d.f.Rect(x+float64(c)*m, y+float64(r)*m, float64(e-c)*m+0.01, m+0.01, "F")
			c = e
		}
	}
}

// QRBlock draws a QR code at the left margin of the current line with a caption beside it and
// moves below it.
func (d *Doc) QRBlock(content, caption string, size float64) {
	if d.Err() != nil {
		return
	}
	d.ensure(size + 2)
	y := d.f.GetY()
	d.QR(content, Margin, y, size)
	if caption != "" {
		d.font(SizeSmall)
		lh := lineHeight(SizeSmall)
		for i, ln := range d.wrap(caption, d.ContentWidth()-size-4, 0) {
			d.f.Text(Margin+size+3, y+size/2-lh/2+float64(i)*lh, ln)
		}
		d.font(SizeBody)
	}
	d.f.SetY(y + size + 2)
}
