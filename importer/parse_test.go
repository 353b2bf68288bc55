package importer

import (
	"bufio"
	"errors"
	"io"
	"reflect"
	"strings"
	"testing"
	"time"
)

func readAll(t *testing.T, in string, comma byte) ([][]string, error) {
	t.Helper()
	cr := newCSVReader(bufio.NewReader(strings.NewReader(in)), comma)
	var out [][]string
	for {
		rec, err := cr.read()
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return out, err
		}
		out = append(out, rec)
	}
}

func TestCSVReader(t *testing.T) {
	for _, tc := range []struct {
		name  string
		in    string
		comma byte
		want  [][]string
	}{
		{"plain LF", "a,b\n1,2\n", ',', [][]string{{"a", "b"}, {"1", "2"}}},
		{"CRLF, no final newline", "a,b\r\n1,2", ',', [][]string{{"a", "b"}, {"1", "2"}}},
		{"old Mac CR", "a;b\r1;2\r", ';', [][]string{{"a", "b"}, {"1", "2"}}},
		{"quoted delimiter and doubled quote", "a;b\n\"x;y\";\"he said \"\"hi\"\"\"\n", ';', [][]string{{"a", "b"}, {"x;y", `he said "hi"`}}},
		{"multi-line cell keeps row count", "a,b\r\n1,\"line one\r\nline two\"\r\n2,z\r\n", ',', [][]string{{"a", "b"}, {"1", "line one\r\nline two"}, {"2", "z"}}},
		{"blank line is a row", "a,b\n\n1,2\n", ',', [][]string{{"a", "b"}, {""}, {"1", "2"}}},
		{"empty cells and trailing delimiter", "a,,\n,", ',', [][]string{{"a", "", ""}, {"", ""}}},
		{"tab", "a\tb\n1\t2\n", '\t', [][]string{{"a", "b"}, {"1", "2"}}},
		{"stray quote in unquoted cell", "a,b\n5\" screen,2\n", ',', [][]string{{"a", "b"}, {`5" screen`, "2"}}},
		{"text after closing quote", "\"ab\"cd,e\n", ',', [][]string{{"abcd", "e"}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := readAll(t, tc.in, tc.comma)
			if err != nil || !reflect.DeepEqual(got, tc.want) {
				t.Errorf("got %q, %v; want %q", got, err, tc.want)
			}
		})
	}
	_, err := readAll(t, "a,b\n1,\"never closed\n2,3\n", ',')
	if !errors.Is(err, errUnclosedQuote) || !strings.Contains(err.Error(), "line 2") {
		t.Errorf("unclosed quote: %v", err)
	}
}

func TestSniffDelimiter(t *testing.T) {
	known := func(h string) bool { _, ok := feedbackReceived.column(h); return ok }
	for _, tc := range []struct {
		name string
		head string
		want byte
	}{
		{"comma", "ma_phan_anh,ngay,ma_xa\n1,2,3\n", ','},
		// Excel with a ";" list separator leaves commas in text unquoted.
		{"semicolon with commas in text", "Mã phản ánh;Ngày;Nội dung\nA;01/11/2026;rác, bụi, khói, tiếng ồn, nước thải\n", ';'},
		{"tab", "feedback_id\toccurred_at\ttext\n", '\t'},
		{"title row above header", "DANH SÁCH PHẢN ÁNH;;\n;;\nma_phan_anh;ngay;ma_xa\n", ';'},
		{"unknown headers: most cells", "x;y;z\n1;2;3\n", ';'},
		{"nothing to go on", "", ','},
	} {
		if got := sniffCSV([]byte(tc.head), known); got != tc.want {
			t.Errorf("%s: got %q, want %q", tc.name, got, tc.want)
		}
	}
}

func TestSkipBOM(t *testing.T) {
	br := bufio.NewReader(strings.NewReader("\xEF\xBB\xBFma_phan_anh"))
	if err := skipBOM(br); err != nil {
		t.Fatal(err)
	}
	if b, _ := br.Peek(2); string(b) != "ma" {
		t.Errorf("BOM not skipped: %q", b)
	}
	if err := skipBOM(bufio.NewReader(strings.NewReader("\xFF\xFEm\x00a\x00"))); err == nil || !strings.Contains(err.Error(), "CSV UTF-8") {
		t.Errorf("UTF-16: %v", err)
	}
}

func TestFoldHeaders(t *testing.T) {
	for h, want := range map[string]string{
		"Mã phản ánh": "ma_phan_anh", "MA PHAN ANH": "ma_phan_anh", " ma_phan_anh ": "ma_phan_anh",
		"Feedback ID": "feedback_id", "Ngày": "ngay", "Đường dây nóng 1022": "duong_day_nong_1022",
		"Hệ mã": "he_ma", "Mã xã/phường": "ma_xa_phuong",
	} {
		if got := fold(h); got != want {
			t.Errorf("fold(%q) = %q, want %q", h, got, want)
		}
	}
	for h, want := range map[string]string{
		"Mã phản ánh": "ma_phan_anh", "FEEDBACK_ID": "ma_phan_anh", "Ngày tiếp nhận": "ngay", "occurred_at": "ngay",
		"Mã xã": "ma_xa", "Locality code": "ma_xa", "Hệ mã": "he_ma", "Kênh": "kenh", "Lĩnh vực": "linh_vuc",
		"Nội dung": "noi_dung", "Người gửi": "nguoi_gui", "Số người": "so_nguoi", "Hạn xử lý": "han_xu_ly", "Cơ quan": "co_quan",
	} {
		i, ok := feedbackReceived.column(h)
		if !ok || feedbackReceived.Columns[i].Name != want {
			t.Errorf("header %q: got %v %v, want %s", h, i, ok, want)
		}
	}
	if _, ok := feedbackReceived.column("Cột lạ"); ok {
		t.Error("unknown header matched")
	}
}

func TestParseDates(t *testing.T) {
	loc := time.FixedZone("ICT", 7*3600)
	for _, tc := range []struct {
		in        string
		endOfDay  bool
		want, err string
	}{
		{"05/03/2026", false, "2026-03-05T00:00:00+07:00", ""},
		{"5/3/2026", false, "2026-03-05T00:00:00+07:00", ""},
		{"05/03/2026", true, "2026-03-05T23:59:59+07:00", ""},
		{"05/03/2026 08:30", false, "2026-03-05T08:30:00+07:00", ""},
		{"05/03/2026 8:30:15", false, "2026-03-05T08:30:15+07:00", ""},
		{"05-03-2026", false, "2026-03-05T00:00:00+07:00", ""},
		{"05.03.26", false, "2026-03-05T00:00:00+07:00", ""},
		{"2026-03-05", false, "2026-03-05T00:00:00+07:00", ""},
		{"2026-03-05 08:30", false, "2026-03-05T08:30:00+07:00", ""},
		{"2026-03-05T08:30:00+07:00", false, "2026-03-05T08:30:00+07:00", ""},
		{"2026-03-05T01:30:00Z", false, "2026-03-05T08:30:00+07:00", ""},
		{"31/02/2026", false, "", "has no day 31"},
		{"03/25/2026", false, "", "day first"},
		{"05/03/2026 25:00", false, "", "no such time"},
		{"46086", false, "", "serial number"},
		{"hôm qua", false, "", "not a date"},
	} {
		got, err := parseLocalTime(tc.in, loc, tc.endOfDay)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("%q: err %v, want %q", tc.in, err, tc.err)
			}
			continue
		}
		if err != nil || !got.Equal(mustTime(t, tc.want)) || got.In(loc).Format(time.RFC3339) != tc.want {
			t.Errorf("%q: got %v, %v; want %s", tc.in, got, err, tc.want)
		}
	}
}

func mustTime(t *testing.T, s string) time.Time {
	tm, err := time.Parse(time.RFC3339, s)
	if err != nil {
		t.Fatal(err)
	}
	return tm
}

func TestLabelsToCodes(t *testing.T) {
	for _, tc := range []struct {
		x    *vocabIndex
		in   string
		want string
	}{
		{channelIndex, "Tiếp công dân", "citizen_reception"},
		{channelIndex, "TIEP CONG DAN", "citizen_reception"},
		{channelIndex, "citizen_reception", "citizen_reception"},
		{channelIndex, "Đường dây nóng 1022", "hotline_1022"},
		{channelIndex, "1022", "hotline_1022"},
		{channelIndex, "Mặt trận", "front_mass_org"},
		{channelIndex, "Front / mass organisation", "front_mass_org"},
		{petitionerIndex, "cá nhân", "individual"},
		{petitionerIndex, "Nhóm", "group"},
		{petitionerIndex, "đông người", "group"},
		{petitionerIndex, "Tổ chức", "organisation"},
		{petitionerIndex, "group", "group"},
		{topicIndex, "Môi trường", "environment"},
		{topicIndex, "Môi trường, rác thải", "environment"},
		{topicIndex, "GPMB", "site_clearance"},
	} {
		if got, ok := tc.x.lookup(tc.in); !ok || got != tc.want {
			t.Errorf("%s %q: got %q %v, want %q", tc.x.v.Name, tc.in, got, ok, tc.want)
		}
	}
	if c, ok := channelIndex.lookup("Zalo"); ok {
		t.Errorf("Zalo matched %q", c)
	}

	for _, tc := range []struct {
		in   string
		want []string
		err  string
	}{
		{"Đất đai; Môi trường, rác thải", []string{"environment", "land"}, ""},
		{"land;environment;land", []string{"environment", "land"}, ""},
		{"Giải phóng mặt bằng, tái định cư", []string{"site_clearance"}, ""},
		{"đất đai, môi trường", []string{"environment", "land"}, ""},
		{"Đất đai\nThiên tai", []string{"disaster", "land"}, ""},
		{"Đất đai; Giao thông", []string{"land"}, `unknown topic "Giao thông"`},
	} {
		got, err := parseTopics(tc.in)
		if !reflect.DeepEqual(got, tc.want) || (tc.err == "") != (err == nil) || err != nil && !strings.Contains(err.Error(), tc.err) {
			t.Errorf("topics %q: got %v, %v; want %v, %q", tc.in, got, err, tc.want, tc.err)
		}
	}

	for in, want := range map[string]int{"12": 12, "1.200": 1200, "1 200": 1200, "0": 0} {
		if got, err := parseCount(in); err != nil || got != want {
			t.Errorf("count %q: %d, %v", in, got, err)
		}
	}
	for _, in := range []string{"nhiều", "-3", "1,5"} {
		if _, err := parseCount(in); err == nil {
			t.Errorf("count %q accepted", in)
		}
	}
	if got := localityCode("18073 - Phường Thành Sen"); got != "18073" {
		t.Errorf("localityCode: %q", got)
	}
}
