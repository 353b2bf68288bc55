package importer

import (
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"dvpulse/event"
)

func TestUUIDv5(t *testing.T) {
	// RFC 9562, appendix A.4.
	dns := [16]byte{0x6b, 0xa7, 0xb8, 0x10, 0x9d, 0xad, 0x11, 0xd1, 0x80, 0xb4, 0x00, 0xc0, 0x4f, 0xd4, 0x30, 0xc8}
	if got := uuidV5(dns, "www.example.com"); got != "2ed6657d-e927-568b-95e1-2665a8aea6a2" {
		t.Errorf("uuidV5 = %s", got)
	}
}

// idsOf imports a CSV text as a dry run and returns event_id by feedback_id.
func idsOf(t *testing.T, csvText, source string) map[string]string {
	t.Helper()
	var evs []*event.Event
	res, err := Run(context.Background(), strings.NewReader(csvText), "x.csv",
		Options{Decoder: decoder(t), Source: source, Sender: captureSender(t, &evs)})
	if err != nil || !res.OK() {
		t.Fatalf("import: %v %+v", err, res.Issues)
	}
	out := map[string]string{}
	for _, e := range evs {
		out[e.FeedbackID] = e.EventID
	}
	return out
}

var v5 = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)

func TestEventIDsAreDeterministic(t *testing.T) {
	sample := sampleCSV(t)
	a, b := idsOf(t, sample, ""), idsOf(t, sample, "")
	if len(a) != sampleRows || !maps.Equal(a, b) {
		t.Fatalf("two runs gave different ids:\n%v\n%v", a, b)
	}
	distinct := map[string]bool{}
	for _, id := range a {
		if !v5.MatchString(id) {
			t.Errorf("%s is not a version-5 UUID", id)
		}
		distinct[id] = true
	}
	if len(distinct) != sampleRows {
		t.Errorf("%d distinct ids for %d rows", len(distinct), sampleRows)
	}
	// Pinned: a change here means every rerun after an upgrade would resend
	// every row as new events. Change the rule only with a new prefix and a
	// note in README.md.
	if got := a["TS-2026-0101"]; got != pinnedID {
		t.Errorf("event_id of TS-2026-0101 = %s, was %s: the id rule or the event's canonical JSON changed", got, pinnedID)
	}

	// The same sheet re-exported differently keeps its ids.
	if re := idsOf(t, reExport(t, sample), ""); !maps.Equal(a, re) {
		t.Errorf("re-export changed ids:\nwas %v\nnow %v", a, re)
	}
	// Another sending system is another event; a corrected cell is the
	// same case, so the same event: it must not be counted twice.
	if other := idsOf(t, sample, "front_sheet"); other["TS-2026-0101"] == a["TS-2026-0101"] {
		t.Error("--source does not change the id")
	}
	edited := strings.Replace(sample, "Đề nghị thu gom hằng ngày.", "Đề nghị thu gom hai lần mỗi ngày.", 1)
	if e := idsOf(t, edited, ""); !maps.Equal(e, a) {
		t.Error("editing a cell changed an id: a corrected re-import would count the case twice")
	}
}

const pinnedID = "06d7ac30-984e-50fb-bbbe-b224ffad46a8"

// reExport rewrites the sample as another program might: ";" instead of
// ",", no BOM, English headers in another order, an extra column, rows in
// reverse order, codes instead of labels (and labels instead of codes),
// dates without leading zeros or in ISO form, CRLF inside cells and spaces
// around values.
func reExport(t *testing.T, sample string) string {
	t.Helper()
	recs, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(sample, "\xEF\xBB\xBF"))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	hdr := recs[0]
	col := func(name string) int { return slices.Index(hdr, name) }
	order := []string{"noi_dung", "ngay", "kenh", "ma_phan_anh", "co_quan", "linh_vuc", "ma_xa", "he_ma", "han_xu_ly", "so_nguoi", "nguoi_gui"}
	english := map[string]string{"ma_phan_anh": "Feedback ID", "ngay": "Occurred at", "ma_xa": "Locality code", "he_ma": "Locality scheme",
		"kenh": "Channel", "linh_vuc": "Topics", "noi_dung": "Text", "nguoi_gui": "Petitioner kind", "so_nguoi": "Group size", "han_xu_ly": "Due at", "co_quan": "Org"}
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	w.Comma = ';'
	row := []string{"Ghi chú thêm"}
	for _, n := range order {
		row = append(row, english[n])
	}
	w.Write(row)
	loc := HoChiMinh()
	for i := len(recs) - 1; i >= 1; i-- {
		r := recs[i]
		row := []string{"đã xác minh"}
		for _, n := range order {
			v := r[col(n)]
			switch n {
			case "kenh":
				if c, ok := channelIndex.lookup(v); ok && c != v {
					v = c
				} else {
					v = event.Channels.Label(c, "vi")
				}
			case "nguoi_gui":
				if c, ok := petitionerIndex.lookup(v); ok && v != "" {
					v = strings.ToUpper(event.PetitionerKinds.Label(c, "vi"))
				}
			case "linh_vuc":
				ts, _ := parseTopics(v)
				slices.Reverse(ts)
				v = strings.Join(ts, " ; ")
			case "ngay", "han_xu_ly":
				if tm, err := parseLocalTime(v, loc, n == "han_xu_ly"); err == nil {
					tm = tm.In(loc)
					if i%2 == 0 {
						v = fmt.Sprintf("%d/%d/%d", tm.Day(), int(tm.Month()), tm.Year())
						if tm.Hour() != 0 && !(n == "han_xu_ly" && tm.Hour() == 23 && tm.Minute() == 59) {
							v += tm.Format(" 15:04")
						}
					} else {
						v = tm.UTC().Format(time.RFC3339)
					}
				}
			case "noi_dung":
				v = strings.ReplaceAll(v, "\n", "\r\n")
			}
			row = append(row, "  "+v+" ")
		}
		w.Write(row)
	}
	w.Flush()
	return buf.String()
}
