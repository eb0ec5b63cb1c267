package metrics

import (
	"encoding/json"
	"errors"
	"math"
	"os"
	"path/filepath"
	"testing"
)

// fixture is one case written by testdata/gen_fixtures.py from scikit-learn 1.2.1.
type fixture struct {
	Name              string             `json:"name"`
	Y                 []float64          `json:"y"`
	P                 []float64          `json:"p"`
	W                 []float64          `json:"w"`
	AUC               float64            `json:"auc"`
	PRAUC             float64            `json:"pr_auc"`
	LogLoss           float64            `json:"logloss"`
	Brier             float64            `json:"brier"`
	Accuracy          float64            `json:"accuracy"`
	Precision         float64            `json:"precision"`
	Recall            float64            `json:"recall"`
	F1                float64            `json:"f1"`
	BestF1Threshold   float64            `json:"best_f1_threshold"`
	BestF1            float64            `json:"best_f1"`
	RecallAtPrecision map[string]float64 `json:"recall_at_precision"`
}

func loadFixtures(t *testing.T) []fixture {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "sklearn_metrics.json"))
	if err != nil {
		t.Fatal(err)
	}
	var f struct {
		Cases []fixture `json:"cases"`
	}
	if err := json.Unmarshal(b, &f); err != nil {
		t.Fatal(err)
	}
	if len(f.Cases) < 7 {
		t.Fatalf("fixture has %d cases, want >= 7", len(f.Cases))
	}
	return f.Cases
}

const tol = 1e-9

func near(t *testing.T, what string, got, want float64) {
	t.Helper()
	if math.Abs(got-want) > tol {
		t.Errorf("%s = %.17g, sklearn %.17g (diff %.3g)", what, got, want, got-want)
	}
}

func TestComputeMatchesSklearn(t *testing.T) {
	for _, fx := range loadFixtures(t) {
		t.Run(fx.Name, func(t *testing.T) {
			for _, target := range []float64{0.5, 0.9} {
				r, err := ComputeWith(fx.Y, fx.P, Options{Weights: fx.W, PrecisionTarget: target})
				if err != nil {
					t.Fatal(err)
				}
				near(t, "auc", r.AUC, fx.AUC)
				near(t, "pr_auc", r.PRAUC, fx.PRAUC)
				near(t, "logloss", r.LogLoss, fx.LogLoss)
				near(t, "brier", r.Brier, fx.Brier)
				near(t, "accuracy", r.Accuracy, fx.Accuracy)
				near(t, "precision", r.Precision, fx.Precision)
				near(t, "recall", r.Recall, fx.Recall)
				near(t, "f1", r.F1, fx.F1)
				near(t, "best_f1", r.BestF1, fx.BestF1)
				if r.BestF1Threshold != fx.BestF1Threshold {
					t.Errorf("best_f1_threshold = %v, want %v", r.BestF1Threshold, fx.BestF1Threshold)
				}
				key := map[float64]string{0.5: "0.5", 0.9: "0.9"}[target]
				near(t, "recall_at_precision "+key, r.RecallAtPrecision, fx.RecallAtPrecision[key])
				if (r.RecallAtPrecisionThreshold == nil) != (r.RecallAtPrecision == 0) {
					t.Errorf("recall_at_precision %v but threshold %v", r.RecallAtPrecision, r.RecallAtPrecisionThreshold)
				}
			}
		})
	}
}

func TestStandaloneFunctionsMatchSklearn(t *testing.T) {
	for _, fx := range loadFixtures(t) {
		f1 := func(y, p, w []float64) (float64, error) {
			c, err := ConfusionAt(y, p, w, 0.5)
			return c.F1(), err
		}
		logLoss := func(y, p, w []float64) (float64, error) { return LogLoss(y, p, w, 0) }
		for _, c := range []struct {
			name string
			fn   func(y, p, w []float64) (float64, error)
			want float64
		}{
			{"ROCAUC", ROCAUC, fx.AUC}, {"AveragePrecision", AveragePrecision, fx.PRAUC},
			{"LogLoss", logLoss, fx.LogLoss}, {"Brier", Brier, fx.Brier}, {"F1", f1, fx.F1},
		} {
			got, err := c.fn(fx.Y, fx.P, fx.W)
			if err != nil {
				t.Fatal(err)
			}
			near(t, fx.Name+" "+c.name, got, c.want)
		}
	}
}

// AUC is rank-based: a strictly increasing transform of the scores (here
// logit, which also takes them outside [0, 1]) must not change it.
func TestROCAUCInvariantToMonotoneTransform(t *testing.T) {
	fx := loadFixtures(t)[2]
	z := make([]float64, len(fx.P))
	for i, p := range fx.P {
		z[i] = math.Log(p / (1 - p))
	}
	auc, err := ROCAUC(fx.Y, z, nil)
	if err != nil {
		t.Fatal(err)
	}
	near(t, "AUC of logits", auc, fx.AUC)
}

func TestLogLossClipsExtremeProbabilities(t *testing.T) {
	y := []float64{1, 0}
	p := []float64{0, 1} // both certain and wrong
	got, err := LogLoss(y, p, nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	// -log(eps) for each row, eps = 2^-52 (sklearn 1.2's "auto").
	want := -math.Log(DefaultEps)
	if math.Abs(got-want) > 1e-12 {
		t.Fatalf("log loss %v, want -log(2^-52) = %v", got, want)
	}
	got, err = LogLoss(y, p, nil, 1e-15)
	if err != nil {
		t.Fatal(err)
	}
	// sklearn: log_loss([1, 0], [0, 1], eps=1e-15) = 34.53917619362578 (1-(1-1e-15)
	// is not 1e-15 in float64, so the two rows differ).
	if want := 34.53917619362578; math.Abs(got-want) > 1e-12 {
		t.Fatalf("log loss with eps 1e-15: %v, want %v", got, want)
	}
}

func TestComputeErrorsNameTheProblem(t *testing.T) {
	cases := []struct {
		name string
		y, p []float64
		o    Options
		want error
		msg  string
	}{
		{"length", []float64{0, 1}, []float64{0.5}, Options{}, ErrLengthMismatch, "2 labels, 1 scores"},
		{"weights length", []float64{0, 1}, []float64{0.5, 0.5}, Options{Weights: []float64{1}}, ErrLengthMismatch, "2 labels, 1 weights"},
		{"empty", nil, nil, Options{}, ErrEmpty, "no rows"},
		{"one class", []float64{1, 1}, []float64{0.2, 0.3}, Options{}, ErrOneClass, "2 positive and 0 negative"},
		{"nan score", []float64{0, 1}, []float64{0.2, math.NaN()}, Options{}, ErrNaNScore, "row 1 has score NaN"},
		{"label", []float64{0, 2}, []float64{0.2, 0.3}, Options{}, ErrBadLabel, "row 1 has label 2"},
		{"range", []float64{0, 1}, []float64{0.2, 1.5}, Options{}, ErrScoreRange, "row 1 has score 1.5"},
		{"weight", []float64{0, 1}, []float64{0.2, 0.3}, Options{Weights: []float64{1, -1}}, ErrBadWeight, "row 1 has weight -1"},
		{"target", []float64{0, 1}, []float64{0.2, 0.3}, Options{PrecisionTarget: 2}, ErrBadOption, "precision target 2"},
		{"zero weights", []float64{0, 1}, []float64{0.2, 0.3}, Options{Weights: []float64{0, 0}}, ErrEmpty, "all 2 weights are zero"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := ComputeWith(c.y, c.p, c.o)
			if !errors.Is(err, c.want) {
				t.Fatalf("error %v, want %v", err, c.want)
			}
			if !contains(err.Error(), c.msg) {
				t.Fatalf("error %q does not say %q", err, c.msg)
			}
		})
	}
}

func contains(s, sub string) bool {
	for i := 0; i+len(sub) <= len(s); i++ {
		if s[i:i+len(sub)] == sub {
			return true
		}
	}
	return false
}

func TestAUCStdErrHanleyMcNeil(t *testing.T) {
	// Hanley & McNeil (1982), Table 1 style check, computed by hand:
	// A=0.9, nPos=50, nNeg=50: Q1=0.9/1.1, Q2=1.62/1.9.
	a := 0.9
	q1, q2 := a/(2-a), 2*a*a/(1+a)
	want := math.Sqrt((a*(1-a) + 49*(q1-a*a) + 49*(q2-a*a)) / 2500)
	if got := AUCStdErr(0.9, 50, 50); math.Abs(got-want) > 1e-15 || math.Abs(got-0.0321) > 1e-4 {
		t.Fatalf("SE = %v, want %v (~0.0321)", got, want)
	}
	if got := AUCStdErr(0.5, 0, 10); !math.IsNaN(got) {
		t.Fatalf("SE with no positives = %v, want NaN", got)
	}
	// More data, smaller error.
	if AUCStdErr(0.8, 500, 5000) >= AUCStdErr(0.8, 50, 500) {
		t.Fatal("SE does not shrink with more rows")
	}
}

func TestReportJSONKeys(t *testing.T) {
	r, err := Compute([]float64{0, 1, 0, 1}, []float64{0.1, 0.9, 0.4, 0.35})
	if err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"auc", "pr_auc", "logloss", "brier", "accuracy", "precision", "recall", "f1",
		"best_f1_threshold", "best_f1", "recall_at_precision", "precision_target", "auc_se", "rows", "positives"} {
		if _, ok := m[k]; !ok {
			t.Errorf("report JSON lacks %q: %s", k, b)
		}
	}
	if r.AUC != 0.75 || r.Positives != 2 || r.Rows != 4 {
		t.Errorf("auc %v positives %d rows %d, want 0.75 2 4", r.AUC, r.Positives, r.Rows)
	}
}
