package textnorm

import (
	"strings"
	"sync"

	"golang.org/x/text/unicode/norm"
)

// teencodeList maps frequent chat abbreviations and acronyms to their full
// syllables. Entries that are ambiguous in ordinary text (for example "bt",
// which may mean "biết" or "bình thường") are left out on purpose.
var teencodeList = [...][2]string{
	{"ko", "không"}, {"k", "không"}, {"kh", "không"}, {"khg", "không"},
	{"kg", "không"}, {"hok", "không"}, {"hk", "không"}, {"hông", "không"},
	{"hem", "không"}, {"khum", "không"}, {"kô", "không"}, {"khôg", "không"},
	{"kbiet", "không biết"}, {"kb", "không biết"},
	{"dc", "được"}, {"đc", "được"}, {"dk", "được"}, {"đk", "được"}, {"đươc", "được"},
	{"vs", "với"}, {"j", "gì"}, {"ns", "nói"}, {"ng", "người"},
	{"ngta", "người ta"}, {"mn", "mọi người"}, {"mng", "mọi người"},
	{"mk", "mình"}, {"mik", "mình"}, {"mh", "mình"}, {"r", "rồi"},
	{"cx", "cũng"}, {"cg", "cũng"}, {"wa", "quá"}, {"qa", "quá"}, {"qá", "quá"},
	{"z", "vậy"}, {"dz", "vậy"}, {"v", "vậy"},
	{"sp", "sản phẩm"}, {"tks", "cảm ơn"}, {"thks", "cảm ơn"}, {"thanks", "cảm ơn"},
	{"thank", "cảm ơn"}, {"camon", "cảm ơn"},
	{"oke", "ok"}, {"okie", "ok"}, {"oki", "ok"}, {"okela", "ok"}, {"okey", "ok"},
	{"nhìu", "nhiều"}, {"iu", "yêu"}, {"trc", "trước"}, {"ntn", "như thế nào"},
	{"bít", "biết"}, {"thik", "thích"}, {"thjk", "thích"}, {"đag", "đang"},
	{"dag", "đang"}, {"ms", "mới"}, {"nhg", "nhưng"}, {"nx", "nữa"},
	{"lm", "làm"}, {"bh", "bao giờ"}, {"bn", "bao nhiêu"}, {"kq", "kết quả"},
	{"đt", "điện thoại"}, {"nv", "nhân viên"}, {"sv", "sinh viên"},
	{"gv", "giảng viên"}, {"hs", "học sinh"}, {"gđ", "gia đình"},
	{"ubnd", "ủy ban nhân dân"}, {"hđnd", "hội đồng nhân dân"},
	{"tp", "thành phố"}, {"gpmb", "giải phóng mặt bằng"},
	{"bhxh", "bảo hiểm xã hội"}, {"bhyt", "bảo hiểm y tế"},
	{"ntm", "nông thôn mới"}, {"qsdđ", "quyền sử dụng đất"},
	{"qsdd", "quyền sử dụng đất"}, {"gcn", "giấy chứng nhận"},
	{"tthc", "thủ tục hành chính"}, {"htx", "hợp tác xã"},
	{"csgt", "cảnh sát giao thông"}, {"mttq", "mặt trận tổ quốc"},
}

var (
	teencodeOnce  sync.Once
	teencodeTable map[string][]Token
)

// teencode returns the expansion table, built once on first use.
func teencode() map[string][]Token {
	teencodeOnce.Do(func() {
		m := make(map[string][]Token, len(teencodeList))
		for _, e := range teencodeList {
			from := norm.NFC.String(e[0])
			var toks []Token
			for _, syl := range strings.Fields(norm.NFC.String(e[1])) {
				t := wordToken(syl)
				t.Expanded = true
				toks = append(toks, t)
			}
			m[from] = toks
		}
		teencodeTable = m
	})
	return teencodeTable
}

// Teencode returns the expansion of one lower-case token, if it is a known
// abbreviation.
func Teencode(tok string) (string, bool) {
	toks, ok := teencode()[norm.NFC.String(tok)]
	if !ok {
		return "", false
	}
	parts := make([]string, len(toks))
	for i, t := range toks {
		parts[i] = t.Text
	}
	return strings.Join(parts, " "), true
}
