package importer

import (
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"dvpulse/event"
)

// Column is one CSV column of a Mapping.
type Column struct {
	// Name is the Vietnamese header, as written in the sample file
	// ("ma_phan_anh"); Alias is the English one ("feedback_id"). Headers are
	// compared after folding case, diacritics and punctuation, so "Mã phản
	// ánh" matches too. Aliases lists further accepted headers.
	Name, Alias string
	Aliases     []string
	// Required columns must be present in the header; a file without one
	// is rejected as a whole (each row would fail otherwise).
	Required bool
	// Fields are the event field paths the column fills ("locality.code"),
	// so that a decoder error on one of them is reported on this column.
	Fields []string
	// Help describes the accepted values, for --help and the README.
	Help string
	// Set stores a non-empty, trimmed cell into e. The error text is shown
	// to the officer as the reason.
	Set func(e *event.Event, cell string, c *rowContext) error
}

// Mapping turns one CSV row into one event of one type. Adding an event type
// to the CSV importer is adding a Mapping to mappings; NDJSON needs nothing.
type Mapping struct {
	EventType     string
	SchemaVersion int
	Columns       []Column
	// Init sets defaults before the row's cells are applied.
	Init func(e *event.Event)
	// UniqueAggregate rejects a row whose aggregate id (feedback_id) an
	// earlier row of the file has with different content: a copied row whose
	// code was not changed.
	UniqueAggregate bool
	// Ignored lists headers that are common in officers' sheets and carry
	// nothing to import ("STT", row numbers); they are skipped silently.
	Ignored []string
}

// rowContext carries what a Column's Set needs beyond the cell.
type rowContext struct {
	loc *time.Location
}

// mappings are the CSV layouts, by event type.
var mappings = map[string]*Mapping{
	feedbackReceived.EventType: feedbackReceived,
}

// MappingFor returns the CSV layout of an event type.
func MappingFor(eventType string) (*Mapping, bool) {
	m, ok := mappings[eventType]
	return m, ok
}

// CSVTypes lists the event types the CSV importer has a layout for.
func CSVTypes() []string { return sortedKeys(mappings) }

// column finds the column a folded header names.
func (m *Mapping) column(header string) (int, bool) {
	h := fold(header)
	if h == "" {
		return 0, false
	}
	for i, c := range m.Columns {
		if h == fold(c.Name) || h == fold(c.Alias) {
			return i, true
		}
		for _, a := range c.Aliases {
			if h == fold(a) {
				return i, true
			}
		}
	}
	return 0, false
}

func (m *Mapping) ignored(header string) bool {
	h := fold(header)
	return h == "" || slices.ContainsFunc(m.Ignored, func(s string) bool { return fold(s) == h })
}

// columnOf returns the index of the column that fills an event field path
// such as "topics[2]" or "locality.code", or -1.
func (m *Mapping) columnOf(field string) int {
	if i := strings.IndexByte(field, '['); i >= 0 {
		field = field[:i]
	}
	for i, c := range m.Columns {
		for _, f := range c.Fields {
			if f == field || strings.HasPrefix(field, f+".") {
				return i
			}
		}
	}
	return -1
}

// feedbackReceived is the commune officer's sheet of received feedback.
var feedbackReceived = &Mapping{
	EventType:       "feedback.received",
	SchemaVersion:   1,
	UniqueAggregate: true,
	Init:            func(e *event.Event) { e.Locality.Scheme = "2025" },
	Ignored:         []string{"stt", "so_thu_tu", "tt", "ghi_chu", "note", "notes"},
	Columns: []Column{
		{
			Name: "ma_phan_anh", Alias: "feedback_id", Aliases: []string{"ma_don", "ma_ho_so", "so_phan_anh"},
			Required: true, Fields: []string{"feedback_id", "source.record_id"},
			Help: "mã phản ánh do xã đặt, duy nhất / the case's own code, unique per case (e.g. TS-2026-0001)",
			Set: func(e *event.Event, v string, _ *rowContext) error {
				e.FeedbackID, e.Source.RecordID = v, v
				return nil
			},
		},
		{
			Name: "ngay", Alias: "occurred_at", Aliases: []string{"ngay_tiep_nhan", "thoi_gian", "ngay_phan_anh"},
			Required: true, Fields: []string{"occurred_at"},
			Help: "ngày tiếp nhận / when it was received: dd/mm/yyyy, dd/mm/yyyy hh:mm or RFC 3339; giờ Việt Nam / Vietnam time",
			Set: func(e *event.Event, v string, c *rowContext) error {
				t, err := parseLocalTime(v, c.loc, false)
				if err != nil {
					return err
				}
				e.OccurredAt = t.In(c.loc).Format(time.RFC3339)
				return nil
			},
		},
		{
			Name: "ma_xa", Alias: "locality_code", Aliases: []string{"ma_xa_phuong", "ma_dvhc", "xa"},
			Required: true, Fields: []string{"locality.code"},
			Help: "mã xã/phường (5 chữ số) / commune or ward code, e.g. 18073 (Phường Thành Sen)",
			Set: func(e *event.Event, v string, _ *rowContext) error {
				e.Locality.Code = localityCode(v)
				return nil
			},
		},
		{
			Name: "he_ma", Alias: "locality_scheme", Aliases: []string{"scheme"},
			Fields: []string{"locality.scheme"},
			Help:   "2025 (mặc định, đơn vị từ 1/7/2025) hoặc pre2025 (trước 2025) / 2025 (default) or pre2025",
			Set: func(e *event.Event, v string, _ *rowContext) error {
				switch fold(v) {
				case "2025", "moi", "sau_2025", "tu_2025":
					e.Locality.Scheme = "2025"
				case "pre2025", "pre_2025", "truoc_2025", "truoc2025", "cu":
					e.Locality.Scheme = "pre2025"
				default:
					return fmt.Errorf("%q is not a scheme; write 2025 (units since 1 July 2025) or pre2025 (district → commune)", v)
				}
				return nil
			},
		},
		{
			Name: "kenh", Alias: "channel", Aliases: []string{"kenh_tiep_nhan"},
			Required: true, Fields: []string{"channel"},
			Help: "kênh tiếp nhận: mã hoặc nhãn / channel: code or Vietnamese label, e.g. \"Tiếp công dân\" or citizen_reception",
			Set: func(e *event.Event, v string, _ *rowContext) error {
				c, ok := channelIndex.lookup(v)
				if !ok {
					return fmt.Errorf("unknown channel %q; write one of: %s", v, channelIndex.hint())
				}
				e.Channel = c
				return nil
			},
		},
		{
			Name: "linh_vuc", Alias: "topics", Aliases: []string{"chu_de", "topic"},
			Fields: []string{"topics"},
			Help:   "lĩnh vực, cách nhau bằng \";\" / topics, separated by \";\": codes or labels, e.g. \"Đất đai; Môi trường\"",
			Set: func(e *event.Event, v string, _ *rowContext) error {
				t, err := parseTopics(v)
				e.Topics = t
				return err
			},
		},
		{
			Name: "noi_dung", Alias: "text", Aliases: []string{"noi_dung_phan_anh", "tom_tat"},
			Required: true, Fields: []string{"text"},
			Help: "nội dung phản ánh (có thể nhiều dòng) / the citizen's feedback, free text, may span lines",
			Set: func(e *event.Event, v string, _ *rowContext) error {
				e.Text = normaliseText(v)
				return nil
			},
		},
		{
			Name: "nguoi_gui", Alias: "petitioner_kind", Aliases: []string{"doi_tuong", "loai_nguoi_gui"},
			Fields: []string{"petitioner_kind"},
			Help:   "cá nhân / nhóm / tổ chức, hoặc individual / group / organisation",
			Set: func(e *event.Event, v string, _ *rowContext) error {
				c, ok := petitionerIndex.lookup(v)
				if !ok {
					return fmt.Errorf("unknown petitioner kind %q; write one of: %s", v, petitionerIndex.hint())
				}
				e.PetitionerKind = c
				return nil
			},
		},
		{
			Name: "so_nguoi", Alias: "group_size", Aliases: []string{"so_luong"},
			Fields: []string{"group_size"},
			Help:   "số người (đoàn đông người) / number of people, a whole number",
			Set: func(e *event.Event, v string, _ *rowContext) error {
				n, err := parseCount(v)
				e.GroupSize = n
				return err
			},
		},
		{
			Name: "han_xu_ly", Alias: "due_at", Aliases: []string{"thoi_han", "han"},
			Fields: []string{"due_at"},
			Help:   "hạn xử lý: dd/mm/yyyy (hết ngày đó) hoặc dd/mm/yyyy hh:mm / deadline; a date alone means the end of that day",
			Set: func(e *event.Event, v string, c *rowContext) error {
				t, err := parseLocalTime(v, c.loc, true)
				if err != nil {
					return err
				}
				e.DueAt = t.In(c.loc).Format(time.RFC3339)
				return nil
			},
		},
		{
			Name: "co_quan", Alias: "org", Aliases: []string{"co_quan_xu_ly", "don_vi_xu_ly"},
			Fields: []string{"org"},
			Help:   "cơ quan chịu trách nhiệm / responsible body, free text",
			Set: func(e *event.Event, v string, _ *rowContext) error {
				e.Org = normaliseText(v)
				return nil
			},
		},
	},
}

// normaliseText makes line ends LF and the text NFC, as the decoder keeps it,
// so that a re-export with CRLF gives the same event.
func normaliseText(s string) string {
	s = strings.ReplaceAll(s, "\r\n", "\n")
	s = strings.ReplaceAll(s, "\r", "\n")
	return nfc(strings.TrimSpace(s))
}

var codeWithName = regexp.MustCompile(`^(\d+)\s*(?:[-–:(]|\s)\s*\S`)

// localityCode accepts "18073" and "18073 - Phường Thành Sen".
func localityCode(v string) string {
	if m := codeWithName.FindStringSubmatch(v); m != nil {
		return m[1]
	}
	return v
}

// parseTopics splits on ";" or line breaks; a part that is no topic is
// retried split on ",", because labels themselves hold commas
// ("Môi trường, rác thải"). Codes come out sorted and without repeats.
func parseTopics(v string) ([]string, error) {
	var out, bad []string
	for _, part := range strings.FieldsFunc(v, func(r rune) bool { return r == ';' || r == '\n' || r == '\r' || r == '|' }) {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		if c, ok := topicIndex.lookup(part); ok {
			out = append(out, c)
			continue
		}
		var sub []string
		for _, p := range strings.Split(part, ",") {
			if strings.TrimSpace(p) == "" {
				continue
			}
			c, ok := topicIndex.lookup(p)
			if !ok {
				sub = nil
				break
			}
			sub = append(sub, c)
		}
		if sub == nil {
			bad = append(bad, strconvQuote(part))
			continue
		}
		out = append(out, sub...)
	}
	slices.Sort(out)
	out = slices.Compact(out)
	if len(bad) > 0 {
		return out, fmt.Errorf("unknown topic %s; separate topics with \";\" and write codes or labels: %s", strings.Join(bad, ", "), topicIndex.hint())
	}
	return out, nil
}

func strconvQuote(s string) string { return strconv.Quote(s) }

var thousands = regexp.MustCompile(`^\d{1,3}([.,  ]\d{3})+$`)

// parseCount reads a whole number, allowing thousands separators ("1.200").
func parseCount(v string) (int, error) {
	s := v
	if thousands.MatchString(s) {
		s = strings.NewReplacer(".", "", ",", "", " ", "", " ", "").Replace(s)
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 0 {
		return 0, fmt.Errorf("%q is not a whole number of people", v)
	}
	return n, nil
}

var (
	dmyRe = regexp.MustCompile(`^(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{2}|\d{4})(?:[ T]+(\d{1,2})[:hH](\d{2})(?::(\d{2}))?)?$`)
	ymdRe = regexp.MustCompile(`^(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T]+(\d{1,2}):(\d{2})(?::(\d{2}))?)?$`)
	numRe = regexp.MustCompile(`^\d{5}(\.\d+)?$`)
)

const dateHelp = "write dd/mm/yyyy, dd/mm/yyyy hh:mm or RFC 3339 (2026-03-05T08:30:00+07:00)"

// parseLocalTime reads a date or time as officers write it. Dates without an
// offset are in loc (Asia/Ho_Chi_Minh). A date without a time is the start
// of the day, or its last second when endOfDay is set (deadlines).
func parseLocalTime(v string, loc *time.Location, endOfDay bool) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339Nano, v); err == nil {
		return t, nil
	}
	var y, mo, d, h, mi, s string
	if m := dmyRe.FindStringSubmatch(v); m != nil {
		d, mo, y, h, mi, s = m[1], m[2], m[3], m[4], m[5], m[6]
	} else if m := ymdRe.FindStringSubmatch(v); m != nil {
		y, mo, d, h, mi, s = m[1], m[2], m[3], m[4], m[5], m[6]
	} else if numRe.MatchString(v) {
		return time.Time{}, fmt.Errorf("%q is a spreadsheet serial number, not a date; format the column as a date dd/mm/yyyy (or as text) and export again", v)
	} else {
		return time.Time{}, fmt.Errorf("%q is not a date; %s", v, dateHelp)
	}
	atoi := func(x string) int { n, _ := strconv.Atoi(x); return n }
	year, month, day := atoi(y), atoi(mo), atoi(d)
	if len(y) == 2 {
		year += 2000
	}
	if month < 1 || month > 12 {
		if day >= 1 && day <= 12 && month <= 31 {
			return time.Time{}, fmt.Errorf("%q has month %d; dates are day first (dd/mm/yyyy), this looks like month first", v, month)
		}
		return time.Time{}, fmt.Errorf("%q has month %d; %s", v, month, dateHelp)
	}
	hour, minute, sec := atoi(h), atoi(mi), atoi(s)
	if hour > 23 || minute > 59 || sec > 59 {
		return time.Time{}, fmt.Errorf("%q has no such time of day; %s", v, dateHelp)
	}
	if h == "" && endOfDay {
		hour, minute, sec = 23, 59, 59
	}
	t := time.Date(year, time.Month(month), day, hour, minute, sec, 0, loc)
	if t.Day() != day {
		return time.Time{}, fmt.Errorf("%q: %d/%d has no day %d", v, month, year, day)
	}
	return t, nil
}
