package linear

import (
	"math"

	"dvpulse/nlp/textnorm"
)

// FeatureKind says which template produced a feature.
type FeatureKind uint8

// Feature templates.
const (
	KindWord     FeatureKind = iota // tone-key syllable n-gram
	KindStripped                    // diacritic-free syllable n-gram
	KindNeg                         // syllable inside a negation scope
	KindChar                        // character n-gram inside a syllable
	KindLen                         // text length bucket (no surface span)
	KindEdge                        // first or last syllable of the text
	KindShort                       // n-gram of a short text (length conjunction)
	KindWhole                       // the whole syllable sequence of a short text
	KindSkip                        // two syllables with one in between
)

// FeatureConfig selects the feature templates. It is stored in the model
// header so that scoring uses exactly the features the model was trained on.
type FeatureConfig struct {
	// Bits is log2 of the number of hash buckets.
	Bits int `json:"bits"`
	// Words is the highest syllable n-gram order on the tone-key channel.
	Words int `json:"words"`
	// Stripped is the highest n-gram order on the diacritic-free channel
	// (0 disables it).
	Stripped int `json:"stripped"`
	// Neg adds a NEG_-prefixed unigram (and bigram) for syllables after a
	// negator, up to punctuation or NegWindow syllables.
	Neg bool `json:"neg"`
	// NegWindow limits the negation scope; 0 means until punctuation.
	NegWindow int `json:"neg_window"`
	// CharMin and CharMax give the character n-gram lengths taken inside
	// each syllable padded with boundary marks (0 disables them).
	CharMin int `json:"char_min"`
	CharMax int `json:"char_max"`
	// Punct keeps punctuation tokens inside word n-grams.
	Punct bool `json:"punct"`
	// Norm scales the feature vector of a text by 1/sqrt(number of
	// feature occurrences), so long and short texts give logits of the
	// same order (see InputScale).
	Norm bool `json:"norm,omitempty"`
	// Length adds one feature for the number of syllables (bucketed).
	Length bool `json:"length,omitempty"`
	// Edges adds features for the first and the last syllable of the text
	// (sentence-boundary unigrams).
	Edges bool `json:"edges,omitempty"`
	// Short > 0 makes texts of at most Short syllables emit their
	// tone-key 1- and 2-grams a second time in a separate namespace, so
	// that a word can weigh differently in a bare fragment ("giảng bài .")
	// than inside a longer sentence.
	Short int `json:"short,omitempty"`
	// Whole > 0 adds one feature hashing the complete syllable sequence
	// of texts of at most Whole syllables.
	Whole int `json:"whole,omitempty"`
	// Skip adds skip-bigrams (syllables i-2 and i, tone-key channel).
	Skip bool `json:"skip,omitempty"`
}

// lengthBucket maps a syllable count to a small bucket number.
func lengthBucket(n int) uint64 {
	switch {
	case n <= 6:
		return uint64(n)
	case n <= 8:
		return 7
	case n <= 11:
		return 8
	case n <= 15:
		return 9
	case n <= 25:
		return 10
	}
	return 11
}

// InputScale is the value of one feature occurrence in a text with n
// feature occurrences: 1/sqrt(n) with Norm, otherwise 1.
func (c FeatureConfig) InputScale(n int) float64 {
	if !c.Norm || n <= 1 {
		return 1
	}
	return 1 / math.Sqrt(float64(n))
}

// Feature is one hashed feature occurrence with enough position data to
// render its surface text for explanations.
type Feature struct {
	Bucket uint32
	Kind   FeatureKind
	N      uint8  // number of tokens
	Start  uint16 // index of the first token
}

const (
	mixA = 0x9E3779B97F4A7C15
	mixB = 0xC2B2AE3D27D4EB4F
)

func fmix(h uint64) uint64 {
	h ^= h >> 33
	h *= 0xff51afd7ed558ccd
	h ^= h >> 33
	h *= 0xc4ceb9fe1a85ec53
	h ^= h >> 33
	return h
}

func start(ns uint64, k uint64) uint64 { return (ns+1)*mixA ^ k }
func step(h, k uint64) uint64          { return (h^(h>>29))*mixB ^ k }

// Extract appends the features of toks to dst.
func (c FeatureConfig) Extract(toks []textnorm.Token, dst []Feature) []Feature {
	shift := uint(64 - c.Bits)
	emit := func(kind FeatureKind, ns uint64, h uint64, st, n int) {
		dst = append(dst, Feature{Bucket: uint32(fmix(h^ns*mixB) >> shift), Kind: kind, N: uint8(n), Start: uint16(st)})
	}
	if len(toks) > 0xffff {
		toks = toks[:0xffff]
	}
	nWords := 0
	if c.Short > 0 || c.Whole > 0 {
		for i := range toks {
			if toks[i].Kind != textnorm.Punct {
				nWords++
			}
		}
	}
	short := c.Short > 0 && nWords <= c.Short
	negLeft := 0
	for i := range toks {
		t := &toks[i]
		inNeg := false
		if c.Neg {
			if t.Kind == textnorm.Punct {
				negLeft = 0
			} else if negLeft > 0 {
				inNeg = !t.Neg
				negLeft--
			}
			if t.Neg {
				negLeft = c.NegWindow
				if negLeft == 0 {
					negLeft = 1 << 30
				}
			}
		}
		if t.Kind == textnorm.Punct && !c.Punct {
			continue
		}
		// Word n-grams ending at i.
		h := start(1, t.Key)
		emit(KindWord, 1, h, i, 1)
		for n := 2; n <= c.Words; n++ {
			j := i - n + 1
			if j < 0 {
				break
			}
			p := &toks[j]
			if p.Kind == textnorm.Punct && !c.Punct {
				break
			}
			// Build the n-gram hash left to right for stability.
			h = start(uint64(n), toks[j].Key)
			ok := true
			for k := j + 1; k <= i; k++ {
				if toks[k].Kind == textnorm.Punct && !c.Punct {
					ok = false
					break
				}
				h = step(h, toks[k].Key)
			}
			if !ok {
				break
			}
			emit(KindWord, uint64(n), h, j, n)
		}
		if short {
			emit(KindShort, 51, start(51, t.Key), i, 1)
			if i > 0 && toks[i-1].Kind != textnorm.Punct {
				emit(KindShort, 52, step(start(52, toks[i-1].Key), t.Key), i-1, 2)
			}
		}
		if c.Skip && i >= 2 && toks[i-1].Kind != textnorm.Punct && toks[i-2].Kind != textnorm.Punct {
			emit(KindSkip, 53, step(start(53, toks[i-2].Key), t.Key), i-2, 3)
		}
		if t.Kind == textnorm.Word || c.Punct {
			if c.Stripped >= 1 {
				emit(KindStripped, 11, start(11, t.Strip), i, 1)
			}
			for n := 2; n <= c.Stripped; n++ {
				j := i - n + 1
				if j < 0 {
					break
				}
				h = start(uint64(10+n), toks[j].Strip)
				ok := true
				for k := j; k <= i; k++ {
					if toks[k].Kind == textnorm.Punct && !c.Punct {
						ok = false
						break
					}
					if k > j {
						h = step(h, toks[k].Strip)
					}
				}
				if !ok {
					break
				}
				emit(KindStripped, uint64(10+n), h, j, n)
			}
		}
		if inNeg {
			emit(KindNeg, 21, start(21, t.Key), i, 1)
			if c.Stripped > 0 {
				emit(KindNeg, 22, start(22, t.Strip), i, 1)
			}
		}
		if c.CharMax > 0 && t.Kind == textnorm.Word {
			dst = charGrams(c, t.Text, i, shift, dst)
		}
	}
	if c.Whole > 0 && nWords > 0 && nWords <= c.Whole {
		h := start(54, uint64(nWords))
		first, last := -1, 0
		for i := range toks {
			if toks[i].Kind == textnorm.Punct {
				continue
			}
			if first < 0 {
				first = i
			}
			last = i
			h = step(h, toks[i].Key)
		}
		emit(KindWhole, 54, h, first, last-first+1)
	}
	if c.Length || c.Edges {
		first, last, n := -1, -1, 0
		for i := range toks {
			if toks[i].Kind == textnorm.Punct {
				continue
			}
			if first < 0 {
				first = i
			}
			last = i
			n++
		}
		if c.Length {
			emit(KindLen, 41, start(41, lengthBucket(n)), 0, 0)
		}
		if c.Edges && first >= 0 {
			emit(KindEdge, 42, start(42, toks[first].Key), first, 1)
			emit(KindEdge, 43, start(43, toks[last].Key), last, 1)
		}
	}
	return dst
}

func charGrams(c FeatureConfig, w string, pos int, shift uint, dst []Feature) []Feature {
	var buf [48]rune
	rs := buf[:0]
	rs = append(rs, '<')
	for _, r := range w {
		if len(rs) >= len(buf)-1 {
			break
		}
		rs = append(rs, r)
	}
	rs = append(rs, '>')
	for n := c.CharMin; n <= c.CharMax; n++ {
		if n > len(rs) {
			break
		}
		for s := 0; s+n <= len(rs); s++ {
			if n == len(rs) {
				// The whole padded syllable duplicates the unigram.
				continue
			}
			h := uint64(31 + n)
			for _, r := range rs[s : s+n] {
				h = step(h, uint64(r))
			}
			dst = append(dst, Feature{Bucket: uint32(fmix(h) >> shift), Kind: KindChar, N: 1, Start: uint16(pos)})
		}
	}
	return dst
}
