package features

import (
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"sort"
	"strings"
	"time"
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
	// Warnings are what loading did to the data unasked (Frame.Warnings).
	Warnings []Warning `json:"warnings"`
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
	Dates   *DateStats    `json:"dates,omitempty"`
	Top     []LevelCount  `json:"top,omitempty"`
	Text    *TextStats    `json:"text,omitempty"`
}

// NumericStats are computed over the present, finite values, so that every
// figure is finite and JSON can carry it; Infinite counts the ±Inf values
// left out. The moments are computed on the values divided by their largest
// magnitude (skewness does not depend on scale; mean and std are scaled
// back), so a value like 1e300 cannot overflow them.
type NumericStats struct {
	Min  float64 `json:"min"`
	Max  float64 `json:"max"`
	Mean float64 `json:"mean"`
	Std  float64 `json:"std"`
	// Skew is the population skewness g1; 0 for a constant column.
	Skew      float64   `json:"skew"`
	Quantiles Quantiles `json:"quantiles"`
	Infinite  int       `json:"infinite,omitempty"`
}

// Quantiles are nearest-rank quantiles of the finite present values.
type Quantiles struct {
	P01 float64 `json:"p01"`
	P05 float64 `json:"p05"`
	P25 float64 `json:"p25"`
	P50 float64 `json:"p50"`
	P75 float64 `json:"p75"`
	P95 float64 `json:"p95"`
	P99 float64 `json:"p99"`
}

// UnmarshalJSON also reads the unlabelled list that profiles journaled
// before the labels were added hold ([p01, p05, p25, p50, p75, p95, p99]).
func (q *Quantiles) UnmarshalJSON(b []byte) error {
	var list []float64
	if err := json.Unmarshal(b, &list); err == nil {
		if len(list) != 7 {
			return fmt.Errorf("quantiles: %d values, want 7", len(list))
		}
		*q = Quantiles{list[0], list[1], list[2], list[3], list[4], list[5], list[6]}
		return nil
	}
	type plain Quantiles
	return json.Unmarshal(b, (*plain)(q))
}

// DateStats summarise a datetime column as ISO 8601 dates (with the time
// of day when any value has one), UTC.
type DateStats struct {
	Min    string `json:"min"`
	Median string `json:"median"`
	Max    string `json:"max"`
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

// ProfileFrame profiles every column of fr except the target's. seed fixes
// the AUC sample.
func ProfileFrame(fr *Frame, t *Target, seed uint64) *Profile {
	p := &Profile{Rows: fr.Rows, Target: t.Name, Positive: t.Positive, Why: t.Why,
		Positives: t.Positives, LabelRate: t.Rate(), Leaks: []string{}, Unused: []UnusedColumn{},
		Warnings: append([]Warning{}, fr.Warnings...)}
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
		case Numeric:
			cp.Numeric, cp.Distinct = numericStats(c.Num)
			cp.AUC = numericAUC(c.Num, t.Y, sample)
		case Datetime:
			var s *NumericStats
			s, cp.Distinct = numericStats(c.Num)
			cp.Dates = dateStats(s)
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

// numericStats summarises v (NaN = missing) and counts its distinct
// present values (infinities included). Stats are nil when no present value
// is finite.
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
	distinct := 1
	for i := 1; i < len(present); i++ {
		if present[i] != present[i-1] {
			distinct++
		}
	}
	// Sorted: -Inf first, +Inf last.
	lo, hi := 0, len(present)
	for lo < hi && math.IsInf(present[lo], -1) {
		lo++
	}
	for hi > lo && math.IsInf(present[hi-1], 1) {
		hi--
	}
	finite := present[lo:hi]
	if len(finite) == 0 {
		return nil, distinct
	}
	s := &NumericStats{Min: finite[0], Max: finite[len(finite)-1], Infinite: len(present) - len(finite)}
	scale := math.Max(math.Abs(s.Min), math.Abs(s.Max))
	if scale > 0 {
		n := float64(len(finite))
		var sum float64
		for _, x := range finite {
			sum += x / scale
		}
		mean := sum / n
		var m2, m3 float64
		for _, x := range finite {
			d := x/scale - mean
			m2 += d * d
			m3 += d * d * d
		}
		m2 /= n
		m3 /= n
		// |x/scale| ≤ 1, so mean and sqrt(m2) are at most 1 and scale them
		// back without overflow.
		s.Mean, s.Std = mean*scale, math.Sqrt(m2)*scale
		if m2 > 0 {
			s.Skew = m3 / math.Pow(m2, 1.5)
		}
	}
	q := func(p float64) float64 {
		i := int(math.Ceil(p*float64(len(finite)))) - 1
		return finite[max(i, 0)]
	}
	s.Quantiles = Quantiles{q(0.01), q(0.05), q(0.25), q(0.5), q(0.75), q(0.95), q(0.99)}
	return s, distinct
}

// dateStats turns the stats of a datetime column (Unix seconds) into dates.
func dateStats(s *NumericStats) *DateStats {
	if s == nil {
		return nil
	}
	layout := "2006-01-02"
	for _, x := range []float64{s.Min, s.Quantiles.P50, s.Max} {
		if math.Mod(x, 86400) != 0 {
			layout = time.RFC3339
		}
	}
	f := func(x float64) string {
		sec, frac := math.Modf(x)
		return time.Unix(int64(sec), int64(frac*1e9)).UTC().Format(layout)
	}
	return &DateStats{Min: f(s.Min), Median: f(s.Quantiles.P50), Max: f(s.Max)}
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
