//go:build bench

package dsl

import (
	"context"
	"fmt"
	"math"
	"path/filepath"
	"strings"
	"testing"

	"github.com/nightshift-ml/nightshift/features"
	"github.com/nightshift-ml/nightshift/trainer"
	"github.com/nightshift-ml/nightshift/trainer/gbdt"
	"github.com/nightshift-ml/nightshift/trainer/linear"
	"github.com/nightshift-ml/nightshift/trainer/metrics"
	"github.com/nightshift-ml/nightshift/trainer/split"
	"golang.org/x/sync/errgroup"
)

// toDataset is the Output → trainer.Dataset conversion the experiment does.
func toDataset(o *Output) *trainer.Dataset {
	ds := &trainer.Dataset{Rows: o.Rows}
	for _, c := range o.Columns {
		if c.Kind == features.Categorical {
			ds.Features = append(ds.Features, trainer.Feature{Name: c.Name, Categorical: true, NumCategories: len(c.Levels), Values: CodesAsFloat(c)})
		} else {
			ds.Features = append(ds.Features, trainer.Feature{Name: c.Name, Values: c.Num})
		}
	}
	for _, s := range o.Sparse {
		ds.Sparse = append(ds.Sparse, trainer.SparseBlock{Name: s.Name, Width: s.Width, RowPtr: s.RowPtr, Index: s.Index, Value: s.Value})
	}
	return ds
}

// searchGBDT is the search's warm start (experiment/space.go: gbdtDefaults
// and fixedGBDT — LightGBM's defaults, at most 1000 trees, early stopping
// after 30 rounds on binary_logloss of the fold's validation part), copied
// here because experiment imports this package.
func searchGBDT(t testing.TB) gbdt.Params {
	t.Helper()
	p, err := gbdt.ParseParams(map[string]string{"learning_rate": "0.1", "num_leaves": "31", "min_data_in_leaf": "20",
		"min_sum_hessian_in_leaf": "0.001", "lambda_l2": "0", "feature_fraction": "1", "bagging_fraction": "1", "cat_smooth": "10",
		"num_iterations": "1000", "early_stopping_round": "30", "bagging_freq": "1", "seed": "1", "num_threads": "1"})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// foldAUC fits the spec's pipeline on the training rows, applies it to the
// validation rows and returns the validation AUC of a GBDT with params prm.
// It runs on worker goroutines, so it returns errors rather than failing t.
func foldAUC(fr *features.Frame, y []float64, target, src string, f split.Fold, seed uint64, prm gbdt.Params) (float64, error) {
	ctx := context.Background()
	spec, err := Parse(src)
	if err != nil {
		return 0, err
	}
	ytr, yva := takeY(y, f.Train), takeY(y, f.Valid)
	p, trOut, err := Fit(ctx, spec, fr.Take(f.Train), ytr, FitOptions{Target: target, Seed: seed, Threads: 1})
	if err != nil {
		return 0, err
	}
	vaOut, err := p.Apply(ctx, fr.Take(f.Valid))
	if err != nil {
		return 0, err
	}
	dtr, dva := toDataset(trOut), toDataset(vaOut)
	btr, err := gbdt.NewBinnedDataset(ctx, dtr, prm.MaxBin)
	if err != nil {
		return 0, err
	}
	bva, err := btr.Bin(ctx, dva)
	if err != nil {
		return 0, err
	}
	m, err := gbdt.Train(ctx, prm, gbdt.Data{Binned: btr, Labels: ytr}, &gbdt.Data{Binned: bva, Labels: yva})
	if err != nil {
		return 0, err
	}
	score, err := m.PredictProba(dva)
	if err != nil {
		return 0, err
	}
	return metrics.ROCAUC(yva, score, nil)
}

// pairedCV is repeated stratified K-fold CV with every spec scored on the
// same folds: auc[s][r*k+j] is spec s on fold j of repeat r (folds drawn
// with seed seeds[r]). Two folds run at a time.
func pairedCV(t testing.TB, fr *features.Frame, y []float64, target string, specs []string, seeds []uint64, k int) [][]float64 {
	t.Helper()
	prm := searchGBDT(t)
	aucs := make([][]float64, len(specs))
	for s := range aucs {
		aucs[s] = make([]float64, len(seeds)*k)
	}
	var g errgroup.Group
	g.SetLimit(2)
	for r, seed := range seeds {
		folds, err := split.StratifiedKFold(y, k, seed)
		if err != nil {
			t.Fatal(err)
		}
		for j, f := range folds {
			for s, src := range specs {
				g.Go(func() error {
					a, err := foldAUC(fr, y, target, src, f, seed*100+uint64(j), prm)
					if err != nil {
						return fmt.Errorf("spec %d, repeat %d (seed %d), fold %d: %w", s, r, seed, j+1, err)
					}
					aucs[s][r*k+j] = a
					return nil
				})
			}
		}
	}
	if err := g.Wait(); err != nil {
		t.Fatal(err)
	}
	return aucs
}

// pairedDiff summarises spec b against spec a over repeated K-fold CV (n
// fold pairs in all): the mean AUC of b, the mean paired difference b − a,
// its standard error as the search computes it for its paired test
// (experiment/compare.go: sd of the fold differences / √n), and the
// Nadeau–Bengio corrected standard error sd·√(1/n + 1/(K−1)), which allows
// for the folds sharing training rows (Nadeau & Bengio 2003, "Inference for
// the generalization error"; Bouckaert & Frank 2004 for repeated CV).
func pairedDiff(a, b []float64, k int) (meanB, diff, se, seNB float64) {
	n := float64(len(a))
	for i := range a {
		meanB += b[i] / n
		diff += (b[i] - a[i]) / n
	}
	var ss float64
	for i := range a {
		d := b[i] - a[i] - diff
		ss += d * d
	}
	sd := math.Sqrt(ss / (n - 1))
	return meanB, diff, sd / math.Sqrt(n), sd * math.Sqrt(1/n+1/float64(k-1))
}

// cvModelAUCStd also returns the standard deviation of the fold AUCs.
func cvModelAUCStd(t *testing.T, fr *features.Frame, y []float64, target, src, model string) (float64, float64) {
	t.Helper()
	ctx := context.Background()
	folds, err := split.StratifiedKFold(y, 5, 1)
	if err != nil {
		t.Fatal(err)
	}
	var aucs []float64
	for k, f := range folds {
		spec := MustParse(src)
		ytr, yva := takeY(y, f.Train), takeY(y, f.Valid)
		p, trOut, err := Fit(ctx, spec, fr.Take(f.Train), ytr, FitOptions{Target: target, Seed: uint64(k)})
		if err != nil {
			t.Fatal(err)
		}
		vaOut, err := p.Apply(ctx, fr.Take(f.Valid))
		if err != nil {
			t.Fatal(err)
		}
		dtr, dva := toDataset(trOut), toDataset(vaOut)
		if len(dtr.Features) == 0 && (model == "gbdt" || len(dtr.Sparse) == 0) {
			return 0.5, 0
		}
		var score []float64
		switch model {
		case "gbdt":
			prm := gbdt.DefaultParams()
			prm.NumIterations, prm.LearningRate, prm.EarlyStoppingRound, prm.Metric, prm.Seed = 400, 0.05, 40, "auc", 1
			btr, err := gbdt.NewBinnedDataset(ctx, dtr, prm.MaxBin)
			if err != nil {
				t.Fatal(err)
			}
			bva, err := btr.Bin(ctx, dva)
			if err != nil {
				t.Fatal(err)
			}
			m, err := gbdt.Train(ctx, prm, gbdt.Data{Binned: btr, Labels: ytr}, &gbdt.Data{Binned: bva, Labels: yva})
			if err != nil {
				t.Fatal(err)
			}
			if score, err = m.PredictProba(dva); err != nil {
				t.Fatal(err)
			}
		case "logreg":
			prm := linear.DefaultParams()
			prm.Tol, prm.MaxIter = 1e-5, 300
			m, err := linear.Fit(ctx, dtr, ytr, prm)
			if err != nil {
				t.Fatal(err)
			}
			if score, err = m.PredictProba(dva); err != nil {
				t.Fatal(err)
			}
		}
		a, err := metrics.ROCAUC(yva, score, nil)
		if err != nil {
			t.Fatal(err)
		}
		aucs = append(aucs, a)
	}
	var mean, ss float64
	for _, a := range aucs {
		mean += a / float64(len(aucs))
	}
	for _, a := range aucs {
		ss += (a - mean) * (a - mean)
	}
	return mean, math.Sqrt(ss / float64(len(aucs)-1))
}

// Paired repeated CV for the tabular sets: 5 repeats of stratified 5-fold
// CV, every spec on the same folds. The creditcard_10k candidates were
// picked on selectionSeeds; confirmationSeeds are fresh draws for the check.
// A candidate that beats raw columns by more than its paired SE on both
// gets a second check on 10 more fresh repeats (recheckSeeds).
var (
	selectionSeeds    = []uint64{1, 2, 3, 4, 5}
	confirmationSeeds = []uint64{101, 102, 103, 104, 105}
	recheckSeeds      = []uint64{201, 202, 203, 204, 205, 206, 207, 208, 209, 210}
	// finalSeeds score the sets of sharedSpecs marked beatsRaw, chosen
	// on the seeds above, once more on 20 repeats none of them has seen.
	finalSeeds = []uint64{301, 302, 303, 304, 305, 306, 307, 308, 309, 310, 311, 312, 313, 314, 315, 316, 317, 318, 319, 320}
)

// rawSpec is the raw-column baseline of a shared file ("" = every base
// column; vehicle_claims' PolicyNumber is a row id).
func rawSpec(file string) string {
	if file == "fraud/vehicle_claims.csv" {
		return "drop(PolicyNumber)"
	}
	return ""
}

// TestSharedFeatureSetsBeatRawColumns compares GBDT CV AUC on raw columns
// and on the hand-written feature sets of sharedSpecs.
//
// Text (sms_spam, enron1): one 5-fold CV; raw text is no feature, so the
// text stats (GBDT) and text stats + hashed tokens (logistic regression)
// must win by a wide margin.
//
// Tabular (creditcard_10k, vehicle_claims, criteo_5k): paired repeated CV
// with the search's warm-start GBDT (searchGBDT, early stopping per fold),
// reporting the mean AUC of each side, the mean paired difference, its
// standard error over the fold pairs and the Nadeau–Bengio corrected one.
//
// A set marked beatsRaw was chosen on selectionSeeds, held up on
// confirmationSeeds and recheckSeeds, and is scored here on finalSeeds (20
// repeats it was not chosen on); it must beat raw columns by more than its
// paired SE. Only vehicle_claims' set qualifies: range_mid in place of the
// nine binned-range columns, +0.0047 ± 0.0018, +0.0018 ± 0.0014 and
// +0.0025 ± 0.0011 on the three seed sets, +0.0009 ± 0.0007 on finalSeeds
// (Nadeau–Bengio SE 0.0035: a small gain, not one the corrected test can
// confirm).
//
// The other sets have not been shown to beat raw columns (the candidate
// searches in shared_candidates_test.go and
// TestCreditcardGroupAggregateCandidates list what was tried), so the
// assertion is the one the data supports: on confirmationSeeds the set does
// not lose by more than 2 paired standard errors. It failed, for example,
// for the means of V14, V17, V12, V10 and V4 over category(Amount) while a
// training row's own value was part of its group: −0.0036 ± 0.0012 on the
// selection seeds, against +0.0007 ± 0.0011 with the leave-one-out fit.
// criteo_5k's count in place of the 13 wide categoricals led by
// +0.0035 ± 0.0018 and +0.0037 ± 0.0019 on selection and confirmation
// seeds, then faded to +0.0011 ± 0.0013 on recheckSeeds and
// +0.0008 ± 0.0011 on finalSeeds. Run:
//
//	go test -tags bench -run TestSharedFeatureSetsBeatRawColumns -v ./features/dsl
func TestSharedFeatureSetsBeatRawColumns(t *testing.T) {
	for _, s := range sharedSpecs[:5] {
		t.Run(filepath.Base(s.file), func(t *testing.T) {
			fr, y := loadShared(t, s.file, s.target)
			if strings.HasPrefix(s.file, "spam/") {
				rawAUC, rawSD := cvModelAUCStd(t, fr, y, s.target, "", "gbdt")
				featAUC, featSD := cvModelAUCStd(t, fr, y, s.target, s.spec, "gbdt")
				lr, lrSD := cvModelAUCStd(t, fr, y, s.target, s.spec, "logreg")
				t.Logf("%s 5-fold CV AUC: raw columns (GBDT) %.4f ± %.4f, text stats (GBDT) %.4f ± %.4f, text stats + hashed tokens (logistic regression) %.4f ± %.4f", s.file, rawAUC, rawSD, featAUC, featSD, lr, lrSD)
				if featAUC < rawAUC+0.3 || lr < rawAUC+0.3 {
					t.Errorf("text features: GBDT %.4f, logreg %.4f, want far above raw %.4f", featAUC, lr, rawAUC)
				}
				return
			}
			seeds := confirmationSeeds
			if s.beatsRaw {
				seeds = finalSeeds
			}
			aucs := pairedCV(t, fr, y, s.target, []string{rawSpec(s.file), s.spec}, seeds, 5)
			rawAUC, _, _, _ := pairedDiff(aucs[0], aucs[0], 5)
			featAUC, diff, se, seNB := pairedDiff(aucs[0], aucs[1], 5)
			t.Logf("%s GBDT, %d×5-fold CV (seeds %v): raw columns %.4f, feature set %.4f, paired difference %+.4f ± %.4f (Nadeau–Bengio ± %.4f, t = %.2f)",
				s.file, len(seeds), seeds, rawAUC, featAUC, diff, se, seNB, diff/se)
			switch {
			case s.beatsRaw && diff <= se:
				t.Errorf("the feature set does not beat raw columns by more than its paired SE: %+.4f ≤ %.4f", diff, se)
			case diff < -2*se:
				t.Errorf("the feature set loses to raw columns: paired difference %+.4f < -2 × %.4f", diff, se)
			}
		})
	}
}

// creditcardCandidates are the group-aggregate sets tried on creditcard_10k
// for issue #5 (each against raw columns, which stay in every set): time of
// day, traffic and same-amount velocity, amount frequency and peer-group
// statistics, deviations from amount- and hour-peer groups, the share of
// fraud-like rows in recent traffic, and time since the same amount.
var creditcardCandidates = []struct{ name, spec string }{
	{"hour of day", `hour = hour(Time)`},
	{"traffic velocity (all rows, point-in-time)", `n_10m = group_count(window="10m", time=Time); n_1h = group_count(window="1h", time=Time)`},
	{"same-amount velocity (point-in-time)", `a_10m = group_count(category(Amount), window="10m", time=Time); a_1h = group_count(category(Amount), window="1h", time=Time)`},
	{"amount frequency", `a_n = group_count(category(Amount))`},
	{"amount peer means of V14 V17 V12 V10 V4", `a_n = group_count(category(Amount)); a_v14 = group_mean(V14, category(Amount)); a_v17 = group_mean(V17, category(Amount))
a_v12 = group_mean(V12, category(Amount)); a_v10 = group_mean(V10, category(Amount)); a_v4 = group_mean(V4, category(Amount))`},
	{"amount peer std and max", `a_n = group_count(category(Amount)); a_s14 = group_std(V14, category(Amount)); a_x4 = group_max(V4, category(Amount))
a_x14 = group_max(-V14, category(Amount)); a_x17 = group_max(-V17, category(Amount)); a_x12 = group_max(-V12, category(Amount))`},
	{"deviation from amount-bin peers", deviations("category(bin(Amount, 32))", 1, 2, 3, 4, 5, 7, 10, 12, 14, 17, 20)},
	{"hour peer means", `hour = hour(Time); hour_v14 = group_mean(V14, category(hour(Time))); hour_amount = group_mean(log1p(Amount), category(hour(Time)))`},
	{"share of fraud-like rows in the last 30 min", `f14 = group_mean(clip(-V14 - 3, 0, 1), window="30m", time=Time)
f17 = group_mean(clip(-V17 - 3, 0, 1), window="30m", time=Time); f12 = group_mean(clip(-V12 - 3, 0, 1), window="30m", time=Time)`},
	{"time since the same amount / any row", `gap_amount = diff(Time, group_max(Time, category(Amount), time=Time)); gap_any = diff(Time, group_max(Time, time=Time))`},
	{"amount fraud rate (target_mean, out-of-fold)", `te_amount = target_mean(category(Amount))`},
	{"velocity + amount peers + hour (the sharedSpecs set)", creditcardSpec},
	{"point-in-time amount aggregates (the previous set)", `log_amount = log1p(Amount); amount_rank = rank(Amount); v14_bin = bin(V14, 16)
amount_seen = group_count(category(Amount), time=Time); amount_1h = group_count(category(Amount), window="1h", time=Time)
amount_v14_mean = group_mean(V14, category(Amount), time=Time); amount_v4_max = group_max(V4, category(Amount), window="6h", time=Time)
amount_v12_std = group_std(V12, category(Amount), window="1d", time=Time); amount_n_v17 = group_nunique(bin(V17, 8), category(Amount), time=Time)`},
}

// deviations writes d<k> = V<k> − its mean over the group by, for each k.
func deviations(by string, ks ...int) string {
	var b strings.Builder
	for _, k := range ks {
		fmt.Fprintf(&b, "d%d = diff(V%d, group_mean(V%d, %s)); ", k, k, k, by)
	}
	return b.String()
}

// TestCreditcardGroupAggregateCandidates is the search behind the
// creditcard_10k line of TestSharedFeatureSetsBeatRawColumns: every
// candidate against raw columns, paired, on the selection seeds and on fresh
// confirmation seeds; candidates ahead by more than one paired SE on both
// are checked again on recheckSeeds. It logs the table and fails only when
// a candidate loses to raw columns by more than 2 paired standard errors on
// the confirmation seeds. About 750 GBDT fits. Run:
//
//	go test -tags bench -run TestCreditcardGroupAggregateCandidates -v -timeout 30m ./features/dsl
func TestCreditcardGroupAggregateCandidates(t *testing.T) {
	res := candidateSearch(t, "fraud/creditcard_10k.csv", "Class", creditcardCandidates)
	for _, c := range creditcardCandidates {
		if f := res[c.name][1]; f.diff < -2*f.se {
			t.Errorf("%s loses to raw columns on the confirmation seeds: %+.4f < -2 × %.4f", c.name, f.diff, f.se)
		}
	}
}

// pairedRow is one feature set against raw columns over one seed set: its
// mean AUC, the mean paired difference, its SE and the Nadeau–Bengio SE.
type pairedRow struct{ mean, diff, se, seNB float64 }

// candidateSearch scores every candidate against the raw columns of file
// (rawSpec), paired, on selectionSeeds and on confirmationSeeds; candidates
// ahead by more than one paired SE on both are scored again on
// recheckSeeds. It logs the table and returns each candidate's rows:
// selection, confirmation and, when rechecked, the recheck.
func candidateSearch(t *testing.T, file, target string, cands []struct{ name, spec string }) map[string][]pairedRow {
	t.Helper()
	fr, y := loadShared(t, file, target)
	specs := []string{rawSpec(file)}
	for _, c := range cands {
		specs = append(specs, c.spec)
	}
	table := map[string][]pairedRow{}
	var rawMean [2]float64
	for r, seeds := range [][]uint64{selectionSeeds, confirmationSeeds} {
		aucs := pairedCV(t, fr, y, target, specs, seeds, 5)
		rawMean[r], _, _, _ = pairedDiff(aucs[0], aucs[0], 5)
		for i, c := range cands {
			m, d, se, nb := pairedDiff(aucs[0], aucs[i+1], 5)
			table[c.name] = append(table[c.name], pairedRow{m, d, se, nb})
		}
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s, GBDT, 5×5-fold CV AUC; paired difference ± SE over 25 fold pairs (Nadeau–Bengio SE)\n", filepath.Base(file))
	fmt.Fprintf(&b, "%-55s | selection seeds %v | confirmation seeds %v\n", "feature set", selectionSeeds, confirmationSeeds)
	fmt.Fprintf(&b, "%-55s | %.4f | %.4f\n", "raw columns", rawMean[0], rawMean[1])
	for _, c := range cands {
		s, f := table[c.name][0], table[c.name][1]
		fmt.Fprintf(&b, "%-55s | %.4f %+.4f ± %.4f (%.4f) | %.4f %+.4f ± %.4f (%.4f)\n", c.name, s.mean, s.diff, s.se, s.seNB, f.mean, f.diff, f.se, f.seNB)
	}
	recheck := []string{rawSpec(file)}
	var names []string
	for _, c := range cands {
		if s, f := table[c.name][0], table[c.name][1]; s.diff > s.se && f.diff > f.se {
			recheck = append(recheck, c.spec)
			names = append(names, c.name)
		}
	}
	if len(names) > 0 {
		aucs := pairedCV(t, fr, y, target, recheck, recheckSeeds, 5)
		raw, _, _, _ := pairedDiff(aucs[0], aucs[0], 5)
		fmt.Fprintf(&b, "recheck on %d more repeats (seeds %v): raw columns %.4f\n", len(recheckSeeds), recheckSeeds, raw)
		for i, name := range names {
			m, d, se, nb := pairedDiff(aucs[0], aucs[i+1], 5)
			table[name] = append(table[name], pairedRow{m, d, se, nb})
			fmt.Fprintf(&b, "%-55s | %.4f %+.4f ± %.4f (%.4f)\n", name, m, d, se, nb)
		}
	}
	t.Log("\n" + b.String())
	return table
}
