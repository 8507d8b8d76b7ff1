// Package pdftest reads back what tests need from rendered PDF pages.
package pdftest

import (
	"image"

	"github.com/makiuchi-d/gozxing"
	gzqr "github.com/makiuchi-d/gozxing/qrcode"
)

// ReadQR reads the QR code on a rendered page as a phone held over the page would: the whole
// page first, then parts of it. On a whole page, a seal or a line of text can look enough like a
// finder pattern to mislead the detector (it then fails on the format bits, now and then,
// depending on the code's content); a part with the code alone in it reads cleanly.
func ReadQR(img image.Image) (string, error) {
	b := img.Bounds()
	w, h := float64(b.Dx()), float64(b.Dy())
	at := func(x0, y0, x1, y1 float64) image.Rectangle {
		return image.Rect(b.Min.X+int(x0*w), b.Min.Y+int(y0*h), b.Min.X+int(x1*w), b.Min.Y+int(y1*h))
	}
	regions := []image.Rectangle{b,
		at(0, 0, .6, .6), at(.4, 0, 1, .6), at(0, .4, .6, 1), at(.4, .4, 1, 1),
		at(0, 0, 1, .5), at(0, .5, 1, 1), at(0, .25, 1, .75)}
	sub, _ := img.(interface {
		SubImage(image.Rectangle) image.Image
	})
	hints := map[gozxing.DecodeHintType]any{gozxing.DecodeHintType_TRY_HARDER: true}
	var first error
	for i, r := range regions {
		part := img
		if i > 0 {
			if sub == nil {
				break
			}
			part = sub.SubImage(r)
		}
		for _, bin := range []func(gozxing.LuminanceSource) gozxing.Binarizer{gozxing.NewHybridBinarizer, gozxing.NewGlobalHistgramBinarizer} {
			bmp, err := gozxing.NewBinaryBitmap(bin(gozxing.NewLuminanceSourceFromImage(part)))
			if err == nil {
				var res *gozxing.Result
				if res, err = gzqr.NewQRCodeReader().Decode(bmp, hints); err == nil {
					return res.GetText(), nil
				}
			}
			if first == nil {
				first = err
			}
		}
	}
	return "", first
}
