package experiment

import (
	"sort"

	"github.com/nightshift-ml/nightshift/journal"
	"github.com/nightshift-ml/nightshift/trainer/gbdt"
	"github.com/nightshift-ml/nightshift/trainer/metrics"
)

// What a holdout read journals of a model beyond its metrics, for the
// report: its curves on the holdout and, for the final model, its
// features' gain importance.

// holdoutCurves are a model's ROC, precision-recall and calibration
// curves on the holdout (metrics.ComputeCurves) as the journal keeps them.
func holdoutCurves(y, p []float64) *journal.Curves {
	c := metrics.ComputeCurves(y, p)
	out := &journal.Curves{ROC: journalPoints(c.ROC), PR: journalPoints(c.PR)}
	for _, b := range c.Calibration {
		out.Calibration = append(out.Calibration, journal.CalibrationBin(b))
	}
	return out
}

func journalPoints(ps []metrics.CurvePoint) []journal.CurvePoint {
	var out []journal.CurvePoint
	for _, p := range ps {
		out = append(out, journal.CurvePoint(p))
	}
	return out
}

// finalImportance is a final model's gain importance per feature: each
// GBDT member's split gains per feature (LightGBM's importance_type
// "gain") as shares of that member's total, averaged with the members'
// weights; largest first. Logistic-regression members have no gain and
// are left out (the shares are over the GBDT members' weight). Nil when
// the model has no GBDT member.
func finalImportance(f *Fitted) []journal.FeatureGain {
	share := map[string]float64{}
	weight := 0.0
	for _, m := range f.Members {
		g, ok := m.Model.(*gbdt.Model)
		if !ok {
			continue
		}
		imp := g.FeatureImportance()
		total := 0.0
		for _, x := range imp {
			total += x.Gain
		}
		if total == 0 {
			continue
		}
		weight += m.Weight
		for _, x := range imp {
			if x.Gain > 0 {
				share[x.Feature] += m.Weight * x.Gain / total
			}
		}
	}
	if weight == 0 {
		return nil
	}
	out := make([]journal.FeatureGain, 0, len(share))
	for k, v := range share {
		out = append(out, journal.FeatureGain{Feature: k, Gain: v / weight})
	}
	sort.Slice(out, func(a, b int) bool {
		if out[a].Gain != out[b].Gain {
			return out[a].Gain > out[b].Gain
		}
		return out[a].Feature < out[b].Feature
	})
	return out
}
