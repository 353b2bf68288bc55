package event

import (
	"sort"
	"strings"
)

// Vocabulary is a closed set of codes with their Vietnamese and English labels.
type Vocabulary struct {
	Name  string
	codes []string
	vi    map[string]string
	en    map[string]string
}

func newVocab(name string, rows ...[3]string) *Vocabulary {
	v := &Vocabulary{Name: name, vi: map[string]string{}, en: map[string]string{}}
	for _, r := range rows {
		v.codes = append(v.codes, r[0])
		v.vi[r[0]] = r[1]
		v.en[r[0]] = r[2]
	}
	return v
}

// Has reports whether code belongs to the vocabulary.
func (v *Vocabulary) Has(code string) bool { _, ok := v.vi[code]; return ok }

// Codes returns the codes in their documented order.
func (v *Vocabulary) Codes() []string { return append([]string(nil), v.codes...) }

// Label returns the label of code in lang ("vi" or "en"); the code itself
// when it is unknown.
func (v *Vocabulary) Label(code, lang string) string {
	m := v.vi
	if lang == "en" {
		m = v.en
	}
	if s, ok := m[code]; ok {
		return s
	}
	return code
}

// list renders the codes for an error message.
func (v *Vocabulary) list() string {
	c := v.Codes()
	sort.Strings(c)
	return strings.Join(c, ", ")
}

// Channels through which feedback reaches the system.
var Channels = newVocab("channel",
	[3]string{"citizen_reception", "Tiếp công dân", "Citizen reception"},
	[3]string{"dialogue", "Đối thoại", "Dialogue"},
	[3]string{"voter_meeting", "Tiếp xúc cử tri", "Voter meeting"},
	[3]string{"hotline_1022", "Đường dây nóng 1022", "Hotline 1022"},
	[3]string{"public_service_portal", "Cổng dịch vụ công", "Public-service portal"},
	[3]string{"provincial_app", "Ứng dụng của tỉnh", "Provincial app"},
	[3]string{"front_mass_org", "Mặt trận, đoàn thể", "Front / mass organisation"},
	[3]string{"letter", "Đơn thư", "Letter"},
	[3]string{"press", "Báo chí", "Press"},
	[3]string{"social_media", "Mạng xã hội", "Social media"},
)

// Topics is the topic taxonomy.
var Topics = newVocab("topic",
	[3]string{"site_clearance", "Giải phóng mặt bằng, tái định cư", "Site clearance & resettlement"},
	[3]string{"new_rural", "Nông thôn mới, đô thị văn minh", "New rural / civilised urban areas"},
	[3]string{"environment", "Môi trường, rác thải", "Environment & waste"},
	[3]string{"land", "Đất đai", "Land"},
	[3]string{"jobs", "Việc làm, sinh kế", "Jobs & livelihood"},
	[3]string{"social_welfare", "Chính sách xã hội, an sinh", "Social policy & welfare"},
	[3]string{"education", "Giáo dục, học phí", "Education & fees"},
	[3]string{"disaster", "Thiên tai", "Natural disasters"},
	[3]string{"ethnic", "Dân tộc", "Ethnic affairs"},
	[3]string{"religion", "Tôn giáo", "Religious affairs"},
	[3]string{"admin_procedures", "Thủ tục hành chính", "Administrative procedures"},
	[3]string{"grassroots_democracy", "Dân chủ ở cơ sở", "Grassroots democracy"},
	[3]string{"policy_drafts", "Dự thảo chính sách", "Policy drafts"},
)

// PetitionerKinds says who filed a piece of feedback.
var PetitionerKinds = newVocab("petitioner_kind",
	[3]string{"individual", "Cá nhân", "Individual"},
	[3]string{"group", "Nhóm, đông người", "Group"},
	[3]string{"organisation", "Tổ chức", "Organisation"},
)

// SentimentLabels are the three sentiment classes.
var SentimentLabels = newVocab("sentiment",
	[3]string{"negative", "Tiêu cực", "Negative"},
	[3]string{"neutral", "Trung tính", "Neutral"},
	[3]string{"positive", "Tích cực", "Positive"},
)

// FeedbackStatuses is the lifecycle of a feedback case.
var FeedbackStatuses = newVocab("status",
	[3]string{"received", "Đã tiếp nhận", "Received"},
	[3]string{"assigned", "Đã giao xử lý", "Assigned"},
	[3]string{"in_progress", "Đang xử lý", "In progress"},
	[3]string{"answered", "Đã trả lời", "Answered"},
	[3]string{"resolved", "Đã giải quyết", "Resolved"},
	[3]string{"closed", "Đã kết thúc", "Closed"},
	[3]string{"rejected_out_of_scope", "Không thuộc thẩm quyền", "Rejected: out of scope"},
	[3]string{"duplicate", "Trùng lặp", "Duplicate"},
	[3]string{"reopened", "Mở lại", "Reopened"},
)

// Outcomes of an answered or resolved case.
var Outcomes = newVocab("outcome",
	[3]string{"upheld", "Phản ánh đúng", "Upheld"},
	[3]string{"partly_upheld", "Đúng một phần", "Partly upheld"},
	[3]string{"not_upheld", "Phản ánh không đúng", "Not upheld"},
	[3]string{"explained", "Đã giải thích, hướng dẫn", "Explained"},
	[3]string{"transferred", "Chuyển cơ quan có thẩm quyền", "Transferred"},
)

// DialogueKinds are periodic (by the rules) or ad hoc dialogues.
var DialogueKinds = newVocab("dialogue_kind",
	[3]string{"periodic", "Định kỳ", "Periodic"},
	[3]string{"ad_hoc", "Đột xuất", "Ad hoc"},
)

// HostRoles are the leaders who host dialogues.
var HostRoles = newVocab("host_role",
	[3]string{"party_secretary", "Bí thư cấp ủy", "Party secretary"},
	[3]string{"deputy_party_secretary", "Phó Bí thư cấp ủy", "Deputy party secretary"},
	[3]string{"pc_chair", "Chủ tịch UBND", "People's Committee chair"},
	[3]string{"pc_vice_chair", "Phó Chủ tịch UBND", "People's Committee vice-chair"},
	[3]string{"council_chair", "Chủ tịch HĐND", "People's Council chair"},
	[3]string{"front_chair", "Chủ tịch UBMTTQ", "Fatherland Front chair"},
	[3]string{"other", "Khác", "Other"},
)

// HostLevels are the levels of the host's office.
var HostLevels = newVocab("host_level",
	[3]string{"province", "Cấp tỉnh", "Province"},
	[3]string{"district", "Cấp huyện (trước 2025)", "District (pre-2025)"},
	[3]string{"commune", "Cấp xã", "Commune"},
)

// ModelFields are the fields of "Dân vận khéo" models.
var ModelFields = newVocab("field",
	[3]string{"economy", "Kinh tế", "Economy"},
	[3]string{"culture_society", "Văn hóa – xã hội", "Culture–society"},
	[3]string{"defence_security", "Quốc phòng – an ninh", "Defence–security"},
	[3]string{"political_system", "Xây dựng hệ thống chính trị", "Building the political system"},
	[3]string{"new_rural", "Xây dựng nông thôn mới", "New rural areas"},
)

// RecognitionLevels are the levels that recognise a model.
var RecognitionLevels = newVocab("recognition_level",
	[3]string{"central", "Trung ương", "Central"},
	[3]string{"province", "Cấp tỉnh", "Province"},
	[3]string{"district", "Cấp huyện (trước 2025)", "District (pre-2025)"},
	[3]string{"commune", "Cấp xã", "Commune"},
)

// ActivityKinds are the kinds of campaign activity.
var ActivityKinds = newVocab("activity_kind",
	[3]string{"propaganda", "Tuyên truyền", "Propaganda"},
	[3]string{"site_clearance", "Vận động giải phóng mặt bằng", "Site-clearance mobilisation"},
	[3]string{"relief", "Cứu trợ", "Relief"},
	[3]string{"contributions", "Vận động đóng góp", "Contributions"},
)

// CriticismForms are the forms of social criticism.
var CriticismForms = newVocab("form",
	[3]string{"conference", "Hội nghị phản biện", "Conference"},
	[3]string{"written", "Văn bản", "Written"},
	[3]string{"consultation", "Lấy ý kiến nhân dân", "Public consultation"},
)

// Severities grade a hot issue in a situation report.
var Severities = newVocab("severity",
	[3]string{"low", "Thấp", "Low"},
	[3]string{"medium", "Trung bình", "Medium"},
	[3]string{"high", "Cao", "High"},
	[3]string{"critical", "Rất nghiêm trọng", "Critical"},
)
