package nlp

import (
	"fmt"
	"runtime"
	"sync"
	"testing"

	"golang.org/x/text/unicode/norm"
)

func mustDefault(t testing.TB) *Scorer {
	t.Helper()
	s, err := Default()
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestEquivalentSpellings(t *testing.T) {
	s := mustDefault(t)
	pairs := [][2]string{
		{"Hoà giải ở thôn rất tốt", "Hòa giải ở thôn rất tốt"},
		{"nước thuỷ lợi về chậm", "nước thủy lợi về chậm"},
		{"sức khoẻ người dân được quan tâm", "sức khỏe người dân được quan tâm"},
		{"ĐỀN BÙ THẤP", "đền bù thấp"},
	}
	for _, p := range pairs {
		a, b := s.Score(p[0]), s.Score(p[1])
		if a.Score != b.Score || a.Label != b.Label || a.Probs != b.Probs {
			t.Errorf("%q and %q score differently: %+v vs %+v", p[0], p[1], a, b)
		}
	}
	for _, txt := range []string{
		"Tiền đền bù giải phóng mặt bằng quá thấp, người dân không đồng tình",
		"Cán bộ xã hướng dẫn thủ tục nhiệt tình, chu đáo",
	} {
		a, b := s.Score(norm.NFC.String(txt)), s.Score(norm.NFD.String(txt))
		if fmt.Sprint(a) != fmt.Sprint(b) {
			t.Errorf("NFC and NFD inputs differ:\n%+v\n%+v", a, b)
		}
	}
}

func TestNegation(t *testing.T) {
	s := mustDefault(t)
	pairs := [][2]string{
		{"tốt", "không tốt"},
		{"giảng viên dạy hay", "giảng viên dạy không hay"},
		{"cán bộ nhiệt tình", "cán bộ chẳng nhiệt tình"},
		{"hài lòng", "chưa hài lòng"},
		{"thủ tục nhanh gọn", "thủ tục ko nhanh gọn"},
	}
	for _, p := range pairs {
		pos, neg := s.Score(p[0]), s.Score(p[1])
		if !(neg.Score < pos.Score) {
			t.Errorf("%q (%.3f) should score below %q (%.3f)", p[1], neg.Score, p[0], pos.Score)
		}
	}
	if r := s.Score("không tốt"); r.Label != "negative" {
		t.Errorf("không tốt: label %s", r.Label)
	}
	if r := s.Score("rất tốt"); r.Label != "positive" {
		t.Errorf("rất tốt: label %s", r.Label)
	}
}

func TestResultFields(t *testing.T) {
	s := mustDefault(t)
	r := s.Score("Rác thải không được thu gom, bốc mùi hôi thối cả xóm")
	if r.Label != "negative" {
		t.Errorf("label %s", r.Label)
	}
	sum := r.Probs.Negative + r.Probs.Neutral + r.Probs.Positive
	if sum < 0.999 || sum > 1.001 {
		t.Errorf("probabilities sum to %f", sum)
	}
	if r.Score < -1 || r.Score > 1 {
		t.Errorf("score %f out of range", r.Score)
	}
	if len(r.Topics) == 0 || r.Topics[0].Code != "environment" {
		t.Errorf("topics %+v", r.Topics)
	}
	if len(r.Explain) == 0 || len(r.Explain) > 5 {
		t.Errorf("explanation %+v", r.Explain)
	}
	for _, c := range r.Explain {
		if c.Text == "" {
			t.Errorf("explanation with empty text (a feature without a span leaked): %+v", r.Explain)
		}
	}
	if r.Model == "" || r.ModelVersion == "" {
		t.Error("model name and version must be set")
	}
}

func TestConcurrentScore(t *testing.T) {
	s := mustDefault(t)
	texts := []string{"thầy dạy rất hay", "đền bù không thỏa đáng", "xin hỏi thủ tục cấp sổ đỏ", ""}
	want := make([]string, len(texts))
	for i, x := range texts {
		want[i] = fmt.Sprint(s.Score(x))
	}
	var wg sync.WaitGroup
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for k := 0; k < 200; k++ {
				i := k % len(texts)
				if got := fmt.Sprint(s.Score(texts[i])); got != want[i] {
					t.Errorf("concurrent result differs for %q", texts[i])
					return
				}
			}
		}()
	}
	wg.Wait()
}

func TestModelMemory(t *testing.T) {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	s, err := New(Options{})
	if err != nil {
		t.Fatal(err)
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	used := int64(after.HeapAlloc) - int64(before.HeapAlloc)
	t.Logf("scorer heap after load: %.2f MB (weights %d bytes)", float64(used)/(1<<20), s.Sentiment().Model.MemoryBytes())
	if used > 20<<20 {
		t.Errorf("models use %d bytes, limit 20 MB", used)
	}
	runtime.KeepAlive(s)
}

// benchTexts are ~100-character citizen feedback texts.
var benchTexts = []string{
	"Tiền đền bù giải phóng mặt bằng cao tốc quá thấp, gia đình tôi chưa đồng ý bàn giao đất cho dự án.",
	"Rác thải ở chợ xã ứ đọng nhiều ngày không ai thu gom, mùi hôi thối ảnh hưởng cả xóm tôi ở.",
	"Cán bộ bộ phận một cửa hướng dẫn thủ tục rất nhiệt tình, hồ sơ cấp sổ đỏ xong đúng hẹn, cảm ơn.",
	"Sau bão số 3 nhiều nhà bị tốc mái, đề nghị xã sớm hỗ trợ các hộ nghèo sửa lại nhà trước mùa mưa.",
	"hoc phi nam nay tang qua cao, nhieu gia dinh kho khan khong du tien cho con di hoc nam nay a",
	"Đường bê tông nông thôn mới ở thôn em đẹp lắm, bà con ai cũng phấn khởi, cảm ơn xã.",
	"Xin hỏi bao giờ thì có kết quả xét duyệt hộ cận nghèo năm nay, gia đình tôi đã nộp.",
	"Trạm trộn bê tông gần trường học gây bụi và tiếng ồn suốt ngày, con em rất khổ sở, mong xã xem xét ạ.",
}

func BenchmarkScore(b *testing.B) {
	s := mustDefault(b)
	n := 0
	for _, t := range benchTexts {
		n += len([]rune(t))
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		s.Score(benchTexts[i%len(benchTexts)])
	}
	b.StopTimer()
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "texts/s")
	b.ReportMetric(float64(n)/float64(len(benchTexts)), "chars/text")
}

func BenchmarkScoreNoExplain(b *testing.B) {
	s, err := New(Options{ExplainTop: -1})
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		s.Score(benchTexts[i%len(benchTexts)])
	}
	b.StopTimer()
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "texts/s")
}
