package textnorm

// Tone codes returned by Decompose.
const (
	ToneNone  = 0 // ngang
	ToneAcute = 1 // sắc
	ToneGrave = 2 // huyền
	ToneHook  = 3 // hỏi
	ToneTilde = 4 // ngã
	ToneDot   = 5 // nặng
)

// vowelRows lists every lower-case Vietnamese vowel letter: the toneless
// form followed by its sắc, huyền, hỏi, ngã and nặng forms.
var vowelRows = [...]string{
	"aáàảãạ", "ăắằẳẵặ", "âấầẩẫậ",
	"eéèẻẽẹ", "êếềểễệ",
	"iíìỉĩị",
	"oóòỏõọ", "ôốồổỗộ", "ơớờởỡợ",
	"uúùủũụ", "ưứừửữự",
	"yýỳỷỹỵ",
}

// stripBase maps a toneless vowel or đ to its plain ASCII letter.
func stripBase(r rune) rune {
	switch r {
	case 'ă', 'â':
		return 'a'
	case 'ê':
		return 'e'
	case 'ô', 'ơ':
		return 'o'
	case 'ư':
		return 'u'
	case 'đ':
		return 'd'
	}
	return r
}

// letterInfo describes one precomposed lower-case letter.
type letterInfo struct {
	base  rune // letter without tone, keeping vowel quality (ơ, ư, …)
	plain rune // ASCII letter without any diacritic
	tone  uint8
}

// vnLetters covers U+00C0..U+1EFF; entries with base==0 are not
// Vietnamese letters with marks.
type letterTable struct {
	latin1 [0x250 - 0xC0]letterInfo // U+00C0..U+024F
	ext    [0x1F00 - 0x1E00]letterInfo
}

var letters = buildLetterTable()

func buildLetterTable() *letterTable {
	t := &letterTable{}
	set := func(r rune, li letterInfo) {
		switch {
		case r >= 0xC0 && r < 0x250:
			t.latin1[r-0xC0] = li
		case r >= 0x1E00 && r < 0x1F00:
			t.ext[r-0x1E00] = li
		}
	}
	for _, row := range vowelRows {
		rs := []rune(row)
		base := rs[0]
		for tone, r := range rs {
			set(r, letterInfo{base: base, plain: stripBase(base), tone: uint8(tone)})
		}
	}
	set('đ', letterInfo{base: 'đ', plain: 'd'})
	return t
}

// lookupLetter returns the decomposition of a lower-case rune. ok is false
// for runes that carry no Vietnamese diacritic (plain ASCII letters,
// digits, other scripts).
func lookupLetter(r rune) (li letterInfo, ok bool) {
	switch {
	case r >= 0xC0 && r < 0x250:
		li = letters.latin1[r-0xC0]
	case r >= 0x1E00 && r < 0x1F00:
		li = letters.ext[r-0x1E00]
	default:
		return li, false
	}
	return li, li.base != 0
}

// Decompose splits a lower-case rune into its letter without tone (vowel
// quality kept), its plain ASCII letter and its tone code. Runes that are
// not Vietnamese letters are returned unchanged with ToneNone.
func Decompose(r rune) (base, plain rune, tone int) {
	if li, ok := lookupLetter(r); ok {
		return li.base, li.plain, int(li.tone)
	}
	return r, r, ToneNone
}

// combiningTone maps a combining diacritic to a tone code, or -1.
func combiningTone(r rune) int {
	switch r {
	case 0x0301, 0x0341:
		return ToneAcute
	case 0x0300, 0x0340:
		return ToneGrave
	case 0x0309:
		return ToneHook
	case 0x0303:
		return ToneTilde
	case 0x0323:
		return ToneDot
	}
	return -1
}
