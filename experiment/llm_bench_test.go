//go:build bench

package experiment

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/nightshift-ml/nightshift/experiment/planner"
)

// TestLLMPipeliningCPUShare measures the CPU busy share of a study whose
// LLM answers in NIGHTSHIFT_LLM_LATENCY (default 10 s), for
// NIGHTSHIFT_BENCH_BUDGET (default 5m), on creditcard_10k: the process's
// user+system CPU time over wall time × cores, and the workers' occupancy
// (time in trials over wall time × workers). Each reply proposes two new
// hypotheses, each naming two parameters to tune (NIGHTSHIFT_LLM_TUNE
// trials in all, default 8; 1 makes every round a call).
//
//	go test -tags bench -run TestLLMPipeliningCPUShare -v ./experiment
func TestLLMPipeliningCPUShare(t *testing.T) {
	latency, budget := 10*time.Second, 5*time.Minute
	if v, err := time.ParseDuration(os.Getenv("NIGHTSHIFT_LLM_LATENCY")); err == nil {
		latency = v
	}
	if v, err := time.ParseDuration(os.Getenv("NIGHTSHIFT_BENCH_BUDGET")); err == nil {
		budget = v
	}
	tune := 8
	if v, err := strconv.Atoi(os.Getenv("NIGHTSHIFT_LLM_TUNE")); err == nil {
		tune = v
	}
	f := newFakeLLM(t, func(n int, req chatRequest) fakeAnswer {
		lr := strconv.FormatFloat(0.02+0.01*float64(n%25), 'f', 2, 64)
		return fakeAnswer{hang: latency, content: proposalsText(
			llmProposal(fmt.Sprint("ratio ", n), nil, "gbdt", []string{fmt.Sprintf("ratio(V%d, V%d)", 1+n%28, 1+(n+3)%28)}, nil,
				map[string]string{"learning_rate": lr}, []string{"num_leaves", "min_data_in_leaf"}),
			llmProposal(fmt.Sprint("log amount ", n), nil, "gbdt", []string{fmt.Sprintf("log1p(Amount) * %d", n)}, nil,
				map[string]string{"learning_rate": lr}, []string{"lambda_l2", "feature_fraction"}),
		)}
	})
	cfg := testConfig()
	cfg.Data, cfg.Target, cfg.Planner, cfg.MaxTrials, cfg.Folds, cfg.Workers = "../../shared/data/fraud/creditcard_10k.csv", "Class", "llm", 0, 5, 0
	cfg.Budget = Duration(budget)
	cfg.LLM = &planner.LLMConfig{Model: "m", BaseURL: f.srv.URL + "/v1", TimeoutSeconds: latency.Seconds() * 3, Proposals: 2, TuneTrials: tune}
	var before, after syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &before)
	start := time.Now()
	db := filepath.Join(t.TempDir(), "j.db")
	sum, err := Run(context.Background(), RunOptions{DB: db, Study: "s", Config: cfg, Grace: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	wall := time.Since(start)
	syscall.Getrusage(syscall.RUSAGE_SELF, &after)
	cpu := time.Duration(after.Utime.Nano()-before.Utime.Nano()) + time.Duration(after.Stime.Nano()-before.Stime.Nano())
	cores := sum.Workers * sum.Threads
	r := readStudyRecords(t, db)
	for _, rd := range r.rounds {
		t.Logf("round %d %s at %s: %d accepted, %d rejected, error %q", rd.ID, rd.Planner, rd.Time.Sub(start).Round(time.Second), len(rd.Accepted), len(rd.Rejected), rd.Error)
	}
	// Worker occupancy: the share of the workers' wall time spent in a
	// trial. Unlike the CPU share it does not depend on what else the
	// machine runs (a shared machine slows trials, not the planner's wait).
	var busy time.Duration
	for _, tr := range r.trials {
		end := tr.Finished
		if end.IsZero() {
			end = start.Add(wall)
		}
		busy += end.Sub(tr.Started)
	}
	t.Logf("worker occupancy %.1f%% (%d workers × %s); worker time lost waiting for the planner %.1f%%", 100*busy.Seconds()/(wall.Seconds()*float64(sum.Workers)),
		sum.Workers, wall.Round(time.Second), 100*sum.PlannerWait.Seconds()/(wall.Seconds()*float64(sum.Workers)))
	t.Logf("%s wall, %d requests at %s latency, %d trials done, CPU %s: busy share %.1f%% of %d cores",
		wall.Round(time.Second), len(f.requests()), latency, sum.Trials.Done, cpu.Round(time.Second), 100*cpu.Seconds()/(wall.Seconds()*float64(cores)), cores)
}
