package dashboard

import (
	"slices"
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

// Words returns the distinct words of s, in the order they first occur: its
// maximal runs of letters and digits (Unicode categories L and N), every
// other rune (space, punctuation, symbol, emoji, combining mark) separating
// them. "rác, RÁC! covid-19" gives [rác RÁC covid 19].
//
// It is the word rule of the search index feedback_terms (migration 0012),
// whose view splits text_folded with wordsExpr: RE2's \pL and \pN are the
// categories of unicode.IsLetter and unicode.IsNumber, so a folded search
// term splits here into the words the index holds for the same text.
// TestWordsMatchClickHouse checks every code point on the test server:
// ClickHouse 18.16 and Go (Unicode 15.0) agree on all; current ClickHouse
// (26.9, checked with chdb) also counts
// the 622 ideographs of Unicode 15.1 (CJK Extension I, U+2EBF0–U+2EE5D) as
// letters, so a text written in them is not found there.
func Words(s string) []string {
	var out []string
	add := func(w string) {
		if !slices.Contains(out, w) {
			out = append(out, w)
		}
	}
	start := -1
	for i, r := range s {
		if unicode.IsLetter(r) || unicode.IsNumber(r) {
			if start < 0 {
				start = i
			}
			continue
		}
		if start >= 0 {
			add(s[start:i])
			start = -1
		}
	}
	if start >= 0 {
		add(s[start:])
	}
	return out
}
