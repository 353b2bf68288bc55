package linear

import (
	"fmt"
	"io"
	"strings"
)

// Confusion is a confusion matrix: M[gold][pred].
type Confusion struct {
	Classes []string
	M       [][]int
}

// NewConfusion returns an empty matrix.
func NewConfusion(classes []string) *Confusion {
	m := make([][]int, len(classes))
	for i := range m {
		m[i] = make([]int, len(classes))
	}
	return &Confusion{Classes: classes, M: m}
}

// Add records one prediction.
func (c *Confusion) Add(gold, pred int) { c.M[gold][pred]++ }

// ClassStats holds precision, recall, F1 and support of one class.
type ClassStats struct {
	Class                     string
	Precision, Recall, F1     float64
	Support, Predicted, TrueP int
}

// Stats returns per-class statistics.
func (c *Confusion) Stats() []ClassStats {
	out := make([]ClassStats, len(c.Classes))
	for k := range c.Classes {
		tp := c.M[k][k]
		sup, pred := 0, 0
		for j := range c.Classes {
			sup += c.M[k][j]
			pred += c.M[j][k]
		}
		s := ClassStats{Class: c.Classes[k], Support: sup, Predicted: pred, TrueP: tp}
		if pred > 0 {
			s.Precision = float64(tp) / float64(pred)
		}
		if sup > 0 {
			s.Recall = float64(tp) / float64(sup)
		}
		if s.Precision+s.Recall > 0 {
			s.F1 = 2 * s.Precision * s.Recall / (s.Precision + s.Recall)
		}
		out[k] = s
	}
	return out
}

// MacroF1 is the unweighted mean of per-class F1.
func (c *Confusion) MacroF1() float64 {
	s := 0.0
	st := c.Stats()
	for _, x := range st {
		s += x.F1
	}
	return s / float64(len(st))
}

// WeightedF1 weights per-class F1 by support.
func (c *Confusion) WeightedF1() float64 {
	s, n := 0.0, 0
	for _, x := range c.Stats() {
		s += x.F1 * float64(x.Support)
		n += x.Support
	}
	if n == 0 {
		return 0
	}
	return s / float64(n)
}

// Accuracy is the share of correct predictions.
func (c *Confusion) Accuracy() float64 {
	ok, n := 0, 0
	for i := range c.M {
		for j, v := range c.M[i] {
			n += v
			if i == j {
				ok += v
			}
		}
	}
	if n == 0 {
		return 0
	}
	return float64(ok) / float64(n)
}

// Total is the number of recorded predictions.
func (c *Confusion) Total() int {
	n := 0
	for i := range c.M {
		for _, v := range c.M[i] {
			n += v
		}
	}
	return n
}

// WriteMarkdown prints per-class metrics and the matrix as Markdown tables.
func (c *Confusion) WriteMarkdown(w io.Writer, title string) {
	fmt.Fprintf(w, "%s (n=%d): accuracy %.4f, macro-F1 %.4f, weighted-F1 %.4f\n\n", title, c.Total(), c.Accuracy(), c.MacroF1(), c.WeightedF1())
	fmt.Fprintln(w, "| class | precision | recall | F1 | support |")
	fmt.Fprintln(w, "|---|---|---|---|---|")
	for _, s := range c.Stats() {
		fmt.Fprintf(w, "| %s | %.4f | %.4f | %.4f | %d |\n", s.Class, s.Precision, s.Recall, s.F1, s.Support)
	}
	fmt.Fprintln(w)
	fmt.Fprintf(w, "| gold \\ predicted | %s |\n", strings.Join(c.Classes, " | "))
	fmt.Fprintf(w, "|---%s|\n", strings.Repeat("|---", len(c.Classes)))
	for i, row := range c.M {
		cells := make([]string, len(row))
		for j, v := range row {
			cells[j] = fmt.Sprint(v)
		}
		fmt.Fprintf(w, "| %s | %s |\n", c.Classes[i], strings.Join(cells, " | "))
	}
	fmt.Fprintln(w)
}
