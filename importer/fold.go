package importer

import (
	"sort"
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"

	"dvpulse/event"
)

// fold turns a header or a label into a comparison key: lower case,
// Vietnamese diacritics removed (đ becomes d), and every run of characters
// other than letters and digits replaced by one "_", trimmed. "Mã phản ánh",
// "MA PHAN ANH" and "ma_phan_anh" all fold to "ma_phan_anh".
func fold(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	gap := false
	for _, r := range norm.NFD.String(s) {
		if unicode.Is(unicode.Mn, r) {
			continue
		}
		if r == 'đ' || r == 'Đ' {
			r = 'd'
		}
		r = unicode.ToLower(r)
		if !unicode.IsLetter(r) && !unicode.IsDigit(r) {
			gap = true
			continue
		}
		if gap && b.Len() > 0 {
			b.WriteByte('_')
		}
		gap = false
		b.WriteRune(r)
	}
	return b.String()
}

// vocabIndex finds the code of a vocabulary value written as a code, a
// Vietnamese or English label, one comma-separated part of a label ("Môi
// trường" for "Môi trường, rác thải") or a listed synonym; all compared
// after fold.
type vocabIndex struct {
	v    *event.Vocabulary
	keys map[string]string
}

func newVocabIndex(v *event.Vocabulary, synonyms map[string]string) *vocabIndex {
	x := &vocabIndex{v: v, keys: map[string]string{}}
	// Parts of labels first, dropping a part that two codes share.
	parts := map[string]string{}
	for _, c := range v.Codes() {
		for _, lang := range []string{"vi", "en"} {
			for _, p := range strings.FieldsFunc(v.Label(c, lang), func(r rune) bool { return r == ',' || r == '/' || r == '&' }) {
				k := fold(p)
				if k == "" {
					continue
				}
				if prev, ok := parts[k]; ok && prev != c {
					parts[k] = ""
					continue
				}
				parts[k] = c
			}
		}
	}
	for k, c := range parts {
		if c != "" {
			x.keys[k] = c
		}
	}
	for k, c := range synonyms {
		x.keys[fold(k)] = c
	}
	for _, c := range v.Codes() {
		x.keys[fold(c)] = c
		x.keys[fold(v.Label(c, "vi"))] = c
		x.keys[fold(v.Label(c, "en"))] = c
	}
	return x
}

// lookup returns the code that s names.
func (x *vocabIndex) lookup(s string) (string, bool) {
	c, ok := x.keys[fold(s)]
	return c, ok
}

// hint lists the accepted values for an error message: "Tiếp công dân
// (citizen_reception), …".
func (x *vocabIndex) hint() string {
	codes := x.v.Codes()
	out := make([]string, len(codes))
	for i, c := range codes {
		out[i] = x.v.Label(c, "vi") + " (" + c + ")"
	}
	return strings.Join(out, "; ")
}

// Synonyms that officers commonly write, beyond codes and labels.
var (
	channelIndex = newVocabIndex(event.Channels, map[string]string{
		"1022": "hotline_1022", "hotline": "hotline_1022", "duong day nong": "hotline_1022",
		"tiep dan": "citizen_reception", "tiep cong dan": "citizen_reception",
		"ung dung": "provincial_app", "app": "provincial_app",
		"don": "letter", "don thu": "letter", "thu": "letter",
		"cong dvc": "public_service_portal", "dich vu cong": "public_service_portal",
	})
	topicIndex = newVocabIndex(event.Topics, map[string]string{
		"gpmb": "site_clearance", "ntm": "new_rural", "tthc": "admin_procedures",
		"dat": "land", "rac": "environment",
	})
	petitionerIndex = newVocabIndex(event.PetitionerKinds, map[string]string{
		"tap the": "group", "dong nguoi": "group", "ca nhan": "individual",
		"nguoi dan": "individual", "doanh nghiep": "organisation", "co quan": "organisation",
	})
)

// sortedKeys returns m's keys in order.
func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// nfc normalises s to Unicode NFC, as the event decoder does.
func nfc(s string) string {
	if norm.NFC.IsNormalString(s) {
		return s
	}
	return norm.NFC.String(s)
}
