package textnorm

import (
	"strings"
	"unicode"
	"unicode/utf8"
	"unsafe"

	"golang.org/x/text/unicode/norm"
)

// Kind classifies a token.
type Kind uint8

// Token kinds.
const (
	Word   Kind = iota // syllable made of letters and/or digits
	Punct              // punctuation; ends a negation scope
	Symbol             // emoji or other symbol, kept as a one-rune token
)

// Token is one normalised syllable, punctuation mark or symbol.
type Token struct {
	// Text is the NFC, lower-case surface after teencode expansion.
	Text string
	// Key is a hash of the tone-mark key (see ToneKey).
	Key uint64
	// Strip is a hash of the diacritic-free form (see Strip).
	Strip uint64
	// Kind tells words, punctuation and symbols apart.
	Kind Kind
	// Marked reports whether the syllable carries a Vietnamese diacritic.
	Marked bool
	// Neg reports whether the token is a negator (không, chưa, chẳng, …).
	Neg bool
	// Expanded reports whether Text came from a teencode expansion.
	Expanded bool
}

// Normalize returns s in Unicode NFC and lower case. It does not allocate
// when s is already normalised.
func Normalize(s string) string {
	if !isASCII(s) && !norm.NFC.IsNormalString(s) {
		s = norm.NFC.String(s)
	}
	if hasUpper(s) {
		s = toLower(s)
	}
	return s
}

// NormalizeNFC is Normalize for text already in Unicode NFC (for example
// an event's text, which event.Decoder normalises): lower case only,
// without checking the normal form again. For s in NFC it returns exactly
// Normalize(s).
func NormalizeNFC(s string) string {
	if hasUpper(s) {
		s = toLower(s)
	}
	return s
}

// toLower is strings.ToLower, byte for byte, in one pass and one
// allocation: ASCII bytes are mapped directly, other runes by
// unicode.ToLower. Invalid UTF-8, which strings.ToLower keeps or replaces
// depending on where it is, is left to strings.ToLower.
func toLower(s string) string {
	b := make([]byte, 0, len(s)+utf8.UTFMax)
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if 'A' <= c && c <= 'Z' {
				c += 'a' - 'A'
			}
			b = append(b, c)
			i++
			continue
		}
		r, n := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && n == 1 {
			return strings.ToLower(s)
		}
		b = utf8.AppendRune(b, unicode.ToLower(r))
		i += n
	}
	return unsafe.String(unsafe.SliceData(b), len(b))
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

func hasUpper(s string) bool {
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if 'A' <= c && c <= 'Z' {
				return true
			}
			i++
			continue
		}
		r, n := utf8.DecodeRuneInString(s[i:])
		if unicode.IsUpper(r) || unicode.IsTitle(r) {
			return true
		}
		i += n
	}
	return false
}

const (
	fnvOffset = 14695981039346656037
	fnvPrime  = 1099511628211
)

func fnvRune(h uint64, r rune) uint64 {
	// Runes are fed as up to three bytes; Vietnamese letters fit in 21 bits.
	h ^= uint64(r & 0xff)
	h *= fnvPrime
	h ^= uint64((r >> 8) & 0xff)
	h *= fnvPrime
	h ^= uint64(r >> 16)
	h *= fnvPrime
	return h
}

// syllableKeys computes the tone-key hash, the stripped hash and whether
// the syllable carries any Vietnamese diacritic.
func syllableKeys(s string) (key, strip uint64, marked bool) {
	key, strip = fnvOffset, fnvOffset
	tone := 0
	for _, r := range s {
		if t := combiningTone(r); t >= 0 {
			tone = t
			marked = true
			continue
		}
		if unicode.Is(unicode.Mn, r) {
			marked = true
			continue
		}
		base, plain := r, r
		if li, ok := lookupLetter(r); ok {
			base, plain = li.base, li.plain
			if li.tone != 0 {
				tone = int(li.tone)
			}
			marked = true
		}
		key = fnvRune(key, base)
		strip = fnvRune(strip, plain)
	}
	key ^= uint64(tone) + 0x100
	key *= fnvPrime
	return key, strip, marked
}

// ToneKey returns the readable tone-mark key of one syllable: its letters
// with vowel quality kept but tone marks removed, followed by the tone
// digit (1 sắc, 2 huyền, 3 hỏi, 4 ngã, 5 nặng) when there is a tone.
// "hoà" and "hòa" both give "hoa2"; "khoẻ" and "khỏe" give "khoe3".
// The input should already be normalised (see Normalize).
func ToneKey(syllable string) string {
	var b strings.Builder
	tone := 0
	for _, r := range syllable {
		if t := combiningTone(r); t >= 0 {
			tone = t
			continue
		}
		if unicode.Is(unicode.Mn, r) {
			continue
		}
		if li, ok := lookupLetter(r); ok {
			if li.tone != 0 {
				tone = int(li.tone)
			}
			r = li.base
		}
		b.WriteRune(r)
	}
	if tone != 0 {
		b.WriteByte(byte('0' + tone))
	}
	return b.String()
}

// Strip removes every Vietnamese diacritic from already-normalised text:
// "được" → "duoc", "đền bù" → "den bu".
func Strip(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); {
		// ASCII runs are copied as they are: no ASCII rune is a mark or
		// a Vietnamese letter with a diacritic.
		j := i
		for j < len(s) && s[j] < utf8.RuneSelf {
			j++
		}
		if j > i {
			b.WriteString(s[i:j])
			i = j
			continue
		}
		r, n := utf8.DecodeRuneInString(s[i:])
		i += n
		if unicode.Is(unicode.Mn, r) {
			continue
		}
		if li, ok := lookupLetter(r); ok {
			r = li.plain
		}
		b.WriteRune(r)
	}
	return b.String()
}

func isWordRune(r rune) bool {
	return unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.Is(unicode.Mn, r)
}

// Tokenize normalises s and appends its tokens to dst, returning the
// extended slice. Reusing dst across calls avoids allocation.
func Tokenize(s string, dst []Token) []Token {
	return TokenizeNormalized(Normalize(s), dst)
}

// TokenizeNormalized is Tokenize for s that is already Normalize's (or, for
// text in NFC, NormalizeNFC's) result: Tokenize(s, dst) is
// TokenizeNormalized(Normalize(s), dst). It lets a caller that needs the
// normalised text itself normalise once.
func TokenizeNormalized(s string, dst []Token) []Token {
	tc := teencode()
	i := 0
	for i < len(s) {
		r, n := rune(s[i]), 1
		if r >= utf8.RuneSelf {
			r, n = utf8.DecodeRuneInString(s[i:])
		}
		switch {
		case r < utf8.RuneSelf && (r == ' ' || r == '\n' || r == '\t' || r == '\r'):
			i += n
		case isWordRune(r):
			j := i + n
			for j < len(s) {
				r2, n2 := rune(s[j]), 1
				if r2 >= utf8.RuneSelf {
					r2, n2 = utf8.DecodeRuneInString(s[j:])
				}
				if !isWordRune(r2) {
					break
				}
				j += n2
			}
			w := collapseElongation(s[i:j])
			if exp, ok := tc[w]; ok {
				dst = append(dst, exp...)
			} else {
				dst = append(dst, wordToken(w))
			}
			i = j
		case unicode.IsSpace(r) || unicode.IsControl(r) || r == 0xFE0F || r == 0x200D:
			i += n
		case unicode.IsPunct(r):
			dst = append(dst, Token{Text: s[i : i+n], Kind: Punct, Key: fnvRune(fnvOffset, r), Strip: fnvRune(fnvOffset, r)})
			i += n
		default:
			dst = append(dst, Token{Text: s[i : i+n], Kind: Symbol, Key: fnvRune(fnvOffset, r), Strip: fnvRune(fnvOffset, r)})
			i += n
		}
	}
	return dst
}

func wordToken(w string) Token {
	k, st, m := syllableKeys(w)
	t := Token{Text: w, Key: k, Strip: st, Kind: Word, Marked: m}
	t.Neg = isNegator(w, m)
	return t
}

func isNegator(w string, marked bool) bool {
	switch w {
	case "không", "chưa", "chẳng", "chả", "đừng", "chớ":
		return true
	case "khong", "chua":
		return !marked
	}
	return false
}

// collapseElongation shortens runs of three or more runes sharing the
// same plain letter to their first rune ("quáaaa" → "quá", "đẹppp" →
// "đẹp"). No Vietnamese syllable repeats a letter three times.
func collapseElongation(w string) string {
	var prev rune = -1
	run := 0
	found := false
	for _, r := range w {
		_, p, _ := Decompose(r)
		if p == prev {
			run++
			if run >= 3 {
				found = true
				break
			}
		} else {
			prev, run = p, 1
		}
	}
	if !found {
		return w
	}
	rs := []rune(w)
	var b strings.Builder
	for k := 0; k < len(rs); {
		_, pk, _ := Decompose(rs[k])
		m := k + 1
		for m < len(rs) {
			_, pm, _ := Decompose(rs[m])
			if pm != pk {
				break
			}
			m++
		}
		if m-k >= 3 {
			b.WriteRune(rs[k])
		} else {
			for q := k; q < m; q++ {
				b.WriteRune(rs[q])
			}
		}
		k = m
	}
	return b.String()
}
