package demo

// feedbackTexts holds Vietnamese feedback by topic. %s is replaced by a
// commune's name. They were written for this project as typical of what
// hotline 1022, citizen reception and the provincial app receive.
var feedbackTexts = map[string][]string{
	"site_clearance": {
		"Đề nghị xem xét lại đơn giá bồi thường đất nông nghiệp khi thu hồi làm đường cao tốc Bắc – Nam đoạn qua %s, giá hiện nay thấp hơn giá thị trường.",
		"Gia đình tôi đã bàn giao mặt bằng cho dự án cao tốc từ nhiều tháng trước nhưng đến nay vẫn chưa nhận được tiền hỗ trợ tái định cư.",
		"Khu tái định cư ở %s chưa có đường điện và nước sạch, người dân chuyển đến rất khó khăn.",
		"Cảm ơn cán bộ %s đã vận động, giải thích rõ chính sách nên gia đình tôi đồng thuận bàn giao mặt bằng đúng hạn.",
		"Việc kiểm đếm tài sản trên đất thu hồi chưa đầy đủ, còn thiếu cây lâu năm và công trình phụ của gia đình.",
	},
	"new_rural": {
		"Đường giao thông nông thôn liên thôn ở %s xuống cấp nghiêm trọng, đề nghị sớm đưa vào kế hoạch nâng cấp.",
		"Người dân phấn khởi vì %s đạt chuẩn nông thôn mới nâng cao, đường làng ngõ xóm sạch đẹp.",
		"Đề nghị công khai các khoản đóng góp xây dựng nông thôn mới, tránh huy động quá sức dân.",
		"Hệ thống điện chiếu sáng đường quê ở %s hỏng nhiều bóng nhưng chưa được sửa.",
	},
	"environment": {
		"Bãi tập kết rác ở %s bốc mùi hôi thối, ruồi nhặng nhiều, ảnh hưởng sức khỏe người dân xung quanh.",
		"Nhà máy xử lý chất thải rắn gây ô nhiễm kéo dài, nước thải chảy ra ruộng, đề nghị kiểm tra và xử lý dứt điểm.",
		"Rác thải sinh hoạt không được thu gom thường xuyên, có tuần chỉ thu một lần.",
		"Cơ sở chế biến hải sản xả nước thải chưa qua xử lý ra sông, người dân rất bức xúc.",
		"Khen ngợi mô hình phân loại rác tại nguồn ở %s, thôn xóm sạch sẽ hơn hẳn.",
	},
	"land": {
		"Hồ sơ cấp giấy chứng nhận quyền sử dụng đất của gia đình tôi nộp đã quá hạn mà chưa được giải quyết.",
		"Tranh chấp ranh giới đất với hộ liền kề ở %s kéo dài nhiều năm, đề nghị chính quyền hòa giải.",
		"Đề nghị làm rõ việc giao đất trái thẩm quyền tại %s trước đây.",
		"Thủ tục chuyển mục đích sử dụng đất ở còn rườm rà, phải đi lại nhiều lần.",
	},
	"jobs": {
		"Đề nghị hỗ trợ đào tạo nghề cho lao động mất đất sản xuất do thu hồi làm dự án.",
		"Nhiều lao động ở %s đi xuất khẩu lao động bị công ty môi giới thu phí cao, đề nghị kiểm tra.",
		"Người dân mong được vay vốn ưu đãi để phát triển chăn nuôi, trồng cây ăn quả.",
		"Giá phân bón tăng cao trong khi giá lúa thấp, bà con nông dân gặp nhiều khó khăn.",
	},
	"social_welfare": {
		"Gia đình tôi thuộc diện hộ cận nghèo nhưng chưa được cấp thẻ bảo hiểm y tế năm nay.",
		"Đề nghị xem xét chế độ cho người có công với cách mạng ở %s còn chậm chi trả.",
		"Việc bình xét hộ nghèo ở thôn chưa công khai, minh bạch, có hộ khá giả vẫn được hưởng.",
		"Cảm ơn Ủy ban Mặt trận đã kịp thời hỗ trợ nhà đại đoàn kết cho gia đình tôi.",
	},
	"education": {
		"Đề nghị giải thích rõ mức học phí mới và các khoản thu đầu năm học tại trường ở %s.",
		"Phòng học của trường tiểu học xuống cấp, mùa mưa bị dột, ảnh hưởng việc học của các cháu.",
		"Phụ huynh phản ánh tình trạng dạy thêm, học thêm tràn lan.",
		"Nhà trường đã miễn giảm học phí kịp thời cho con em hộ nghèo, phụ huynh rất phấn khởi.",
	},
	"disaster": {
		"Sau đợt lũ vừa qua, đê bao ở %s bị sạt lở nhiều đoạn, đề nghị gia cố trước mùa mưa bão.",
		"Người dân vùng ngập lụt đề nghị hỗ trợ giống cây trồng để khôi phục sản xuất.",
		"Tiền hỗ trợ thiệt hại do bão chậm đến tay người dân.",
		"Lực lượng xung kích ở %s đã giúp dân di dời kịp thời trước bão, bà con rất cảm kích.",
	},
	"ethnic": {
		"Đồng bào dân tộc thiểu số ở vùng núi đề nghị hỗ trợ nước sinh hoạt và điện lưới.",
		"Chính sách hỗ trợ học sinh dân tộc thiểu số chưa được thực hiện đầy đủ.",
	},
	"religion": {
		"Giáo dân đề nghị được xem xét cấp đất mở rộng khuôn viên nhà thờ.",
		"Đề nghị hướng dẫn thủ tục đăng ký sinh hoạt tôn giáo tập trung.",
	},
	"admin_procedures": {
		"Thủ tục đăng ký khai sinh trên cổng dịch vụ công thường xuyên bị lỗi, phải lên xã nộp trực tiếp.",
		"Cán bộ một cửa ở %s hướng dẫn nhiệt tình, hồ sơ được trả trước hẹn.",
		"Sau khi sáp nhập xã, người dân phải đi xa hơn để làm thủ tục hành chính, đề nghị bố trí điểm tiếp nhận.",
		"Hồ sơ chứng thực bị trả lại nhiều lần mà không nói rõ lý do.",
	},
	"grassroots_democracy": {
		"Đề nghị công khai dự toán, quyết toán các công trình xây dựng ở thôn để người dân giám sát.",
		"Việc lấy ý kiến người dân về quy hoạch khu dân cư ở %s còn hình thức.",
		"Hội nghị đối thoại của lãnh đạo xã với nhân dân được tổ chức định kỳ, người dân được nói thẳng, nói thật.",
	},
	"policy_drafts": {
		"Góp ý dự thảo nghị quyết về mức thu học phí: đề nghị có lộ trình tăng hợp lý.",
		"Đề nghị bổ sung quy định về giám sát của cộng đồng trong dự thảo luật thực hiện dân chủ ở cơ sở.",
		"Dự thảo quy định giá đất mới cần lấy ý kiến rộng rãi hơn của người dân bị ảnh hưởng.",
	},
}
