package linear

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"

	"dvpulse/nlp/textnorm"
)

const magic = "DVPLIN1\n"

// Header is the JSON metadata stored in front of the quantised weights.
type Header struct {
	Name     string        `json:"name"`
	Version  string        `json:"version"`
	Classes  []string      `json:"classes"`
	Features FeatureConfig `json:"features"`
	Train    TrainConfig   `json:"train"`
	// Scale converts int8 weights to floats: w = q * Scale.
	Scale float64 `json:"scale"`
	// Bias is the per-class intercept.
	Bias []float64 `json:"bias"`
	// Offset is a per-class decision offset tuned on the dev split.
	Offset []float64 `json:"offset"`
	// Temperature divides the logits before the softmax (calibration).
	Temperature float64 `json:"temperature"`
	// Notes records data and selection facts for the model card.
	Notes map[string]string `json:"notes,omitempty"`
}

// Model is a quantised hashed linear classifier. It is immutable after
// loading and safe for concurrent use.
type Model struct {
	Header
	q []int8 // q[bucket*C+c]
}

// Quantize converts float weights to an int8 model. The scale maps the
// 99.99th percentile of absolute weights to 127; larger weights clip.
func Quantize(w *Weights, h Header) *Model {
	abs := make([]float64, 0, len(w.W)/4)
	for _, x := range w.W {
		if x != 0 {
			abs = append(abs, math.Abs(float64(x)))
		}
	}
	maxAbs := 1e-6
	if len(abs) > 0 {
		maxAbs = quantile(abs, 0.9999)
	}
	h.Scale = maxAbs / 127
	h.Bias = make([]float64, w.Classes)
	for c := range h.Bias {
		h.Bias[c] = float64(w.B[c])
	}
	if h.Offset == nil {
		h.Offset = make([]float64, w.Classes)
	}
	if h.Temperature == 0 {
		h.Temperature = 1
	}
	h.Features.Bits = w.Bits
	m := &Model{Header: h, q: make([]int8, len(w.W))}
	for i, x := range w.W {
		v := math.Round(float64(x) / h.Scale)
		if v > 127 {
			v = 127
		} else if v < -127 {
			v = -127
		}
		m.q[i] = int8(v)
	}
	return m
}

func quantile(v []float64, p float64) float64 {
	// Selection by counting in a histogram of float bits keeps this
	// deterministic and O(n) without sorting a copy.
	maxV := 0.0
	for _, x := range v {
		if x > maxV {
			maxV = x
		}
	}
	const nb = 1 << 16
	var hist [nb]int
	for _, x := range v {
		i := int(x / maxV * (nb - 1))
		hist[i]++
	}
	target := int(math.Ceil(p * float64(len(v))))
	acc := 0
	for i := 0; i < nb; i++ {
		acc += hist[i]
		if acc >= target {
			return float64(i+1) / (nb - 1) * maxV
		}
	}
	return maxV
}

// NumClasses returns the number of classes.
func (m *Model) NumClasses() int { return len(m.Classes) }

// Weight returns the dequantised weight of bucket b for class c.
func (m *Model) Weight(b uint32, c int) float64 {
	return float64(m.q[int(b)*len(m.Classes)+c]) * m.Scale
}

// MemoryBytes estimates the heap used by the weights.
func (m *Model) MemoryBytes() int { return len(m.q) + 64*len(m.Classes) }

// RawLogits writes bias + sum of weights into out (no offset, no
// temperature). out must have NumClasses elements.
func (m *Model) RawLogits(feats []Feature, out []float64) {
	C := len(m.Classes)
	var acc [16]int32
	if C > len(acc) {
		panic("linear: too many classes")
	}
	q := m.q
	switch C {
	case 3:
		var a0, a1, a2 int32
		for _, f := range feats {
			i := int(f.Bucket) * 3
			r := q[i : i+3 : i+3]
			a0 += int32(r[0])
			a1 += int32(r[1])
			a2 += int32(r[2])
		}
		acc[0], acc[1], acc[2] = a0, a1, a2
	default:
		for _, f := range feats {
			i := int(f.Bucket) * C
			for c, x := range q[i : i+C] {
				acc[c] += int32(x)
			}
		}
	}
	s := m.Scale * m.Features.InputScale(len(feats))
	for c := 0; c < C; c++ {
		out[c] = m.Bias[c] + float64(acc[c])*s
	}
}

// Probs writes calibrated probabilities into out and returns the argmax
// class of the offset-adjusted logits.
func (m *Model) Probs(feats []Feature, out []float64) int {
	m.RawLogits(feats, out)
	return m.Calibrate(out)
}

// Calibrate applies the decision offsets and temperature to raw logits in
// place, turning them into probabilities, and returns the predicted class.
func (m *Model) Calibrate(out []float64) int {
	C := len(m.Classes)
	for c := 0; c < C; c++ {
		out[c] = (out[c] + m.Offset[c]) / m.Temperature
	}
	best := Argmax(out[:C])
	Softmax(out[:C])
	return best
}

// Featurize tokenises text and extracts this model's features.
func (m *Model) Featurize(text string, toks []textnorm.Token, feats []Feature) ([]textnorm.Token, []Feature) {
	toks = textnorm.Tokenize(text, toks[:0])
	feats = m.Features.Extract(toks, feats[:0])
	return toks, feats
}

// Encode writes the model as gzip(magic, header length, JSON header, int8
// weights). The output is byte-identical for identical models.
func (m *Model) Encode(w io.Writer) error {
	hdr, err := json.Marshal(m.Header)
	if err != nil {
		return fmt.Errorf("linear: encode header: %w", err)
	}
	zw, err := gzip.NewWriterLevel(w, gzip.BestCompression)
	if err != nil {
		return fmt.Errorf("linear: gzip: %w", err)
	}
	bw := bufio.NewWriter(zw)
	bw.WriteString(magic)
	var n [4]byte
	binary.LittleEndian.PutUint32(n[:], uint32(len(hdr)))
	bw.Write(n[:])
	bw.Write(hdr)
	for _, x := range m.q {
		bw.WriteByte(byte(x))
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("linear: write model: %w", err)
	}
	if err := zw.Close(); err != nil {
		return fmt.Errorf("linear: close gzip: %w", err)
	}
	return nil
}

// EncodeBytes is Encode into memory.
func (m *Model) EncodeBytes() ([]byte, error) {
	var b bytes.Buffer
	err := m.Encode(&b)
	return b.Bytes(), err
}

// Decode reads a model written by Encode.
func Decode(r io.Reader) (*Model, error) {
	zr, err := gzip.NewReader(r)
	if err != nil {
		return nil, fmt.Errorf("linear: open model: %w", err)
	}
	defer zr.Close()
	br := bufio.NewReader(zr)
	mg := make([]byte, len(magic))
	if _, err := io.ReadFull(br, mg); err != nil {
		return nil, fmt.Errorf("linear: read magic: %w", err)
	}
	if string(mg) != magic {
		return nil, errors.New("linear: not a dvpulse linear model")
	}
	var n [4]byte
	if _, err := io.ReadFull(br, n[:]); err != nil {
		return nil, fmt.Errorf("linear: read header size: %w", err)
	}
	hdr := make([]byte, binary.LittleEndian.Uint32(n[:]))
	if _, err := io.ReadFull(br, hdr); err != nil {
		return nil, fmt.Errorf("linear: read header: %w", err)
	}
	m := &Model{}
	if err := json.Unmarshal(hdr, &m.Header); err != nil {
		return nil, fmt.Errorf("linear: parse header: %w", err)
	}
	C := len(m.Classes)
	if C < 2 || C > 16 || m.Features.Bits < 8 || m.Features.Bits > 24 || len(m.Bias) != C || len(m.Offset) != C || m.Temperature <= 0 {
		return nil, errors.New("linear: invalid model header")
	}
	buf := make([]byte, (1<<m.Features.Bits)*C)
	if _, err := io.ReadFull(br, buf); err != nil {
		return nil, fmt.Errorf("linear: read weights: %w", err)
	}
	m.q = make([]int8, len(buf))
	for i, b := range buf {
		m.q[i] = int8(b)
	}
	return m, nil
}

// DecodeBytes is Decode from memory.
func DecodeBytes(b []byte) (*Model, error) { return Decode(bytes.NewReader(b)) }
