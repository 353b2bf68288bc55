package importer

import (
	"bytes"
	"context"
	"encoding/csv"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"dvpulse/event"
	"dvpulse/locality"
)

// testCLI is Main without the process: no environment, no terminal, no
// real sleeping; it records the waits.
func testCLI(waits *[]time.Duration) cli {
	return cli{
		stdin:      strings.NewReader(""),
		lookupEnv:  func(string) (string, bool) { return "", false },
		isTerminal: func(io.Writer) bool { return false },
		sleep: func(ctx context.Context, d time.Duration) error {
			if waits != nil {
				*waits = append(*waits, d)
			}
			return ctx.Err()
		},
	}
}

func runMain(t *testing.T, c cli, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	code = c.main(context.Background(), args, &out, &errb)
	return code, out.String(), errb.String()
}

func decoder(t testing.TB) *event.Decoder {
	t.Helper()
	reg, err := locality.Load("42")
	if err != nil {
		t.Fatal(err)
	}
	return &event.Decoder{Localities: reg}
}

// runString imports a CSV or NDJSON text as a dry run.
func runString(t *testing.T, name, in string) *Result {
	t.Helper()
	res, err := Run(context.Background(), strings.NewReader(in), name, Options{Decoder: decoder(t)})
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// The sample shipped for officers imports without a single rejection.
func TestSampleDryRun(t *testing.T) {
	code, out, errs := runMain(t, testCLI(nil), "--dry-run", "testdata/mau-phan-anh.csv")
	if code != 0 {
		t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", code, out, errs)
	}
	for _, want := range []string{`delimiter ","`, "16 rows read, 16 valid, 0 rejected (dry run", "No problems found"} {
		if !strings.Contains(out, want) {
			t.Errorf("stdout lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "not imported") {
		t.Errorf("the sample has a column that is not imported:\n%s", out)
	}
}

// wantIssue is one expected report line: the reason must contain reason.
type wantIssue struct {
	row        int
	column, id string
	reason     string
}

var badRowsWant = []wantIssue{
	{3, "Ngày", "TS-2026-0202", "has no day 31"},
	{4, "Mã xã", "TS-2026-0203", `"99999"`},
	{5, "Kênh", "TS-2026-0204", `unknown channel "Zalo"; write one of: Tiếp công dân (citizen_reception)`},
	{6, "Nội dung", "TS-2026-0205", "missing"},
	{7, "Lĩnh vực", "TS-2026-0206", `unknown topic "Giao thông"`},
	{8, "Số người", "TS-2026-0207", `"nhiều" is not a whole number`},
	// Row 9 is blank; row 11 repeats row 2 exactly and is skipped.
	{10, "Mã phản ánh", "TS-2026-0201", "row 2 has the same code with different content"},
	{12, "Ngày", "TS-2026-0211", "day first"},
	{13, "Mã xã", "TS-2026-0212", `write pre2025 in column "he_ma"`},
	{14, "Mã phản ánh", "", "missing"},
	{15, "Ngày", "TS-2026-0214", "future"},
	{16, "Ngày", "TS-2026-0215", `"hôm qua" is not a date`},
	{16, "Kênh", "TS-2026-0215", `unknown channel "Thư điện tử"`},
}

func checkIssues(t *testing.T, got []Issue, want []wantIssue) {
	t.Helper()
	if len(got) != len(want) {
		t.Errorf("%d issues, want %d", len(got), len(want))
	}
	for i := range min(len(got), len(want)) {
		g, w := got[i], want[i]
		if g.Row != w.row || g.Column != w.column || g.ID != w.id || !strings.Contains(g.Reason, w.reason) {
			t.Errorf("issue %d:\n got  %d | %s | %s | %s\n want %d | %s | %s | …%s…", i, g.Row, g.Column, g.ID, g.Reason, w.row, w.column, w.id, w.reason)
		}
	}
}

// The report names the row as a spreadsheet shows it (header = row 1), the
// column as headed in the file, and the reason.
func TestReportOnBadRows(t *testing.T) {
	f, err := os.Open("testdata/bad-rows.csv")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	res, err := Run(context.Background(), f, "bad-rows.csv", Options{Decoder: decoder(t)})
	if err != nil {
		t.Fatal(err)
	}
	checkIssues(t, res.Issues, badRowsWant)
	if res.Delimiter != ';' || res.Rows != 14 || res.Valid != 1 || res.Rejected != 12 || res.Duplicates != 1 || res.OK() {
		t.Errorf("result: %+v", res)
	}
	if len(res.Ignored) != 1 || res.Ignored[0] != "Cột lạ" {
		t.Errorf("ignored columns %q; want only \"Cột lạ\" (STT and Ghi chú are known extras)", res.Ignored)
	}

	// The command prints the table and exits 1.
	code, out, _ := runMain(t, testCLI(nil), "--dry-run", "testdata/bad-rows.csv")
	if code != 1 {
		t.Errorf("exit %d, want 1", code)
	}
	for _, want := range []string{"Dòng (row)  Cột (column)", "\n3   ", "Ngày", `columns not imported (unknown headers): "Cột lạ"`} {
		if !strings.Contains(out, want) {
			t.Errorf("table lacks %q:\n%s", want, out)
		}
	}

	// --report writes the same as CSV for Excel: BOM, the file's delimiter.
	path := filepath.Join(t.TempDir(), "loi.csv")
	code, out, _ = runMain(t, testCLI(nil), "testdata/bad-rows.csv", "--dry-run", "--report", path)
	if code != 1 || !strings.Contains(out, "13 problems written to "+path) || strings.Contains(out, "Lý do") {
		t.Errorf("exit %d:\n%s", code, out)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(b, utf8BOM) || !bytes.Contains(b, []byte("\r\n")) {
		t.Errorf("report has no BOM or CRLF: %.40q", b)
	}
	cr := csv.NewReader(bytes.NewReader(b[3:]))
	cr.Comma = ';'
	recs, err := cr.ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(recs[0], "|") != "Dòng (row)|Cột (column)|Mã (id)|Lý do (reason)" || len(recs) != 14 {
		t.Fatalf("report: %q", recs)
	}
	if r := recs[1]; r[0] != "3" || r[1] != "Ngày" || r[2] != "TS-2026-0202" || !strings.Contains(r[3], "no day 31") {
		t.Errorf("first report row %q", r)
	}
}

func TestHeaderProblems(t *testing.T) {
	res := runString(t, "x.csv", "ma_phan_anh,ngay,noi_dung\nA,01/11/2026,x\n")
	checkIssues(t, res.Issues, []wantIssue{
		{1, "ma_xa", "", `required column missing; add a column headed "ma_xa" (or "locality_code")`},
		{1, "kenh", "", `required column missing`},
	})
	if res.Rows != 0 || res.OK() {
		t.Errorf("rows read after a bad header: %+v", res)
	}

	res = runString(t, "x.csv", "ma_phan_anh,feedback_id,ngay,ma_xa,kenh,noi_dung\n")
	checkIssues(t, res.Issues, []wantIssue{{1, "feedback_id", "", `column "ma_phan_anh" appears twice (cells 1 and 2`}})

	res = runString(t, "x.csv", "")
	checkIssues(t, res.Issues, []wantIssue{{1, "", "", "the file is empty"}})

	res = runString(t, "x.csv", "a,b\n1,2\n")
	checkIssues(t, res.Issues, []wantIssue{{1, "", "", "no header row found"}})

	// A title and a blank row above the header keep row numbers right.
	res = runString(t, "x.csv", "DANH SÁCH PHẢN ÁNH THÁNG 11,,,,\n,,,,\nma_phan_anh,ngay,ma_xa,kenh,noi_dung\nA,01/11/2026,18073,Đối thoại,\n")
	checkIssues(t, res.Issues, []wantIssue{{4, "noi_dung", "A", "missing"}})
}

func TestCSVDialects(t *testing.T) {
	// BOM, ";" delimiter, CRLF, a quoted multi-line cell holding ";" and
	// quotes, upper-case diacritic headers, labels.
	in := "\xEF\xBB\xBFMÃ PHẢN ÁNH;NGÀY;MÃ XÃ;KÊNH;LĨNH VỰC;NỘI DUNG\r\n" +
		"A-1;01/11/2026 07:05;18073;Tiếp công dân;\"Đất đai; Môi trường, rác thải\";\"Dòng một; có \"\"ngoặc\"\"\r\nDòng hai\"\r\n" +
		"\r\n" +
		"A-2;02/11/2026;18100;hotline_1022;land;Một dòng\r\n" +
		"A-3;02/11/2026;18100;hotline_1022;land;x;thừa\r\n"
	var evs []*event.Event
	res, err := Run(context.Background(), strings.NewReader(in), "x.csv", Options{Decoder: decoder(t), Sender: captureSender(t, &evs)})
	if err != nil {
		t.Fatal(err)
	}
	checkIssues(t, res.Issues, []wantIssue{{5, "", "A-3", "the row has 7 cells but the header only 6"}})
	if res.Delimiter != ';' || res.Rows != 3 || res.Sent != 2 || len(evs) != 2 {
		t.Fatalf("result %+v, %d events", res, len(evs))
	}
	e := evs[0]
	if e.FeedbackID != "A-1" || e.OccurredAt != "2026-11-01T07:05:00+07:00" || e.Channel != "citizen_reception" ||
		strings.Join(e.Topics, ",") != "environment,land" || e.Text != "Dòng một; có \"ngoặc\"\nDòng hai" ||
		e.Locality != (event.Locality{Scheme: "2025", Code: "18073"}) || e.Source != (event.Source{System: "commune_spreadsheet", RecordID: "A-1"}) {
		t.Errorf("event: %+v", e)
	}
}

func TestInvalidUTF8(t *testing.T) {
	// "Phường" in Windows-1258 is not UTF-8.
	in := "ma_phan_anh,ngay,ma_xa,kenh,noi_dung\nA,01/11/2026,18073,dialogue,Ph\xfd\xf5\xecng\nB,01/11/2026,18073,dialogue,ok\n"
	res := runString(t, "x.csv", in)
	checkIssues(t, res.Issues, []wantIssue{{2, "noi_dung", "", `"CSV UTF-8 (Comma delimited) (*.csv)"`}})
	if res.Valid != 1 || res.Rejected != 1 {
		t.Errorf("%+v", res)
	}
}

func regexpMatch(re, s string) bool { return regexp.MustCompile(re).MatchString(s) }
