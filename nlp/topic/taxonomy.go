package topic

// Taxonomy codes used by dvpulse.
var Codes = []string{
	"site_clearance", "new_rural", "environment", "land", "jobs",
	"social_welfare", "education", "disaster", "ethnic", "religion",
	"admin_procedures", "grassroots_democracy", "policy_drafts",
}

// Names gives a Vietnamese display name for each taxonomy code.
var Names = map[string]string{
	"site_clearance":       "Giải phóng mặt bằng, tái định cư",
	"new_rural":            "Nông thôn mới, đô thị văn minh",
	"environment":          "Môi trường, rác thải",
	"land":                 "Đất đai",
	"jobs":                 "Việc làm, sinh kế",
	"social_welfare":       "Chính sách xã hội, an sinh",
	"education":            "Giáo dục, học phí",
	"disaster":             "Thiên tai",
	"ethnic":               "Dân tộc",
	"religion":             "Tôn giáo",
	"admin_procedures":     "Thủ tục hành chính",
	"grassroots_democracy": "Dân chủ cơ sở",
	"policy_drafts":        "Góp ý dự thảo chính sách",
}

// IsCode reports whether s is a taxonomy code.
func IsCode(s string) bool {
	_, ok := Names[s]
	return ok
}
