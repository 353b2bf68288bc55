package topic

import (
	"bufio"
	_ "embed"
	"fmt"
	"io"
	"math"
	"os"
	"sort"
	"strconv"
	"strings"

	"dvpulse/nlp/textnorm"
)

//go:embed lexicon.tsv
var defaultLexicon string

// DefaultLexiconTSV returns the embedded default lexicon text.
func DefaultLexiconTSV() string { return defaultLexicon }

// Phrase is one lexicon entry.
type Phrase struct {
	Topic  string
	Text   string
	Weight float64
	// Marked restricts the phrase to texts written with diacritics.
	Marked bool
	n      int
	topic  int
}

type ref struct {
	phrase int32
}

// Lexicon is a compiled phrase lexicon. It is immutable and safe for
// concurrent use.
type Lexicon struct {
	Topics    []string
	Phrases   []Phrase
	maxLen    int
	byKey     map[uint64][]ref
	byStrip   map[uint64][]ref
	Threshold float64
}

// DefaultThreshold is the minimum confidence for a topic to be reported.
const DefaultThreshold = 0.5

// DefaultLexicon parses the embedded lexicon.
func DefaultLexicon() (*Lexicon, error) {
	return ParseLexicon(strings.NewReader(defaultLexicon), "embedded lexicon.tsv")
}

// LoadLexicon parses a lexicon file (same format as the embedded one).
func LoadLexicon(path string) (*Lexicon, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("topic: open lexicon: %w", err)
	}
	defer f.Close()
	return ParseLexicon(f, path)
}

func seqStart() uint64 { return 0x6a09e667f3bcc908 }
func seqStep(h, k uint64) uint64 {
	h ^= k
	h *= 0x100000001b3
	h ^= h >> 31
	return h * 0x9E3779B97F4A7C15
}

// ParseLexicon reads "topic<TAB>phrase<TAB>weight[<TAB>marked]" lines;
// blank lines and lines starting with # are ignored. Topic codes outside
// the built-in taxonomy are accepted, so staff can add topics.
func ParseLexicon(r io.Reader, name string) (*Lexicon, error) {
	lx := &Lexicon{byKey: map[uint64][]ref{}, byStrip: map[uint64][]ref{}, Threshold: DefaultThreshold}
	topicIdx := map[string]int{}
	for _, c := range Codes {
		topicIdx[c] = len(lx.Topics)
		lx.Topics = append(lx.Topics, c)
	}
	sc := bufio.NewScanner(r)
	var toks []textnorm.Token
	for line := 1; sc.Scan(); line++ {
		s := strings.TrimRight(sc.Text(), "\r")
		if strings.TrimSpace(s) == "" || strings.HasPrefix(strings.TrimSpace(s), "#") {
			continue
		}
		cols := strings.Split(s, "\t")
		if len(cols) < 3 {
			return nil, fmt.Errorf("topic: %s line %d: want topic<TAB>phrase<TAB>weight", name, line)
		}
		code := strings.TrimSpace(cols[0])
		if code == "" {
			return nil, fmt.Errorf("topic: %s line %d: empty topic", name, line)
		}
		w, err := strconv.ParseFloat(strings.TrimSpace(cols[2]), 64)
		if err != nil || w <= 0 || w > 10 {
			return nil, fmt.Errorf("topic: %s line %d: bad weight %q", name, line, cols[2])
		}
		p := Phrase{Topic: code, Text: textnorm.Normalize(strings.TrimSpace(cols[1])), Weight: w}
		if len(cols) > 3 && strings.Contains(cols[3], "marked") {
			p.Marked = true
		}
		toks = textnorm.Tokenize(p.Text, toks[:0])
		if len(toks) == 0 {
			return nil, fmt.Errorf("topic: %s line %d: empty phrase", name, line)
		}
		ti, ok := topicIdx[code]
		if !ok {
			ti = len(lx.Topics)
			topicIdx[code] = ti
			lx.Topics = append(lx.Topics, code)
		}
		p.topic, p.n = ti, len(toks)
		hk, hs := seqStart(), seqStart()
		for _, t := range toks {
			hk = seqStep(hk, t.Key)
			hs = seqStep(hs, t.Strip)
		}
		id := int32(len(lx.Phrases))
		lx.Phrases = append(lx.Phrases, p)
		lx.byKey[hk] = append(lx.byKey[hk], ref{id})
		if !p.Marked {
			lx.byStrip[hs] = append(lx.byStrip[hs], ref{id})
		}
		if p.n > lx.maxLen {
			lx.maxLen = p.n
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("topic: read %s: %w", name, err)
	}
	if len(lx.Phrases) == 0 {
		return nil, fmt.Errorf("topic: %s has no phrases", name)
	}
	return lx, nil
}

// Match is one phrase occurrence: tokens [Start, End).
type Match struct {
	Phrase     int
	Start, End int
}

// Plain reports whether a token sequence looks typed without diacritics:
// fewer than 30% of its alphabetic syllables carry a mark.
func Plain(toks []textnorm.Token) bool {
	words, marked := 0, 0
	for i := range toks {
		t := &toks[i]
		if t.Kind != textnorm.Word || t.Expanded {
			continue
		}
		words++
		if t.Marked {
			marked++
		}
	}
	return words > 0 && marked*10 < words*3
}

// Matches appends every phrase occurrence in toks to dst.
func (lx *Lexicon) Matches(toks []textnorm.Token, dst []Match) []Match {
	plain := Plain(toks)
	for i := range toks {
		h := seqStart()
		for n := 1; n <= lx.maxLen && i+n <= len(toks); n++ {
			t := &toks[i+n-1]
			if t.Kind == textnorm.Punct {
				break
			}
			var refs []ref
			if plain {
				h = seqStep(h, t.Strip)
				refs = lx.byStrip[h]
			} else {
				h = seqStep(h, t.Key)
				refs = lx.byKey[h]
			}
			for _, r := range refs {
				if lx.Phrases[r.phrase].n == n {
					dst = append(dst, Match{Phrase: int(r.phrase), Start: i, End: i + n})
				}
			}
		}
	}
	return dst
}

// Score is one topic's result.
type Score struct {
	Topic      string   `json:"topic"`
	Confidence float64  `json:"confidence"`
	Phrases    []string `json:"phrases,omitempty"`
}

// Score returns the topics whose confidence reaches the lexicon threshold,
// most confident first. matches is scratch space and may be nil.
func (lx *Lexicon) Score(toks []textnorm.Token, matches []Match) []Score {
	all := lx.ScoreAll(toks, matches)
	out := all[:0]
	for _, s := range all {
		if s.Confidence >= lx.Threshold {
			out = append(out, s)
		}
	}
	return out
}

// ScoreAll is Score without the threshold (topics with no match are
// omitted).
func (lx *Lexicon) ScoreAll(toks []textnorm.Token, matches []Match) []Score {
	matches = lx.Matches(toks, matches[:0])
	if len(matches) == 0 {
		return nil
	}
	var sums [64]float64
	var counted [64]bool
	var out []Score
	seen := make(map[int]bool, len(matches))
	for i, m := range matches {
		p := &lx.Phrases[m.Phrase]
		if seen[m.Phrase] || p.topic >= len(sums) {
			continue
		}
		// Skip phrases covered by a longer match of the same topic.
		covered := false
		for j, o := range matches {
			if j == i {
				continue
			}
			q := &lx.Phrases[o.Phrase]
			if q.topic == p.topic && o.Start <= m.Start && o.End >= m.End && o.End-o.Start > m.End-m.Start {
				covered = true
				break
			}
		}
		if covered {
			continue
		}
		seen[m.Phrase] = true
		sums[p.topic] += p.Weight
		counted[p.topic] = true
	}
	for t, ok := range counted {
		if !ok {
			continue
		}
		s := Score{Topic: lx.Topics[t], Confidence: round4(1 - math.Exp(-sums[t]))}
		for id := range seen {
			if lx.Phrases[id].topic == t {
				s.Phrases = append(s.Phrases, lx.Phrases[id].Text)
			}
		}
		sort.Strings(s.Phrases)
		out = append(out, s)
	}
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].Confidence != out[j].Confidence {
			return out[i].Confidence > out[j].Confidence
		}
		return out[i].Topic < out[j].Topic
	})
	return out
}

func round4(x float64) float64 { return math.Round(x*1e4) / 1e4 }
