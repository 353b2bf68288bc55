package textnorm

import (
	"math/rand/v2"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
)

// TestToLowerMatchesStrings compares toLower with strings.ToLower on random
// strings of ASCII, Vietnamese, other cased scripts, titlecase letters,
// special cases (İ, ẞ), U+FFFD and invalid bytes.
func TestToLowerMatchesStrings(t *testing.T) {
	pieces := []string{"a", "Z", "Đ", "đ", "Ư", "Ờ", "ẞ", "İ", "ǅ", "Σ", "Ω", "Ⅰ", "Ａ", "𐐀", "\uFFFD", "\xff", "\xe1\xbb", " ", "1", "É", "e\u0301", "Ⱥ", "ȿ"}
	rng := rand.New(rand.NewPCG(5, 6))
	for range 50000 {
		var b strings.Builder
		for range rng.IntN(12) {
			b.WriteString(pieces[rng.IntN(len(pieces))])
		}
		s := b.String()
		if got, want := toLower(s), strings.ToLower(s); got != want {
			t.Fatalf("toLower(%q) = %q, want %q", s, got, want)
		}
	}
	for r := rune(0); r <= utf8.MaxRune; r++ {
		s := "X" + string(r) + "y"
		if got, want := toLower(s), strings.ToLower(s); got != want {
			t.Fatalf("toLower(%q) = %q, want %q", s, got, want)
		}
	}
}

func FuzzToLower(f *testing.F) {
	f.Add("Đền Bù GIẢI PHÓNG")
	f.Add("\xffAB")
	f.Fuzz(func(t *testing.T, s string) {
		if got, want := toLower(s), strings.ToLower(s); got != want {
			t.Fatalf("toLower(%q) = %q, want %q", s, got, want)
		}
		if got, want := NormalizeNFC(s), strings.ToLower(s); hasUpper(s) && got != want {
			t.Fatalf("NormalizeNFC(%q) = %q, want %q", s, got, want)
		}
	})
}

// TestStripMatchesRuneLoop compares Strip with its earlier rune-by-rune
// form on random strings, invalid UTF-8 included.
func TestStripMatchesRuneLoop(t *testing.T) {
	ref := func(s string) string {
		var b strings.Builder
		for _, r := range s {
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
	pieces := []string{"a", "Z", "đ", "ư", "ờ", "ẫ", "\u0301", "\u0323", "🙂", "\uFFFD", "\xff", "\xe1\xbb", " ", "1", "é", "ñ", "ß"}
	rng := rand.New(rand.NewPCG(7, 8))
	for range 50000 {
		var b strings.Builder
		for range rng.IntN(12) {
			b.WriteString(pieces[rng.IntN(len(pieces))])
		}
		s := b.String()
		if got, want := Strip(s), ref(s); got != want {
			t.Fatalf("Strip(%q) = %q, want %q", s, got, want)
		}
	}
}
