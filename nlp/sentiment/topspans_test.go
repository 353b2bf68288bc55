package sentiment

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

// TestTopSpansMatchesStableSort checks the one-pass selection of Explain's
// spans against what Explain did before: a stable sort of every span by
// descending weight, cut at k spans or the first weight that is not
// positive. Weights are drawn from a few values so that ties are common.
func TestTopSpansMatchesStableSort(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	values := []float64{-1, -0.5, 0, math.Copysign(0, -1), 0.25, 0.5, 0.5, 1, 2, math.NaN(), math.Inf(1), math.Inf(-1)}
	for iter := range 20000 {
		n := rng.IntN(140)
		spans := make([]span, n)
		for i := range spans {
			w := rng.Float64()*2 - 1
			if rng.IntN(3) == 0 {
				w = values[rng.IntN(len(values))]
				if w != w && rng.IntN(10) != 0 {
					w = 0.5 // NaN rarely
				}
			}
			spans[i] = span{start: i, n: 1 + rng.IntN(3), neg: rng.IntN(2) == 0, w: w}
		}
		k := 1 + rng.IntN(10)
		want := reportedSpans(sortSpans(slices.Clone(spans)), k)
		var buf [8]span
		got := reportedSpans(topSpans(slices.Clone(spans), k, buf[:0]), k)
		if !slices.EqualFunc(got, want, func(a, b span) bool {
			return a.start == b.start && a.n == b.n && a.neg == b.neg && math.Float64bits(a.w) == math.Float64bits(b.w)
		}) {
			t.Fatalf("iteration %d, k %d:\n got %v\nwant %v", iter, k, got, want)
		}
	}
}

// reportedSpans is Explain's loop over ranked spans: the spans it turns
// into contributions.
func reportedSpans(ranked []span, k int) []span {
	var out []span
	for _, s := range ranked {
		if len(out) >= k || s.w <= 0 {
			break
		}
		out = append(out, s)
	}
	return out
}

func TestTopSpansReference(t *testing.T) {
	// The reference itself: sortSpans is the stable sort Explain used.
	spans := []span{{start: 0, w: 1}, {start: 1, w: 2}, {start: 2, w: 1}, {start: 3, w: 2}}
	got := reportedSpans(sortSpans(spans), 3)
	if len(got) != 3 || got[0].start != 1 || got[1].start != 3 || got[2].start != 0 {
		t.Fatalf("got %v", got)
	}
}
