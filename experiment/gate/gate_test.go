package gate

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"
)

// TestDeLongMatchesAHandComputedExample: three positives, two negatives.
// Scorer A: positives 0.9, 0.8, 0.4, negatives 0.5, 0.4 → V10 = (1, 1, ¼),
// V01 = (⅔, ⅚), AUC ¾. Scorer B: positives 0.7, 0.6, 0.3, negatives 0.2,
// 0.65 → V10 = (1, ½, ½), V01 = (1, ⅓), AUC ⅔. S10 = [[3/16, 1/16],
// [1/16, 1/12]], S01 = [[1/72, −1/18], [−1/18, 2/9]]; S = S10/3 + S01/2 =
// [[10/144, −1/144], [−1/144, 20/144]]; Var(A − B) = 32/144 = 2/9, so
// z = (1/12)/√(2/9) = 1/(4√2).
func TestDeLongMatchesAHandComputedExample(t *testing.T) {
	y := []float64{1, 1, 1, 0, 0}
	a := []float64{0.9, 0.8, 0.4, 0.5, 0.4}
	b := []float64{0.7, 0.6, 0.3, 0.2, 0.65}
	d, err := DeLong(y, a, b)
	if err != nil {
		t.Fatal(err)
	}
	want := DeLongResult{AUCA: 0.75, AUCB: 2.0 / 3, VarA: 10.0 / 144, VarB: 20.0 / 144, Cov: -1.0 / 144, SE: math.Sqrt(2.0 / 9), Z: 1 / (4 * math.Sqrt2)}
	for _, c := range []struct {
		name      string
		got, want float64
	}{{"AUC A", d.AUCA, want.AUCA}, {"AUC B", d.AUCB, want.AUCB}, {"Var A", d.VarA, want.VarA}, {"Var B", d.VarB, want.VarB},
		{"Cov", d.Cov, want.Cov}, {"SE", d.SE, want.SE}, {"Z", d.Z, want.Z}} {
		if math.Abs(c.got-c.want) > 1e-12 {
			t.Errorf("%s = %v, want %v", c.name, c.got, c.want)
		}
	}
}

// deLongByDefinition computes the structural components pair by pair,
// O(m·n), straight from DeLong et al.'s definition.
func deLongByDefinition(y, a, b []float64) (aucA, aucB, variance float64) {
	var pos, neg []int
	for i, v := range y {
		if v == 1 {
			pos = append(pos, i)
		} else {
			neg = append(neg, i)
		}
	}
	psi := func(x, z float64) float64 {
		switch {
		case x > z:
			return 1
		case x == z:
			return 0.5
		}
		return 0
	}
	m, n := float64(len(pos)), float64(len(neg))
	var v10, v01 [2][]float64
	var auc [2]float64
	for r, p := range [][]float64{a, b} {
		for _, i := range pos {
			s := 0.0
			for _, j := range neg {
				s += psi(p[i], p[j])
			}
			v10[r] = append(v10[r], s/n)
			auc[r] += s / (m * n)
		}
		for _, j := range neg {
			s := 0.0
			for _, i := range pos {
				s += psi(p[i], p[j])
			}
			v01[r] = append(v01[r], s/m)
		}
	}
	d10 := make([]float64, len(pos))
	for i := range d10 {
		d10[i] = v10[0][i] - v10[1][i]
	}
	d01 := make([]float64, len(neg))
	for j := range d01 {
		d01[j] = v01[0][j] - v01[1][j]
	}
	_, s10 := meanSD(d10)
	_, s01 := meanSD(d01)
	return auc[0], auc[1], s10*s10/m + s01*s01/n
}

func TestDeLongFastEqualsTheDefinitionWithTies(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for trial := range 20 {
		rows := 30 + rng.IntN(200)
		y, a, b := make([]float64, rows), make([]float64, rows), make([]float64, rows)
		for i := range rows {
			y[i] = float64(rng.IntN(3) / 2) // about a third positive
			signal := y[i] * 0.8
			a[i] = math.Round((signal+rng.NormFloat64())*4) / 4 // coarse: many ties
			b[i] = math.Round((signal+0.5*a[i]+rng.NormFloat64())*8) / 8
		}
		d, err := DeLong(y, a, b)
		if err != nil {
			t.Fatal(err)
		}
		wa, wb, v := deLongByDefinition(y, a, b)
		if math.Abs(d.AUCA-wa) > 1e-12 || math.Abs(d.AUCB-wb) > 1e-12 || math.Abs(d.SE*d.SE-v) > 1e-12 {
			t.Fatalf("trial %d: fast AUCs %v %v var %v; definition %v %v %v", trial, d.AUCA, d.AUCB, d.SE*d.SE, wa, wb, v)
		}
	}
}

// scores are a noisy scorer of y: signal sets how well it separates.
func scores(rng *rand.Rand, y []float64, signal float64) []float64 {
	p := make([]float64, len(y))
	for i := range y {
		p[i] = 1 / (1 + math.Exp(-(signal*(2*y[i]-1) + rng.NormFloat64())))
	}
	return p
}

func TestGates(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	y := make([]float64, 1000)
	for i := range y {
		if rng.Float64() < 0.2 {
			y[i] = 1
		}
	}
	strong, weak := scores(rng, y, 1.5), scores(rng, y, 0.5)
	for _, metric := range []string{"auc", "pr_auc", "logloss", "brier"} {
		cases := []struct {
			name       string
			chal, cham []float64
			gate       string
			pass       bool
		}{
			{"worse fails better", weak, strong, Better, false},
			{"worse fails not-worse", weak, strong, NotWorse, false},
			{"stronger passes better", strong, weak, Better, true},
			{"equal retrain passes not-worse", strong, strong, NotWorse, true},
			{"equal retrain fails better", strong, strong, Better, false},
		}
		for _, c := range cases {
			r, err := Compare(y, c.chal, c.cham, Options{Gate: c.gate, Margin: 0.005, Metric: metric, Seed: 9, Resamples: 200})
			if err != nil {
				t.Fatal(err)
			}
			if r.Passed != c.pass {
				t.Errorf("%s, %s: passed %v: %s", metric, c.name, r.Passed, r)
			}
			if !(r.Lower <= r.Diff && r.Diff <= r.Upper) || r.P < 0 || r.P > 1 {
				t.Errorf("%s, %s: interval %v..%v around %v, p %v", metric, c.name, r.Lower, r.Upper, r.Diff, r.P)
			}
		}
	}
	r, _ := Compare(y, weak, strong, Options{Metric: "auc"})
	for _, want := range []string{"challenger 0.", "vs champion 0.", "difference -0.", "80% interval", "p = ", "DeLong on 1000 rows", "fails the better gate"} {
		if !strings.Contains(r.String(), want) {
			t.Errorf("%q lacks %q", r.String(), want)
		}
	}
	if _, err := Compare(y, weak, strong, Options{Metric: "auc", Gate: "best"}); err == nil || !strings.Contains(err.Error(), `gate "best": want better or not-worse`) {
		t.Errorf("bad gate: %v", err)
	}
}

// TestNotWorseUsesTheMargin: a challenger slightly below the champion
// passes with a margin wider than its lower bound's shortfall and fails
// with none.
func TestNotWorseUsesTheMargin(t *testing.T) {
	y := []float64{1, 1, 1, 1, 0, 0, 0, 0, 0, 0}
	champ := []float64{0.9, 0.8, 0.7, 0.35, 0.4, 0.3, 0.2, 0.1, 0.05, 0.01}
	chal := []float64{0.9, 0.8, 0.7, 0.25, 0.4, 0.3, 0.2, 0.1, 0.05, 0.01} // one positive drops below one more negative
	r0, _ := Compare(y, chal, champ, Options{Metric: "auc", Gate: NotWorse})
	r1, _ := Compare(y, chal, champ, Options{Metric: "auc", Gate: NotWorse, Margin: -r0.Lower + 0.001})
	if r0.Passed || !r1.Passed || r0.Diff >= 0 {
		t.Errorf("margin 0: %s; margin %.4f: %s", r0, r1.Margin, r1)
	}
}
