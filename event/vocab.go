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
