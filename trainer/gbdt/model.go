package gbdt

import (
	"fmt"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/nightshift-ml/nightshift/trainer"
)

// Model is a trained binary GBDT. Its raw score for a row is the sum of one
// leaf value per tree (tree 0 includes the init score), its probability the
// logistic of that sum: the same arithmetic as leaves and LightGBM on the
// model's text file.
type Model struct {
	trees         []*tree
	names         []string // feature names as written (sanitised)
	infos         []string // LightGBM feature_infos tokens
	categorical   []bool
	bestIteration int
	validMetric   []float64
	metric        string
	validRaw      []float64 // the validation rows' raw scores under the returned trees
	sections      int       // parallel sections the fit ran (team.sections), for benchmarks
}

func newModel(d *BinnedDataset) *Model {
	m := &Model{}
	seen := map[string]bool{}
	for j, name := range d.names {
		n := sanitizeName(name, j)
		for seen[n] {
			n += "_"
		}
		seen[n] = true
		m.names = append(m.names, n)
		mp := &d.mappers[j]
		m.categorical = append(m.categorical, mp.categorical)
		m.infos = append(m.infos, featureInfo(mp))
	}
	return m
}

// sanitizeName replaces with '_' only what the model text cannot carry:
// whitespace and control characters (feature_names is split on spaces, the
// file on lines), '=' (leaves splits each line on it), and the JSON
// characters LightGBM refuses in a feature name (" , : [ ] { }; its
// Common::CheckAllowedJSON). Anything else, non-ASCII letters included
// (分类), is kept as it is, as LightGBM keeps it.
func sanitizeName(s string, j int) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r == utf8.RuneError, unicode.IsSpace(r), unicode.IsControl(r), strings.ContainsRune(`=",:[]{}`, r):
			b.WriteByte('_')
		default:
			b.WriteRune(r)
		}
	}
	if b.Len() == 0 {
		return "Column_" + strconv.Itoa(j)
	}
	return b.String()
}

func featureInfo(m *binMapper) string {
	if m.trivial {
		return "none"
	}
	if m.categorical {
		parts := make([]string, 0, len(m.cats)-1)
		for _, c := range m.cats[1:] {
			parts = append(parts, strconv.Itoa(c))
		}
		return strings.Join(parts, ":")
	}
	return "[" + formatFloat(m.min) + ":" + formatFloat(m.max) + "]"
}

// NumTrees is the number of trees (one per iteration) in the model.
func (m *Model) NumTrees() int { return len(m.trees) }

// BestIteration is the 1-based iteration with the best validation metric
// when early stopping was on (the model keeps exactly that many trees), 0
// otherwise.
func (m *Model) BestIteration() int { return m.bestIteration }

// ValidMetric is the validation metric after each iteration (empty without
// validation rows); MetricName says which metric.
func (m *Model) ValidMetric() []float64 { return m.validMetric }

// MetricName is the metric of ValidMetric: binary_logloss or auc.
func (m *Model) MetricName() string { return m.metric }

// FeatureNames are the feature names as written in the model file.
func (m *Model) FeatureNames() []string { return m.names }

// Importance is one feature's importance: the number of splits on it and
// their total gain (LightGBM's importance_type split and gain).
type Importance struct {
	Feature string
	Splits  int
	Gain    float64
}

// FeatureImportance returns every feature's importance in feature order.
func (m *Model) FeatureImportance() []Importance {
	out := make([]Importance, len(m.names))
	for j := range out {
		out[j].Feature = m.names[j]
	}
	for _, t := range m.trees {
		for k, f := range t.splitFeature {
			if t.splitGain[k] > 0 {
				out[f].Splits++
				out[f].Gain += t.splitGain[k]
			}
		}
	}
	return out
}

// PredictRaw returns each row's raw score (log-odds). ds must have the
// training data's features in the same order.
func (m *Model) PredictRaw(ds *trainer.Dataset) ([]float64, error) {
	if len(ds.Features) != len(m.names) {
		return nil, fmt.Errorf("gbdt: dataset has %d features, the model %d", len(ds.Features), len(m.names))
	}
	for j := range ds.Features {
		if len(ds.Features[j].Values) != ds.Rows {
			return nil, fmt.Errorf("gbdt: feature %q: %d values, want %d rows", ds.Features[j].Name, len(ds.Features[j].Values), ds.Rows)
		}
	}
	out := make([]float64, ds.Rows)
	parallelRows(ds.Rows, runtime.GOMAXPROCS(0), func(lo, hi int) {
		row := make([]float64, len(ds.Features))
		for r := lo; r < hi; r++ {
			for j := range ds.Features {
				row[j] = ds.Features[j].Values[r]
			}
			var s float64
			for _, t := range m.trees {
				s += t.leafValue[t.leafOfRaw(row)]
			}
			out[r] = s
		}
	})
	return out, nil
}

// ValidationProba returns the probabilities of the validation rows Train
// was given (in their order) under the returned model, early stopping
// applied: the scores Train kept for early stopping, summed tree by tree as
// PredictRaw sums them, so they equal PredictProba on those rows bit for
// bit without scoring them again. nil when Train had no validation rows.
// Each call returns a new slice.
func (m *Model) ValidationProba() []float64 {
	if m.validRaw == nil {
		return nil
	}
	out := make([]float64, len(m.validRaw))
	for i, v := range m.validRaw {
		out[i] = sigmoid(v)
	}
	return out
}

// PredictProba returns each row's probability of the positive class.
func (m *Model) PredictProba(ds *trainer.Dataset) ([]float64, error) {
	out, err := m.PredictRaw(ds)
	if err != nil {
		return nil, err
	}
	for i, v := range out {
		out[i] = sigmoid(v)
	}
	return out, nil
}

// sortedImportance lists features with splits, most splits first, as in
// LightGBM's feature_importances block (ties keep feature order).
func (m *Model) sortedImportance() []Importance {
	var imp []Importance
	for _, x := range m.FeatureImportance() {
		if x.Splits > 0 {
			imp = append(imp, x)
		}
	}
	sort.SliceStable(imp, func(i, j int) bool { return imp[i].Splits > imp[j].Splits })
	return imp
}
