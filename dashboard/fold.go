package dashboard

import (
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

// foldGroups lists, per plain letter, the Vietnamese letters that fold to
// it, both cases (NFC code points).
var foldGroups = []struct{ from, to string }{
	{"àáạảãâầấậẩẫăằắặẳẵÀÁẠẢÃÂẦẤẬẨẪĂẰẮẶẲẴ", "a"},
	{"èéẹẻẽêềếệểễÈÉẸẺẼÊỀẾỆỂỄ", "e"},
	{"ìíịỉĩÌÍỊỈĨ", "i"},
	{"òóọỏõôồốộổỗơờớợởỡÒÓỌỎÕÔỒỐỘỔỖƠỜỚỢỞỠ", "o"},
	{"ùúụủũưừứựửữÙÚỤỦŨƯỪỨỰỬỮ", "u"},
	{"ỳýỵỷỹỲÝỴỶỸ", "y"},
	{"đĐ", "d"},
}

// Fold returns the search key of Vietnamese text: lower case, every
// diacritic removed and đ turned into d, runs of white space made one
// space. "Hương Khê" and "huong  khe" both fold to "huong khe". The
// projector's text_folded column holds Fold(text).
func Fold(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	space := false
	for _, r := range norm.NFD.String(s) {
		if unicode.Is(unicode.Mn, r) {
			continue
		}
		if r == 'đ' || r == 'Đ' {
			r = 'd'
		}
		if unicode.IsSpace(r) {
			space = true
			continue
		}
		if space && b.Len() > 0 {
			b.WriteByte(' ')
		}
		space = false
		b.WriteRune(unicode.ToLower(r))
	}
	return b.String()
}
