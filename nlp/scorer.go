package nlp

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"math"
	"sync"

	"dvpulse/nlp/linear"
	"dvpulse/nlp/sentiment"
	"dvpulse/nlp/textnorm"
	"dvpulse/nlp/topic"
)

// ModelName identifies the model family in every Result.
const ModelName = "dvpulse-nlp/hashed-lr-sentiment+topic-lexicon"

// Probs holds the calibrated class probabilities.
type Probs struct {
	Negative float64 `json:"negative"`
	Neutral  float64 `json:"neutral"`
	Positive float64 `json:"positive"`
}

// TopicScore is one taxonomy topic assigned to a text.
type TopicScore struct {
	Code       string   `json:"code"`
	Name       string   `json:"name,omitempty"`
	Confidence float64  `json:"confidence"`
	Phrases    []string `json:"phrases,omitempty"`
}

// Contribution is an n-gram that pushed the sentiment toward the predicted
// label; Weight is its share of the logit (higher pushes more).
type Contribution = sentiment.Contribution

// Result is the score of one text.
type Result struct {
	Label        string         `json:"label"`
	Score        float64        `json:"score"`
	Confidence   float64        `json:"confidence"`
	Probs        Probs          `json:"probabilities"`
	Topics       []TopicScore   `json:"topics"`
	Explain      []Contribution `json:"explanation"`
	Model        string         `json:"model"`
	ModelVersion string         `json:"model_version"`
}

// Options configures New.
type Options struct {
	// Sentiment is the classifier; nil uses the embedded model.
	Sentiment *sentiment.Classifier
	// Lexicon is the topic lexicon; nil uses the embedded lexicon.
	Lexicon *topic.Lexicon
	// LexiconPath, when set and Lexicon is nil, loads the lexicon from a
	// file instead of the embedded default.
	LexiconPath string
	// ExplainTop is the number of explanation n-grams (default 5; a
	// negative value disables explanations).
	ExplainTop int
}

// Scorer scores texts. It is safe for concurrent use.
type Scorer struct {
	sent    *sentiment.Classifier
	lex     *topic.Lexicon
	top     int
	version string
	pool    sync.Pool
}

type scratch struct {
	toks    []textnorm.Token
	feats   []linear.Feature
	matches []topic.Match
}

var (
	defaultOnce   sync.Once
	defaultScorer *Scorer
	defaultErr    error
)

// Default returns the scorer built from the embedded models, loading them
// once on first use.
func Default() (*Scorer, error) {
	defaultOnce.Do(func() {
		defaultScorer, defaultErr = New(Options{})
	})
	return defaultScorer, defaultErr
}

// New builds a scorer.
func New(o Options) (*Scorer, error) {
	s := &Scorer{sent: o.Sentiment, lex: o.Lexicon, top: o.ExplainTop}
	if s.top == 0 {
		s.top = 5
	}
	if s.sent == nil {
		c, err := sentiment.Default()
		if err != nil {
			return nil, fmt.Errorf("nlp: %w", err)
		}
		s.sent = c
	}
	lexText := topic.DefaultLexiconTSV()
	if s.lex == nil {
		var err error
		if o.LexiconPath != "" {
			s.lex, err = topic.LoadLexicon(o.LexiconPath)
			lexText = o.LexiconPath
		} else {
			s.lex, err = topic.DefaultLexicon()
		}
		if err != nil {
			return nil, fmt.Errorf("nlp: %w", err)
		}
	}
	lh := sha256.Sum256([]byte(lexText))
	s.version = fmt.Sprintf("sentiment-%s+%s/lexicon-%s", s.sent.Model.Version, s.sent.Digest, hex.EncodeToString(lh[:4]))
	s.pool.New = func() any { return &scratch{} }
	return s, nil
}

// ModelVersion identifies the exact models (version and content digests).
func (s *Scorer) ModelVersion() string { return s.version }

// Sentiment returns the sentiment classifier in use.
func (s *Scorer) Sentiment() *sentiment.Classifier { return s.sent }

// Lexicon returns the topic lexicon in use.
func (s *Scorer) Lexicon() *topic.Lexicon { return s.lex }

// Score scores one text.
func (s *Scorer) Score(text string) Result {
	return s.ScoreNormalized(textnorm.Normalize(text), true)
}

// ScoreNormalized scores a text that is already normalised: Score(text) is
// ScoreNormalized(textnorm.Normalize(text), true). With topics false it
// skips the topic lexicon and leaves Result.Topics nil, for callers that
// need only the sentiment.
func (s *Scorer) ScoreNormalized(normalized string, topics bool) Result {
	sc := s.pool.Get().(*scratch)
	defer s.pool.Put(sc)
	sc.toks = textnorm.TokenizeNormalized(normalized, sc.toks[:0])
	sc.feats = s.sent.Model.Features.Extract(sc.toks, sc.feats[:0])
	var p [3]float64
	cls := s.sent.Predict(sc.feats, &p)
	r := Result{
		Label:        sentiment.Labels[cls],
		Score:        round4(p[sentiment.Positive] - p[sentiment.Negative]),
		Confidence:   round4(p[cls]),
		Probs:        Probs{Negative: round4(p[0]), Neutral: round4(p[1]), Positive: round4(p[2])},
		Model:        ModelName,
		ModelVersion: s.version,
	}
	if s.top > 0 {
		r.Explain = s.sent.Explain(sc.toks, sc.feats, cls, s.top, nil)
	}
	if !topics {
		return r
	}
	ts := s.lex.Score(sc.toks, sc.matches[:0])
	if len(ts) > 0 {
		r.Topics = make([]TopicScore, len(ts))
		for i, t := range ts {
			r.Topics[i] = TopicScore{Code: t.Topic, Name: topic.Names[t.Topic], Confidence: t.Confidence, Phrases: t.Phrases}
		}
	}
	return r
}

func round4(x float64) float64 { return math.Round(x*1e4) / 1e4 }
