package main

import (
	"math"
	"testing"

	"dvpulse/nlp/sentiment"
)

// The 8 citizen-feedback texts of nlp/scorer_test.go (92 characters on
// average), to measure what a CNN would add to the scoring cost.
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

func benchSeqs(cfg cnnConfig) []seq {
	var s []sentiment.Sample
	for _, t := range benchTexts {
		s = append(s, sentiment.Sample{Text: t})
	}
	return makeSeqs(cfg, s, 1)
}

var benchCfg = cnnConfig{KeyBits: 16, StripBits: 15, Dim: 32, Filters: 64, Widths: 3, MaxLen: 80, Seed: 1}

// BenchmarkCNNForward is the float32 forward pass used in training.
func BenchmarkCNNForward(b *testing.B) {
	m := newCNN(benchCfg)
	qs := benchSeqs(benchCfg)
	z := make([]float64, 3)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		m.forward(&qs[i%len(qs)], z, false)
	}
}

// tableCNN is the inference form a shipped CNN would need: the filter
// responses of every embedding row precomputed (int8, K×F per row), so
// that scoring is additions only.
type tableCNN struct {
	K, F, W    int
	off        [][]int
	kidx, sidx []int32
	pk, ps     []int8
	pneg       []int32
	scale      float32
	b, v, c    []float32
	acc        []int32
	h          []float32
}

func newTableCNN(m *cnn, rowsK, rowsS []int32) *tableCNN {
	D, F, K := m.cfg.Dim, m.cfg.Filters, m.K
	t := &tableCNN{K: K, F: F, W: m.cfg.Widths, off: m.off, b: m.b.w, v: m.V.w, c: m.c.w}
	t.kidx = make([]int32, len(m.ek.w)/D)
	t.sidx = make([]int32, len(m.es.w)/D)
	proj := func(e []float32) []float32 {
		out := make([]float32, K*F)
		for o := 0; o < K; o++ {
			for f := 0; f < F; f++ {
				var s float32
				for d := 0; d < D; d++ {
					s += m.W.w[(o*F+f)*D+d] * e[d]
				}
				out[o*F+f] = s
			}
		}
		return out
	}
	t.scale = 0.01
	q := func(x float32) int8 { return int8(max(-127, min(127, math.Round(float64(x/t.scale))))) }
	t.pk = make([]int8, (len(rowsK)+1)*K*F)
	for i, r := range rowsK {
		t.kidx[r] = int32(i + 1)
		for j, x := range proj(m.ek.w[int(r)*D : int(r)*D+D]) {
			t.pk[(i+1)*K*F+j] = q(x)
		}
	}
	t.ps = make([]int8, (len(rowsS)+1)*K*F)
	for i, r := range rowsS {
		t.sidx[r] = int32(i + 1)
		for j, x := range proj(m.es.w[int(r)*D : int(r)*D+D]) {
			t.ps[(i+1)*K*F+j] = q(x)
		}
	}
	t.pneg = make([]int32, K*F)
	for j, x := range proj(m.eneg.w) {
		t.pneg[j] = int32(q(x))
	}
	t.h = make([]float32, t.W*F)
	return t
}

func (t *tableCNN) forward(q *seq, z []float64) {
	K, F := t.K, t.F
	n := len(q.key)
	if cap(t.acc) < n*K*F {
		t.acc = make([]int32, n*K*F*2)
	}
	acc := t.acc[:n*K*F]
	for p := 0; p < n; p++ {
		a := acc[p*K*F : (p+1)*K*F]
		r := int(t.kidx[q.key[p]]) * K * F
		pk := t.pk[r : r+K*F]
		for j := range a {
			a[j] = int32(pk[j])
		}
		if s := q.strip[p]; s >= 0 {
			r := int(t.sidx[s]) * K * F
			ps := t.ps[r : r+K*F]
			for j := range a {
				a[j] += int32(ps[j])
			}
		}
		if q.neg[p] {
			for j := range a {
				a[j] += t.pneg[j]
			}
		}
	}
	for wi := 0; wi < t.W; wi++ {
		w := wi + 1
		best := t.h[wi*F : wi*F+F]
		var bi [64]int32
		for f := range bi[:F] {
			bi[f] = math.MinInt32
		}
		for p := 0; p+w <= n; p++ {
			var s [64]int32
			for k := 0; k < w; k++ {
				a := acc[(p+k)*K*F+t.off[wi][k]*F:]
				for f := 0; f < F; f++ {
					s[f] += a[f]
				}
			}
			for f := 0; f < F; f++ {
				if s[f] > bi[f] {
					bi[f] = s[f]
				}
			}
		}
		for f := 0; f < F; f++ {
			best[f] = max(0, float32(bi[f])*t.scale+t.b[wi*F+f])
		}
	}
	H := t.W * F
	for c := 0; c < 3; c++ {
		s := t.c[c]
		for j, hv := range t.h {
			s += t.v[c*H+j] * hv
		}
		z[c] = float64(s)
	}
}

// BenchmarkCNNTable is the additions-only inference of a CNN with
// int8 precomputed filter responses.
func BenchmarkCNNTable(b *testing.B) {
	m := newCNN(benchCfg)
	qs := benchSeqs(benchCfg)
	var rk, rs []int32
	for _, q := range qs {
		rk = append(rk, q.key...)
		for _, s := range q.strip {
			if s >= 0 {
				rs = append(rs, s)
			}
		}
	}
	t := newTableCNN(m, rk, rs)
	z := make([]float64, 3)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		t.forward(&qs[i%len(qs)], z)
	}
}
