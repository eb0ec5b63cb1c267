// Command gbdtbench fits nightshift's GBDT on a CSV the way
// ../shared/bench/peers/fit_peer.py fits its peers (row i is a test row when
// i%5 == 4; 200 trees, learning rate 0.1, 31 leaves, 255 bins, 2 threads,
// seed 42 unless -param says otherwise) and prints one JSON line with the
// same keys, so the two can be tabled side by side. The CSV is read with
// features.LoadFile, the label with features.ParseTarget and the design with
// experiment.DesignFromFrame, as nightshift itself does.
//
//	gbdtbench -data ~/.cache/nightshift-bench/fraud.csv [-target label] [-positive 1] [-drop COL,...]
//	          [-param K=V]... [-wait-quiet 300] [-cpuprofile FILE] [-out model.txt] [-predictions FILE]
//
// train_seconds is binning plus boosting (XGBoost's DMatrix construction and
// scikit-learn's fit include their binning too); bin_seconds is the binning
// part. peak_rss_mb is the process's high-water mark after the CSV is loaded
// (VmHWM reset as fit_peer.py does), so it includes the resident frame.
// -wait-quiet waits for other processes to go idle first, as fit_peer.py
// does; other_procs_cpu_s is the CPU time other processes took meanwhile,
// cpu_seconds this process's (binning and training; wall time x threads
// at best).
package main

import (
	"bufio"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"math"
	"os"
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

func run() error {
	data := flag.String("data", "", "CSV file with a 0/1 target column")
	target := flag.String("target", "label", "target column")
	positive := flag.String("positive", "", "the target value that counts as 1 (default: 1/true/yes, as features.ParseTarget)")
	waitQuiet := flag.Float64("wait-quiet", 0, "wait up to this many seconds for other processes to go idle before fitting (as fit_peer.py --wait-quiet)")
	drop := flag.String("drop", "", "comma-separated columns to drop")
	cpuprofile := flag.String("cpuprofile", "", "write a CPU profile of binning and training")
	out := flag.String("out", "", "write the model (LightGBM text) here")
	predictions := flag.String("predictions", "", "write the test rows' probabilities here (one per line)")
	testCSV := flag.String("test-csv", "", "write the test rows as a numeric CSV (label first, categorical codes) for the LightGBM CLI")
	params := paramFlags{"num_iterations": "200", "learning_rate": "0.1", "num_leaves": "31",
		"max_bin": "255", "num_threads": "2", "seed": "42"}
	flag.Var(params, "param", "K=V training parameter (repeatable)")
	flag.Parse()
	if *data == "" {
		return fmt.Errorf("-data is required")
	}
	p, err := gbdt.ParseParams(params)
	if err != nil {
		return err
	}
	opt := features.LoadOptions{Target: *target}
	if *drop != "" {
		opt.Drop = strings.Split(*drop, ",")
	}
	fr, err := features.LoadFile(*data, opt)
	if err != nil {
		return err
	}
	tg, err := features.ParseTarget(fr, *target, *positive)
	if err != nil {
		return err
	}
	ds, _ := experiment.DesignFromFrame(fr, *target)
	y := tg.Y
	var train, test []int
	for i := range ds.Rows {
		if i%5 == 4 {
			test = append(test, i)
		} else {
			train = append(train, i)
		}
	}
	waited := waitQuietCPU(*waitQuiet)
	busy0, own0 := busyCPUSeconds(), ownCPUSeconds()
	resetPeakRSS()
	if *cpuprofile != "" {
		f, err := os.Create(*cpuprofile)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
	}
	ctx := context.Background()
	t0 := time.Now()
	bd, err := gbdt.NewBinnedDataset(ctx, ds, p.MaxBin)
	if err != nil {
		return err
	}
	binS := time.Since(t0).Seconds()
	m, err := gbdt.Train(ctx, p, gbdt.Data{Binned: bd, Labels: y, Rows: train}, nil)
	if err != nil {
		return err
	}
	trainS := time.Since(t0).Seconds()
	if *cpuprofile != "" {
		pprof.StopCPUProfile()
	}
	own := ownCPUSeconds() - own0
	other := (busyCPUSeconds() - busy0) - own
	t1 := time.Now()
	testDS := ds.Take(test)
	prob, err := m.PredictProba(testDS)
	if err != nil {
		return err
	}
	predictS := time.Since(t1).Seconds()
	ty := make([]float64, len(test))
	for i, r := range test {
		ty[i] = y[r]
	}
	auc, err := metrics.ROCAUC(ty, prob, nil)
	if err != nil {
		return err
	}
	ll, err := metrics.LogLoss(ty, prob, nil, 1e-15)
	if err != nil {
		return err
	}
	if *out != "" {
		if err := writeWith(*out, func(w *bufio.Writer) error { return m.WriteText(w) }); err != nil {
			return err
		}
	}
	if *predictions != "" {
		if err := writeWith(*predictions, func(w *bufio.Writer) error {
			for _, v := range prob {
				w.WriteString(strconv.FormatFloat(v, 'g', -1, 64) + "\n")
			}
			return nil
		}); err != nil {
			return err
		}
	}
	if *testCSV != "" {
		if err := writeWith(*testCSV, func(w *bufio.Writer) error { return writeNumericCSV(w, testDS, ty) }); err != nil {
			return err
		}
	}
	res := map[string]any{
		"data": *data, "peer": "nightshift-gbdt", "rows": ds.Rows, "train_rows": len(train), "test_rows": len(test),
		"bin_seconds": round(binS), "train_seconds": round(trainS), "predict_seconds": round(predictS),
		"auc": math.Round(auc*1e4) / 1e4, "logloss": math.Round(ll*1e4) / 1e4, "trees": m.NumTrees(),
		"peak_rss_mb": peakRSSMB(), "threads": p.NumThreads,
		"waited_for_quiet_s": round(waited), "other_procs_cpu_s": round(other), "cpu_seconds": round(own),
	}
	return json.NewEncoder(os.Stdout).Encode(res)
}

func round(s float64) float64 { return math.Round(s*100) / 100 }

// writeNumericCSV writes label then the features, NaN as empty.
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

func resetPeakRSS() { _ = os.WriteFile("/proc/self/clear_refs", []byte("5"), 0) }

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
