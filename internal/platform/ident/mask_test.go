package ident

import "testing"

func TestMasks(t *testing.T) {
	tests := []struct {
		fn   string
		mask func(string) string
		in   string
		want string
	}{
		{"id", MaskIDCard, "360102199001011234", "3601**********1234"},
		{"id", MaskIDCard, "11010519491231002X", "1101**********002X"},
		{"id", MaskIDCard, "110105491231002", "1101********002"}, // 15 digits: 4 + 3, under half
		{"id", MaskIDCard, "1234", "1**4"},
		{"id", MaskIDCard, "12", "1*"},
		{"id", MaskIDCard, "1", "*"},
		{"id", MaskIDCard, "", ""},
		{"uscc", MaskUSCC, "91440300708461136T", "914403********136T"},
		{"uscc", MaskUSCC, "91350100M000100Y43", "913501********0Y43"},
		{"uscc", MaskUSCC, "9144030070846113", "9144********6113"}, // not 18: at most half
		{"uscc", MaskUSCC, "914", "9**"},
		{"mobile", MaskMobile, "13800138000", "138****8000"},
		{"mobile", MaskMobile, "+86 138-0013-8000", "+86 138-****-8000"},
		{"mobile", MaskMobile, "8613800138000", "86138****8000"},
		{"mobile", MaskMobile, "１３８００１３８０００", "１３８****８０００"},
		{"mobile", MaskMobile, "12345678901", "123******01"}, // not a mobile: at most half
		{"mobile", MaskMobile, "0791-86123456", "079*******456"},
		{"mobile", MaskMobile, "138", "1**"},
		{"name", MaskName, "张三", "张*"},
		{"name", MaskName, "王小明", "王**"},
		{"name", MaskName, "欧阳娜娜", "欧阳**"},
		{"name", MaskName, "欧阳娜", "欧**"},
		{"name", MaskName, "阿依古丽·买买提", "阿依******"},
		{"name", MaskName, "Li Lei", "Li****"},
		{"name", MaskName, "张", "*"},
		{"name", MaskName, "", ""},
		{"name", MaskName, "\xe4\xb8", "\xe4*"},
	}
	for _, tt := range tests {
		if got := tt.mask(tt.in); got != tt.want {
			t.Errorf("%s mask(%q) = %q, want %q", tt.fn, tt.in, got, tt.want)
		}
	}
}
