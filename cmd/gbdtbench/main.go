// Command gbdtbench fits nightshift's GBDT on a CSV the way
// ../shared/bench/peers/fit_peer.py fits its peers (row i is a test row when
// i%5 == 4; 200 trees, learning rate 0.1, 31 leaves, 255 bins, 2 threads,
// seed 42 unless -param says otherwise) and prints one JSON line with the
// same keys, so the two can be tabled side by side. The CSV is read with
// features.LoadFile, the label with features.ParseTarget and the design with
// experiment.DesignFromFrame, as nightshift itself does. Only the training
// rows are binned, as the peers do.
//
//	gbdtbench -data ~/.cache/nightshift-bench/fraud.csv [-target label] [-positive 1] [-drop COL,...]
//	          [-param K=V]... [-wait-quiet 300] [-cpuprofile FILE] [-out model.txt] [-predictions FILE]
//	          [-test-csv FILE] [-train-csv FILE] [-all-rows]
//
// train_seconds is binning plus boosting (XGBoost's DMatrix construction and
// scikit-learn's fit include their binning too); bin_seconds is the binning
// part, boost_seconds the boosting part (LightGBM's "seconds elapsed,
// finished iteration" line). peak_rss_mb is the process's high-water mark,
// CSV loading included (what a user pays; /usr/bin/time measures the
// LightGBM CLI the same way). -wait-quiet waits for other processes to go
// idle first, as fit_peer.py does; other_procs_cpu_s is the CPU time other
// processes took meanwhile, cpu_seconds this process's (binning and
// training; wall time x threads at best). With -out, the model file is
// loaded back through leaves and leaves_max_abs_diff is the largest
// difference from our own probabilities over the scored rows.
package main

import (
	"bufio"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"math"
	"os"
	"runtime/debug"
	"runtime/pprof"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/nightshift-ml/nightshift/experiment"
	"github.com/nightshift-ml/nightshift/features"
	"github.com/nightshift-ml/nightshift/trainer"
	"github.com/nightshift-ml/nightshift/trainer/gbdt"
	"github.com/nightshift-ml/nightshift/trainer/metrics"
)

type paramFlags map[string]string

func (p paramFlags) String() string { return fmt.Sprint(map[string]string(p)) }
func (p paramFlags) Set(s string) error {
	k, v, ok := strings.Cut(s, "=")
	if !ok {
		return fmt.Errorf("-param %q: want K=V", s)
	}
	p[k] = v
	return nil
}

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "gbdtbench:", err)
		os.Exit(1)
	}
}

// options are gbdtbench's flags.
type options struct {
	data, target, positive, drop                    string
	cpuprofile, out, predictions, testCSV, trainCSV string
	waitQuiet                                       float64
	allRows                                         bool
}

func run() error {
	o, p, err := parseOptions()
	if err != nil {
		return err
	}
	fr, y, loadRSS, err := load(o)
	if err != nil {
		return err
	}
	train, test, scored := rowsOf(fr.Rows, o.allRows)
	// Training sees only its rows (as the peers do), and the scored rows
	// are kept aside for prediction.
	trainY, scoreY := pick(y, train), pick(y, scored)
	waited := waitQuietCPU(o.waitQuiet)
	ft, err := fitTimed(context.Background(), o, p, fr, train, scored, trainY)
	if err != nil {
		return err
	}
	t1 := time.Now()
	prob, err := ft.model.PredictProba(ft.scored)
	if err != nil {
		return err
	}
	predictS := time.Since(t1).Seconds()
	var ty, tp []float64
	for i, r := range scored {
		if r%5 == 4 {
			ty, tp = append(ty, scoreY[i]), append(tp, prob[i])
		}
	}
	auc, err := metrics.ROCAUC(ty, tp, nil)
	if err != nil {
		return err
	}
	ll, err := metrics.LogLoss(ty, tp, nil, 1e-15)
	if err != nil {
		return err
	}
	leavesDiff, err := writeOutputs(o, ft.model, ft.scored, prob, scoreY)
	if err != nil {
		return err
	}
	res := map[string]any{
		"data": o.data, "peer": "nightshift-gbdt", "rows": len(train) + len(test), "train_rows": len(train), "test_rows": len(test),
		"bin_seconds": round(ft.binS), "boost_seconds": round(ft.boostS), "train_seconds": round(ft.binS + ft.boostS), "predict_seconds": round(predictS),
		"quantized": p.UseQuantizedGrad, "test_positives": positives(ty),
		"auc": math.Round(auc*1e4) / 1e4, "logloss": math.Round(ll*1e4) / 1e4, "trees": ft.model.NumTrees(),
		"peak_rss_mb": peakRSSMB(), "load_peak_rss_mb": loadRSS, "threads": p.NumThreads,
		"waited_for_quiet_s": round(waited), "other_procs_cpu_s": round(ft.other), "cpu_seconds": round(ft.cpu),
	}
	if !math.IsNaN(leavesDiff) {
		res["leaves_max_abs_diff"] = leavesDiff
	}
	return json.NewEncoder(os.Stdout).Encode(res)
}

// parseOptions reads the flags and the training parameters (fit_peer.py's
// defaults unless -param says otherwise).
func parseOptions() (options, gbdt.Params, error) {
	var o options
	flag.StringVar(&o.data, "data", "", "CSV file with a 0/1 target column")
	flag.StringVar(&o.target, "target", "label", "target column")
	flag.StringVar(&o.positive, "positive", "", "the target value that counts as 1 (default: 1/true/yes, as features.ParseTarget)")
	flag.Float64Var(&o.waitQuiet, "wait-quiet", 0, "wait up to this many seconds for other processes to go idle before fitting (as fit_peer.py --wait-quiet)")
	flag.StringVar(&o.drop, "drop", "", "comma-separated columns to drop")
	flag.StringVar(&o.cpuprofile, "cpuprofile", "", "write a CPU profile of the design conversion, binning and training")
	flag.StringVar(&o.out, "out", "", "write the model (LightGBM text) here")
	flag.StringVar(&o.predictions, "predictions", "", "write the test rows' probabilities here (one per line)")
	flag.StringVar(&o.testCSV, "test-csv", "", "write the test rows as a numeric CSV (label first, categorical codes) for the LightGBM CLI")
	flag.StringVar(&o.trainCSV, "train-csv", "", "write the training rows as a numeric CSV (as -test-csv) and, next to it, FILE.conf with LightGBM's data parameters for them")
	flag.BoolVar(&o.allRows, "all-rows", false, "-predictions and -test-csv cover every row, not only the test rows")
	params := paramFlags{"num_iterations": "200", "learning_rate": "0.1", "num_leaves": "31",
		"max_bin": "255", "num_threads": "2", "seed": "42"}
	flag.Var(params, "param", "K=V training parameter (repeatable)")
	flag.Parse()
	if o.data == "" {
		return o, gbdt.Params{}, fmt.Errorf("-data is required")
	}
	p, err := gbdt.ParseParams(params)
	return o, p, err
}

// load reads the CSV and its label as nightshift does, and returns the
// peak RSS the loading took.
func load(o options) (*features.Frame, []float64, float64, error) {
	opt := features.LoadOptions{Target: o.target}
	if o.drop != "" {
		opt.Drop = strings.Split(o.drop, ",")
	}
	fr, err := features.LoadFile(o.data, opt)
	if err != nil {
		return nil, nil, 0, err
	}
	tg, err := features.ParseTarget(fr, o.target, o.positive)
	if err != nil {
		return nil, nil, 0, err
	}
	loadRSS := peakRSSMB()
	// the loader's garbage goes back before anything else is allocated:
	// left to the collector's pace, the allocations below came on top of it
	debug.FreeOSMemory()
	return fr, tg.Y, loadRSS, nil
}

// rowsOf cuts n rows as fit_peer.py does: row i is a test row when
// i%5 == 4, a training row otherwise; the scored rows are the test rows,
// or every row with all.
func rowsOf(n int, all bool) (train, test, scored []int) {
	train = make([]int, 0, n-n/5)
	test = make([]int, 0, n/5)
	for i := range n {
		if i%5 == 4 {
			test = append(test, i)
		} else {
			train = append(train, i)
		}
	}
	scored = test
	if all {
		scored = make([]int, n)
		for i := range scored {
			scored[i] = i
		}
	}
	return train, test, scored
}

// fitted is a timed fit: the model, the design of the scored rows, the
// binning's and the boosting's wall seconds, this process's CPU seconds in
// both and the CPU seconds other processes took meanwhile.
type fitted struct {
	model                    *gbdt.Model
	scored                   *trainer.Dataset
	binS, boostS, cpu, other float64
}

// fitTimed bins the training rows of fr (dropping fr's columns as it goes:
// splitFrame) and boosts on them, under -cpuprofile when asked. Nothing
// but the model and the scored rows' design outlives it, so the bins are
// garbage before prediction.
func fitTimed(ctx context.Context, o options, p gbdt.Params, fr *features.Frame, train, scored []int, trainY []float64) (*fitted, error) {
	busy0, all0 := busyCPUSeconds(), ownCPUSeconds()
	if o.cpuprofile != "" {
		f, err := os.Create(o.cpuprofile)
		if err != nil {
			return nil, err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return nil, err
		}
		defer pprof.StopCPUProfile()
	}
	sp, err := splitFrame(ctx, fr, o.target, train, scored, p.MaxBin, o.trainCSV != "")
	if err != nil {
		return nil, err
	}
	ft := &fitted{scored: sp.scored, binS: sp.binSeconds, cpu: sp.binCPU}
	bd := sp.binned
	if o.trainCSV != "" {
		if err := writeTrainCSV(o.trainCSV, sp.train, trainY); err != nil {
			return nil, err
		}
	}
	sp = nil // the training design (-train-csv) goes before the fit
	debug.FreeOSMemory()
	own0 := ownCPUSeconds()
	t1 := time.Now()
	if ft.model, err = gbdt.Train(ctx, p, gbdt.Data{Binned: bd, Labels: trainY}, nil); err != nil {
		return nil, err
	}
	ft.boostS = time.Since(t1).Seconds()
	ft.cpu += ownCPUSeconds() - own0
	ft.other = (busyCPUSeconds() - busy0) - (ownCPUSeconds() - all0)
	return ft, nil
}

// writeOutputs writes -out (returning, with it, the largest difference
// between leaves' probabilities from the written file and ours; NaN
// without -out), -predictions and -test-csv.
func writeOutputs(o options, m *gbdt.Model, scoreDS *trainer.Dataset, prob, scoreY []float64) (float64, error) {
	leavesDiff := math.NaN()
	if o.out != "" {
		if err := writeWith(o.out, func(w *bufio.Writer) error { return m.WriteText(w) }); err != nil {
			return 0, err
		}
		lm, err := gbdt.LoadLeavesFile(o.out)
		if err != nil {
			return 0, err
		}
		lp, err := lm.PredictProba(scoreDS)
		if err != nil {
			return 0, err
		}
		leavesDiff = 0
		for i := range lp {
			leavesDiff = max(leavesDiff, math.Abs(lp[i]-prob[i]))
		}
	}
	if o.predictions != "" {
		if err := writeWith(o.predictions, func(w *bufio.Writer) error {
			for _, v := range prob {
				w.WriteString(strconv.FormatFloat(v, 'g', -1, 64) + "\n")
			}
			return nil
		}); err != nil {
			return 0, err
		}
	}
	if o.testCSV != "" {
		if err := writeWith(o.testCSV, func(w *bufio.Writer) error { return writeNumericCSV(w, scoreDS, scoreY) }); err != nil {
			return 0, err
		}
	}
	return leavesDiff, nil
}

func round(s float64) float64 { return math.Round(s*100) / 100 }

// split is a frame cut into the design of its scored rows and the bins of
// its training rows.
type split struct {
	scored     *trainer.Dataset
	binned     *gbdt.BinnedDataset
	train      *trainer.Dataset // the training design, only when asked to keep it
	binSeconds float64          // wall time of binning the training rows
	binCPU     float64          // this process's CPU seconds in it
}

// splitFrame turns fr into the design of rows scored and the bins of rows
// train, one column at a time (experiment.DesignFromFrame on that column
// alone, as nightshift converts it): each training column is binned as
// soon as it is made and its float64 values dropped (LightGBM keeps no raw
// training values either), and each column of fr is dropped once copied,
// freed pages handed back every few columns, so the process never holds
// the training design whole (a user's peak RSS, as LightGBM's is
// measured). With keepTrain the training design is kept too (for
// -train-csv). Only the binning is timed.
func splitFrame(ctx context.Context, fr *features.Frame, target string, train, scored []int, maxBin int, keepTrain bool) (*split, error) {
	out := &split{scored: &trainer.Dataset{Rows: len(scored)}}
	if keepTrain {
		out.train = &trainer.Dataset{Rows: len(train)}
	}
	bn, err := gbdt.NewBinner(len(train), maxBin)
	if err != nil {
		return nil, err
	}
	// Each training column is binned on its own (its rows cut among the
	// threads), so one buffer, which Add does not keep, takes them all in
	// turn. (Binning two columns at a time, the CPU seconds are the same
	// and the wall time a little shorter, but the second buffer and the
	// second worker's scratch raised the peak RSS by 25 MB.)
	buf := make([]float64, len(train))
	for i, c := range fr.Columns {
		one := &features.Frame{Columns: []*features.Column{c}, Rows: fr.Rows, Source: fr.Source}
		d, _ := experiment.DesignFromFrame(one, target)
		for _, f := range d.Features {
			t, s := f, f
			t.Values, s.Values = buf, pick(f.Values, scored)
			if keepTrain {
				t.Values = make([]float64, len(train))
			}
			for k, r := range train {
				t.Values[k] = f.Values[r]
			}
			t0, cpu0 := time.Now(), ownCPUSeconds()
			if err := bn.Add(ctx, t); err != nil {
				return nil, err
			}
			out.binSeconds += time.Since(t0).Seconds()
			out.binCPU += ownCPUSeconds() - cpu0
			out.scored.Features = append(out.scored.Features, s)
			if keepTrain {
				out.train.Features = append(out.train.Features, t)
			}
		}
		fr.Columns[i] = nil
		if i%4 == 3 {
			debug.FreeOSMemory()
		}
	}
	if out.binned, err = bn.Dataset(); err != nil {
		return nil, err
	}
	return out, nil
}

func positives(y []float64) int {
	n := 0
	for _, v := range y {
		n += int(v)
	}
	return n
}

func pick(y []float64, rows []int) []float64 {
	out := make([]float64, len(rows))
	for i, r := range rows {
		out[i] = y[r]
	}
	return out
}

// writeTrainCSV writes the training rows for the LightGBM CLI and, in
// path+".conf", the data parameters that read them as we do (header, the
// label column, categorical features by name), so a LightGBM run on them
// is like with like.
func writeTrainCSV(path string, ds *trainer.Dataset, y []float64) error {
	if err := writeWith(path, func(w *bufio.Writer) error { return writeNumericCSV(w, ds, y) }); err != nil {
		return err
	}
	var cats []string
	for _, f := range ds.Features {
		if f.Categorical {
			cats = append(cats, f.Name)
		}
	}
	return writeWith(path+".conf", func(w *bufio.Writer) error {
		w.WriteString("data=" + path + "\nheader=true\nlabel_column=name:label\n")
		if len(cats) > 0 {
			w.WriteString("categorical_feature=name:" + strings.Join(cats, ",") + "\n")
		}
		return nil
	})
}

// writeNumericCSV writes label then the features, NaN as "nan" (LightGBM's
// precise_float_parser reads no empty field).
func writeNumericCSV(w *bufio.Writer, ds *trainer.Dataset, y []float64) error {
	w.WriteString("label")
	for _, f := range ds.Features {
		w.WriteString("," + f.Name)
	}
	w.WriteString("\n")
	for r := range ds.Rows {
		w.WriteString(strconv.FormatFloat(y[r], 'g', -1, 64))
		for _, f := range ds.Features {
			w.WriteByte(',')
			if v := f.Values[r]; v == v {
				w.WriteString(strconv.FormatFloat(v, 'g', -1, 64))
			} else {
				w.WriteString("nan")
			}
		}
		w.WriteByte('\n')
	}
	return nil
}

func writeWith(path string, fn func(*bufio.Writer) error) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	w := bufio.NewWriter(f)
	if err := fn(w); err != nil {
		f.Close()
		return err
	}
	if err := w.Flush(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

func peakRSSMB() float64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for line := range strings.SplitSeq(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, _ := strconv.Atoi(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")))
			return math.Round(float64(kb)/1024*10) / 10
		}
	}
	return 0
}

// busyCPUSeconds is the CPU time all processes on the machine have used,
// idle and iowait excluded (/proc/stat, as fit_peer.py's busy_cpu_s).
func busyCPUSeconds() float64 {
	b, err := os.ReadFile("/proc/stat")
	if err != nil {
		return 0
	}
	line, _, _ := strings.Cut(string(b), "\n")
	f := strings.Fields(line)
	if len(f) < 8 {
		return 0
	}
	var sum float64
	for i, s := range f[1:8] {
		v, _ := strconv.ParseFloat(s, 64)
		if i != 3 && i != 4 { // idle, iowait
			sum += v
		}
	}
	return sum / 100 // USER_HZ
}

// ownCPUSeconds is this process's user and system CPU time.
func ownCPUSeconds() float64 {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return float64(ru.Utime.Sec+ru.Stime.Sec) + float64(ru.Utime.Usec+ru.Stime.Usec)/1e6
}

// waitQuietCPU waits up to limit seconds until other processes use less
// than a tenth of a CPU-second per second, as fit_peer.py does before each
// fit, and returns the seconds waited.
func waitQuietCPU(limit float64) float64 {
	t0 := time.Now()
	for time.Since(t0).Seconds() < limit {
		busy0, own0 := busyCPUSeconds(), ownCPUSeconds()
		time.Sleep(time.Second)
		if (busyCPUSeconds()-busy0)-(ownCPUSeconds()-own0) < 0.1 {
			break
		}
	}
	return time.Since(t0).Seconds()
}
