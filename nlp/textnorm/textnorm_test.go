package textnorm

import (
	"testing"

	"golang.org/x/text/unicode/norm"
)

func TestToneKeyPlacement(t *testing.T) {
	pairs := [][2]string{
		{"hoà", "hòa"}, {"thuỷ", "thủy"}, {"khoẻ", "khỏe"}, {"loà", "lòa"},
		{"quỳên", "quyền"}, {"ngừơi", "người"}, {"hoá", "hóa"},
	}
	for _, p := range pairs {
		a, b := ToneKey(p[0]), ToneKey(p[1])
		if a != b {
			t.Errorf("ToneKey(%q)=%q, ToneKey(%q)=%q; want equal", p[0], a, p[1], b)
		}
		ka, _, _ := syllableKeys(p[0])
		kb, _, _ := syllableKeys(p[1])
		if ka != kb {
			t.Errorf("hash keys differ for %q/%q", p[0], p[1])
		}
	}
	if got := ToneKey("hoà"); got != "hoa2" {
		t.Errorf("ToneKey(hoà)=%q want hoa2", got)
	}
	// Different words must stay apart.
	for _, p := range [][2]string{{"bão", "bao"}, {"mặt", "mất"}, {"được", "duoc"}, {"đất", "dất"}} {
		if ToneKey(p[0]) == ToneKey(p[1]) {
			t.Errorf("ToneKey merges %q and %q", p[0], p[1])
		}
	}
}

func TestStrip(t *testing.T) {
	if got := Strip("đền bù giải phóng mặt bằng"); got != "den bu giai phong mat bang" {
		t.Errorf("Strip=%q", got)
	}
}

func TestTokenizeNFD(t *testing.T) {
	s := "Đền bù GIẢI PHÓNG mặt bằng chưa thoả đáng!"
	a := Tokenize(s, nil)
	b := Tokenize(norm.NFD.String(s), nil)
	if len(a) != len(b) {
		t.Fatalf("token counts differ: %d vs %d", len(a), len(b))
	}
	for i := range a {
		if a[i] != b[i] {
			t.Errorf("token %d differs: %+v vs %+v", i, a[i], b[i])
		}
	}
	if a[0].Text != "đền" || a[len(a)-1].Kind != Punct {
		t.Errorf("unexpected tokens %+v", a)
	}
}

func TestTeencodeAndNegation(t *testing.T) {
	toks := Tokenize("sp ko dc tốttt vs lại j cũng chậmmm", nil)
	var texts []string
	for _, tk := range toks {
		texts = append(texts, tk.Text)
	}
	want := []string{"sản", "phẩm", "không", "được", "tốt", "với", "lại", "gì", "cũng", "chậm"}
	if len(texts) != len(want) {
		t.Fatalf("got %q want %q", texts, want)
	}
	for i := range want {
		if texts[i] != want[i] {
			t.Fatalf("got %q want %q", texts, want)
		}
	}
	if !toks[2].Neg {
		t.Error("ko should expand to a negator")
	}
	if toks[4].Neg {
		t.Error("tốt is not a negator")
	}
	if e, ok := Teencode("gpmb"); !ok || e != "giải phóng mặt bằng" {
		t.Errorf("Teencode(gpmb)=%q,%v", e, ok)
	}
}

func TestNoDiacriticChannel(t *testing.T) {
	a := Tokenize("không tốt", nil)
	b := Tokenize("khong tot", nil)
	for i := range a {
		if a[i].Strip != b[i].Strip {
			t.Errorf("strip keys differ at %d", i)
		}
		if a[i].Key == b[i].Key {
			t.Errorf("tone keys should differ at %d", i)
		}
	}
	if !b[0].Neg {
		t.Error("unmarked khong should count as negator")
	}
}
