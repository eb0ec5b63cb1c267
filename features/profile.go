package features

import (
	"math"
	"math/rand/v2"
	"sort"
	"strings"
	"unicode"
)

// LeakAUC is the single-column AUC at or above which a column is flagged as
// a likely label leak.
const LeakAUC = 0.99

// profileSample bounds the rows used for the single-column AUCs.
const profileSample = 100_000

// Profile summarises a table for people (the profile command, the report)
// and for planners.
type Profile struct {
	File      string          `json:"file,omitempty"`
	Rows      int             `json:"rows"`
	Target    string          `json:"target"`
	Positive  string          `json:"positive"`
	Why       string          `json:"positive_chosen_by"`
	Positives int             `json:"positives"`
	LabelRate float64         `json:"label_rate"`
	Columns   []ColumnProfile `json:"columns"`
	// Leaks names the columns whose single-column AUC is ≥ LeakAUC.
	Leaks []string `json:"leaks"`
	// Unused names the columns no model sees as they are, with the reason.
	Unused []UnusedColumn `json:"unused"`
}

// UnusedColumn is a column a model cannot use raw, and why.
type UnusedColumn struct {
	Name   string `json:"name"`
	Reason string `json:"reason"`
}

// ColumnProfile describes one column.
type ColumnProfile struct {
	Name        string  `json:"name"`
	Kind        string  `json:"kind"`
	Missing     int     `json:"missing"`
	MissingRate float64 `json:"missing_rate"`
	Distinct    int     `json:"distinct"`
	// AUC is the column's single-column ROC AUC against the label, folded to
	// ≥ 0.5 (numeric: the raw values, missing lowest; categorical: the level's
	// label rate, cross-fitted on two halves so rare levels cannot fake signal).
	AUC     float64       `json:"auc"`
	Leak    bool          `json:"leak"`
	Numeric *NumericStats `json:"numeric,omitempty"`
	Top     []LevelCount  `json:"top,omitempty"`
	Text    *TextStats    `json:"text,omitempty"`
}

// NumericStats are computed over the present values.
type NumericStats struct {
	Min  float64 `json:"min"`
	Max  float64 `json:"max"`
	Mean float64 `json:"mean"`
	Std  float64 `json:"std"`
	Skew float64 `json:"skew"`
	// Quantiles at 1%, 5%, 25%, 50%, 75%, 95%, 99% (nearest rank).
	Quantiles []float64 `json:"quantiles"`
}

// LevelCount is a categorical level and its frequency.
type LevelCount struct {
	Value string  `json:"value"`
	Count int     `json:"count"`
	Share float64 `json:"share"`
	Rate  float64 `json:"label_rate"`
}

// TextStats summarise the length of free text.
type TextStats struct {
	MeanChars float64 `json:"mean_chars"`
	MaxChars  int     `json:"max_chars"`
	MeanWords float64 `json:"mean_words"`
}

var profileQuantiles = []float64{0.01, 0.05, 0.25, 0.5, 0.75, 0.95, 0.99}

// ProfileFrame profiles every column of fr except the target's. seed fixes
// the AUC sample.
func ProfileFrame(fr *Frame, t *Target, seed uint64) *Profile {
	p := &Profile{Rows: fr.Rows, Target: t.Name, Positive: t.Positive, Why: t.Why,
		Positives: t.Positives, LabelRate: t.Rate(), Leaks: []string{}, Unused: []UnusedColumn{}}
	rng := rand.New(rand.NewPCG(seed, 0x9e3779b97f4a7c15))
	sample := sampleRows(fr.Rows, profileSample, rng)
	half := make([]bool, len(sample))
	for i := range half {
		half[i] = rng.IntN(2) == 0
	}
	for _, c := range fr.Columns {
		if c.Name == t.Name {
			continue
		}
		cp := ColumnProfile{Name: c.Name, Kind: c.Kind.String(), Missing: c.Missing}
		if fr.Rows > 0 {
			cp.MissingRate = float64(c.Missing) / float64(fr.Rows)
		}
		switch c.Kind {
		case Numeric, Datetime:
			cp.Numeric, cp.Distinct = numericStats(c.Num)
			cp.AUC = numericAUC(c.Num, t.Y, sample)
		case Categorical:
			cp.Distinct = distinctLevels(c)
			cp.Top = topLevels(c, t.Y, 10)
			cp.AUC = crossFitAUC(c, t.Y, sample, half)
		case Text:
			cp.Distinct = distinctLevels(c)
			cp.Text = textStats(c)
			p.Unused = append(p.Unused, UnusedColumn{c.Name, "free text: models see it only through text transforms (length, word_count, tokens, ...)"})
		case Identifier:
			cp.Distinct = distinctLevels(c)
			p.Unused = append(p.Unused, UnusedColumn{c.Name, "identifier (one distinct value per row): excluded from features; use --categorical to override"})
		}
		if cp.AUC >= LeakAUC {
			cp.Leak = true
			p.Leaks = append(p.Leaks, c.Name)
		}
		if cp.Distinct <= 1 && c.Kind != Text && c.Kind != Identifier {
			p.Unused = append(p.Unused, UnusedColumn{c.Name, "constant: a single value (or all missing)"})
		}
		p.Columns = append(p.Columns, cp)
	}
	return p
}

func sampleRows(n, k int, rng *rand.Rand) []int {
	if n <= k {
		out := make([]int, n)
		for i := range out {
			out[i] = i
		}
		return out
	}
	out := rng.Perm(n)[:k]
	sort.Ints(out)
	return out
}

func distinctLevels(c *Column) int {
	d := 0
	for _, n := range c.Counts {
		if n > 0 {
			d++
		}
	}
	return d
}

func numericStats(v []float64) (*NumericStats, int) {
	var present []float64
	for _, x := range v {
		if !math.IsNaN(x) {
			present = append(present, x)
		}
	}
	if len(present) == 0 {
		return nil, 0
	}
	sort.Float64s(present)
	n := float64(len(present))
	var sum float64
	for _, x := range present {
		sum += x
	}
	mean := sum / n
	var m2, m3 float64
	for _, x := range present {
		d := x - mean
		m2 += d * d
		m3 += d * d * d
	}
	m2 /= n
	m3 /= n
	s := &NumericStats{Min: present[0], Max: present[len(present)-1], Mean: mean, Std: math.Sqrt(m2)}
	if m2 > 0 {
		s.Skew = m3 / math.Pow(m2, 1.5) // population skewness g1
	}
	for _, q := range profileQuantiles {
		i := int(math.Ceil(q*n)) - 1
		s.Quantiles = append(s.Quantiles, present[max(i, 0)])
	}
	distinct := 1
	for i := 1; i < len(present); i++ {
		if present[i] != present[i-1] {
			distinct++
		}
	}
	return s, distinct
}

func topLevels(c *Column, y []float64, k int) []LevelCount {
	pos := make([]float64, len(c.Levels))
	for i, code := range c.Codes {
		if code >= 0 {
			pos[code] += y[i]
		}
	}
	idx := make([]int, 0, len(c.Levels))
	for i, n := range c.Counts {
		if n > 0 {
			idx = append(idx, i)
		}
	}
	sort.Slice(idx, func(a, b int) bool {
		if c.Counts[idx[a]] != c.Counts[idx[b]] {
			return c.Counts[idx[a]] > c.Counts[idx[b]]
		}
		return idx[a] < idx[b]
	})
	if len(idx) > k {
		idx = idx[:k]
	}
	total := len(c.Codes)
	out := make([]LevelCount, len(idx))
	for j, i := range idx {
		out[j] = LevelCount{Value: c.Levels[i], Count: c.Counts[i], Share: float64(c.Counts[i]) / float64(total), Rate: pos[i] / float64(c.Counts[i])}
	}
	return out
}

func textStats(c *Column) *TextStats {
	var chars, words float64
	maxc := 0
	n := 0
	for _, code := range c.Codes {
		if code < 0 {
			continue
		}
		s := c.Levels[code]
		chars += float64(len([]rune(s)))
		words += float64(len(strings.FieldsFunc(s, unicode.IsSpace)))
		maxc = max(maxc, len([]rune(s)))
		n++
	}
	if n == 0 {
		return &TextStats{}
	}
	return &TextStats{MeanChars: chars / float64(n), MaxChars: maxc, MeanWords: words / float64(n)}
}

// numericAUC is the folded ROC AUC of the raw values (missing ranked lowest).
func numericAUC(v, y []float64, rows []int) float64 {
	s := make([]float64, len(rows))
	ys := make([]float64, len(rows))
	for j, i := range rows {
		s[j] = v[i]
		if math.IsNaN(s[j]) {
			s[j] = math.Inf(-1)
		}
		ys[j] = y[i]
	}
	return fold(rankAUC(s, ys))
}

// crossFitAUC scores each sampled row of one half by its level's label rate
// in the other half (smoothed toward the overall rate), so that a level seen
// once cannot predict its own label.
func crossFitAUC(c *Column, y []float64, rows []int, half []bool) float64 {
	nl := len(c.Levels) + 1 // last slot: missing
	var cnt, pos [2][]float64
	for h := 0; h < 2; h++ {
		cnt[h] = make([]float64, nl)
		pos[h] = make([]float64, nl)
	}
	var tot [2]float64
	var totPos [2]float64
	for j, i := range rows {
		h := 0
		if half[j] {
			h = 1
		}
		l := int(c.Codes[i])
		if l < 0 {
			l = nl - 1
		}
		cnt[h][l]++
		pos[h][l] += y[i]
		tot[h]++
		totPos[h] += y[i]
	}
	const prior = 10
	s := make([]float64, len(rows))
	ys := make([]float64, len(rows))
	for j, i := range rows {
		o := 1 // the other half
		if half[j] {
			o = 0
		}
		l := int(c.Codes[i])
		if l < 0 {
			l = nl - 1
		}
		base := 0.0
		if tot[o] > 0 {
			base = totPos[o] / tot[o]
		}
		s[j] = (pos[o][l] + prior*base) / (cnt[o][l] + prior)
		ys[j] = y[i]
	}
	return fold(rankAUC(s, ys))
}

func fold(a float64) float64 {
	if math.IsNaN(a) {
		return 0.5
	}
	return math.Max(a, 1-a)
}

// rankAUC is the Mann–Whitney U statistic over positives and negatives,
// ties given their average rank. NaN when one class is absent.
func rankAUC(s, y []float64) float64 {
	idx := make([]int, len(s))
	for i := range idx {
		idx[i] = i
	}
	sort.Slice(idx, func(a, b int) bool { return s[idx[a]] < s[idx[b]] })
	var rankSumPos, nPos float64
	for i := 0; i < len(idx); {
		j := i
		for j < len(idx) && s[idx[j]] == s[idx[i]] {
			j++
		}
		avg := float64(i+j+1) / 2 // ranks i+1..j
		for k := i; k < j; k++ {
			if y[idx[k]] == 1 {
				rankSumPos += avg
				nPos++
			}
		}
		i = j
	}
	nNeg := float64(len(s)) - nPos
	if nPos == 0 || nNeg == 0 {
		return math.NaN()
	}
	return (rankSumPos - nPos*(nPos+1)/2) / (nPos * nNeg)
}
