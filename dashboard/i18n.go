package dashboard

// messages holds the interface text; Vietnamese is the default.
var messages = map[string]map[string]string{
	"vi": {
		"title":       "dvpulse · Tổng quan phản ánh, kiến nghị",
		"heading":     "Phản ánh, kiến nghị của nhân dân",
		"from":        "Từ ngày",
		"to":          "Đến ngày",
		"granularity": "Chu kỳ",
		"day":         "Ngày",
		"week":        "Tuần",
		"month":       "Tháng",
		"quarter":     "Quý",
		"show":        "Xem",
		"total":       "Tổng số phản ánh",
		"bucket":      "Kỳ",
		"count":       "Số phản ánh",
		"empty":       "Chưa có dữ liệu trong khoảng thời gian này.",
		"csv":         "Tải CSV",
		"api":         "API JSON",
		"other_lang":  "English",
		"unavailable": "Kho dữ liệu chưa trả lời; vui lòng thử lại sau ít phút.",
		"bad_param":   "Tham số không hợp lệ",
	},
	"en": {
		"title":       "dvpulse · Feedback overview",
		"heading":     "Citizens' feedback and petitions",
		"from":        "From",
		"to":          "To",
		"granularity": "Granularity",
		"day":         "Day",
		"week":        "Week",
		"month":       "Month",
		"quarter":     "Quarter",
		"show":        "Show",
		"total":       "Total feedback",
		"bucket":      "Period",
		"count":       "Feedback",
		"empty":       "No data in this period yet.",
		"csv":         "Download CSV",
		"api":         "JSON API",
		"other_lang":  "Tiếng Việt",
		"unavailable": "The indicator store did not answer; please retry in a few minutes.",
		"bad_param":   "Invalid parameter",
	},
}

func lang(code string) (string, map[string]string) {
	if code == "en" {
		return "en", messages["en"]
	}
	return "vi", messages["vi"]
}
