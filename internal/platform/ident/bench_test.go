package ident

import "testing"

var benchInputs = []string{
	"91350100M000100Y43", "11010519491231002X", "13800138000", "360102001001",
	" 9135 0100-m000 100y43 ", "+86 138-0013-8000", "110105491231002", "hello",
}

func BenchmarkCheck(b *testing.B) {
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		Check(benchInputs[i%len(benchInputs)], testNow)
	}
}

func BenchmarkCheckUSCC(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		CheckUSCC("91350100M000100Y43")
	}
}

func BenchmarkCheckIDCard(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		CheckIDCard("11010519491231002X", testNow)
	}
}

func BenchmarkMaskIDCard(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		MaskIDCard("11010519491231002X")
	}
}

func BenchmarkMaskMobile(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		MaskMobile("+86 138-0013-8000")
	}
}
