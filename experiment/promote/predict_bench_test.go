//go:build bench

package promote

import (
	"bufio"
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/nightshift-ml/nightshift/experiment/design"
	"github.com/nightshift-ml/nightshift/experiment/final"
	"github.com/nightshift-ml/nightshift/features"
	"github.com/nightshift-ml/nightshift/features/contract"
	"github.com/nightshift-ml/nightshift/trainer"
	"github.com/nightshift-ml/nightshift/trainer/learners"
)

// lightGBMBinary finds the LightGBM CLI as trainer/gbdt/bench/bench.sh
// does: $LIGHTGBM_BIN, ~/.cache/nightshift/lightgbm/bin/lightgbm, then
// /work/lightgbm/bin/lightgbm.
func lightGBMBinary() string {
	if p := os.Getenv("LIGHTGBM_BIN"); p != "" {
		return p
	}
	home, _ := os.UserHomeDir()
	for _, p := range []string{filepath.Join(home, ".cache/nightshift/lightgbm/bin/lightgbm"), "/work/lightgbm/bin/lightgbm"} {
		if st, err := os.Stat(p); err == nil && st.Mode()&0o111 != 0 {
			return p
		}
	}
	return ""
}

// writeSynthetic writes rows × 30 numeric columns with the label first
// (LightGBM's label_column=0), the label drawn from a logistic model of a
// few columns and their interactions.
func writeSynthetic(t *testing.T, path string, rows int) {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	w := bufio.NewWriterSize(f, 1<<20)
	w.WriteString("label")
	for j := range 30 {
		fmt.Fprintf(w, ",x%d", j)
	}
	w.WriteByte('\n')
	rng := rand.New(rand.NewPCG(1, 2))
	x := make([]float64, 30)
	buf := make([]byte, 0, 32)
	for range rows {
		for j := range x {
			x[j] = rng.NormFloat64()
		}
		z := 0.8*x[0] - 0.6*x[1] + 0.5*x[2]*x[3] + 0.3*math.Abs(x[4]) - 1.5
		y := 0
		if rng.Float64() < 1/(1+math.Exp(-z)) {
			y = 1
		}
		w.WriteString(strconv.Itoa(y))
		for _, v := range x {
			w.WriteByte(',')
			buf = strconv.AppendFloat(buf[:0], v, 'g', 9, 64)
			w.Write(buf)
		}
		w.WriteByte('\n')
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	f.Close()
}

// TestPredictThroughputVsLightGBM (make bench): a 200-tree GBDT over 30
// numeric columns scores 1M rows end to end from the same CSV — nightshift
// predict (read, contract check, score, write CSV) against the LightGBM
// CLI's task=predict — and our scoring alone, and the cost per member of a
// five-member ensemble. Figures are logged; the predictions must agree.
func TestPredictThroughputVsLightGBM(t *testing.T) {
	rows := 1_000_000
	if s := os.Getenv("NIGHTSHIFT_BENCH_ROWS"); s != "" {
		rows, _ = strconv.Atoi(s)
	}
	dir := t.TempDir()
	data := filepath.Join(dir, "data.csv")
	writeSynthetic(t, data, rows)
	ctx := context.Background()

	// Train on the first 100k rows; the contract from the same rows.
	fr, err := features.LoadFile(data, features.LoadOptions{Target: "label"})
	if err != nil {
		t.Fatal(err)
	}
	target, err := features.ParseTarget(fr, "label", "1")
	if err != nil {
		t.Fatal(err)
	}
	trainRows := make([]int, min(100_000, rows))
	for i := range trainRows {
		trainRows[i] = i
	}
	train := fr.Without("label").Take(trainRows)
	trainY := slices.Clone(target.Y[:len(trainRows)]) // the first rows
	ds, _ := design.FromFrame(train)
	l, _ := learners.Lookup(learners.GBDT)
	fit, err := l.Fit(ctx, trainer.FitInput{Params: map[string]string{"num_iterations": "200", "num_leaves": "31"}, Threads: runtime.GOMAXPROCS(0),
		Train: trainer.Part{Data: ds, Labels: trainY}})
	if err != nil {
		t.Fatal(err)
	}
	m := &final.Model{Schema: final.SchemaOf(train, target, nil, nil), Members: []final.Member{{Kind: learners.GBDT, Weight: 1, Model: fit.Model}}}
	vdir := filepath.Join(dir, "v1")
	os.Mkdir(vdir, 0o755)
	if err := m.Write(vdir); err != nil {
		t.Fatal(err)
	}
	tt := *target
	tt.Y = trainY
	c, err := contract.Generate(train, features.ProfileFrame(train, &tt, 1), contract.Options{Name: "bench"})
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Write(filepath.Join(vdir, ContractFile)); err != nil {
		t.Fatal(err)
	}

	// nightshift predict, end to end.
	ours := filepath.Join(dir, "ours.csv")
	start := time.Now()
	out, err := os.Create(ours)
	if err != nil {
		t.Fatal(err)
	}
	res, err := Predict(ctx, PredictOptions{VersionDir: vdir, Data: data}, out)
	out.Close()
	if err != nil {
		t.Fatal(err)
	}
	oursSec := time.Since(start).Seconds()

	// Scoring alone, one member and five.
	loaded, err := final.Read(vdir)
	if err != nil {
		t.Fatal(err)
	}
	conformed, err := loaded.Conform(fr)
	if err != nil {
		t.Fatal(err)
	}
	start = time.Now()
	if _, err := loaded.Predict(ctx, conformed); err != nil {
		t.Fatal(err)
	}
	scoreSec := time.Since(start).Seconds()
	five := &final.Model{Schema: loaded.Schema}
	for range 5 {
		five.Members = append(five.Members, final.Member{Kind: learners.GBDT, Weight: 0.2, Model: loaded.Members[0].Model})
	}
	start = time.Now()
	if _, err := five.Predict(ctx, conformed); err != nil {
		t.Fatal(err)
	}
	fiveSec := time.Since(start).Seconds()
	t.Logf("%d rows × 30 columns, 200 trees, GOMAXPROCS %d (shared machine: figures are noisy)", rows, runtime.GOMAXPROCS(0))
	t.Logf("nightshift predict end to end: %.2fs (%.0f rows/s): read + contract check %.2fs, score + write %.2fs", oursSec, float64(rows)/oursSec, res.CheckSeconds, res.ScoreSeconds)
	t.Logf("scoring alone (loaded frame → scores): %.2fs (%.0f rows/s); five-member ensemble %.2fs = %.2fs per member", scoreSec, float64(rows)/scoreSec, fiveSec, fiveSec/5)

	lgb := lightGBMBinary()
	if lgb == "" {
		t.Log("no LightGBM CLI (set LIGHTGBM_BIN; ../shared/tools/build-lightgbm.sh builds it): comparison skipped")
		return
	}
	theirs := filepath.Join(dir, "lgb.txt")
	start = time.Now()
	cmd := exec.Command(lgb, "task=predict", "data="+data, "header=true", "label_column=0",
		"input_model="+filepath.Join(vdir, "members", "01", "model.txt"), "output_result="+theirs, "num_threads="+strconv.Itoa(runtime.GOMAXPROCS(0)))
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("lightgbm: %v\n%s", err, b)
	}
	lgbSec := time.Since(start).Seconds()
	t.Logf("LightGBM CLI task=predict end to end: %.2fs (%.0f rows/s); nightshift / LightGBM time = %.2f", lgbSec, float64(rows)/lgbSec, oursSec/lgbSec)

	// The two agree.
	a, b := readColumn(t, ours, true), readColumn(t, theirs, false)
	if len(a) != len(b) {
		t.Fatalf("%d scores from nightshift, %d from LightGBM", len(a), len(b))
	}
	worst := 0.0
	for i := range a {
		worst = max(worst, math.Abs(a[i]-b[i]))
	}
	t.Logf("largest difference from LightGBM's scores: %g", worst)
	if worst > 1e-9 {
		t.Errorf("scores differ from LightGBM's by up to %g", worst)
	}
}

// readColumn reads the last column of a CSV (our output, with a header)
// or LightGBM's one-number-per-line output.
func readColumn(t *testing.T, path string, header bool) []float64 {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	var out []float64
	for sc.Scan() {
		if header {
			header = false
			continue
		}
		line := sc.Text()
		if i := strings.LastIndexByte(line, ','); i >= 0 {
			line = line[i+1:]
		}
		v, err := strconv.ParseFloat(strings.TrimSpace(line), 64)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, v)
	}
	return out
}
