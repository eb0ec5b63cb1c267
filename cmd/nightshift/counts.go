package main

// Count flags: a negative number of threads, trials or megabytes (or a
// zero where zero means nothing) is a mistake, never a request for the
// default, so it is a usage error naming the flag and what it wants, as
// every other flag error is.

// atLeast is a usage error when the flag's value v is below lo.
func atLeast(name string, v, lo int64, want string) error {
	if v < lo {
		return usagef("--%s %d: want %s", name, v, want)
	}
	return nil
}

// checkThreads checks --threads (fit, holdout, promote).
func checkThreads(n int) error {
	return atLeast("threads", int64(n), 0, "0 (all cores) or a number of threads")
}

// checkFinalFlags checks the flags that build a study's final model
// (holdout, promote): --threads, --ensemble and --ensemble-cost.
func checkFinalFlags(threads, cands int, share float64) error {
	if err := checkThreads(threads); err != nil {
		return err
	}
	if err := atLeast("ensemble", int64(cands), 1, "at least 1 candidate"); err != nil {
		return err
	}
	if !(share > 0 && share <= 10) {
		return usagef("--ensemble-cost %v: want a share above 0 (1 = as long as the search's trials took), at most 10", share)
	}
	return nil
}

// checkCounts checks the count flags of run and resume (zeroTrials says
// what --max-trials 0 means); with llm, also the --llm-* counts, whose flag
// defaults are never 0 (the stored config reads 0 as the default, so 0
// given on the command line would silently become 2000 tokens or 3
// proposals).
func (r *runFlags) checkCounts(zeroTrials string, llm bool) error {
	if err := atLeast("max-trials", int64(r.maxTrials), 0, "a number of trials (0 = "+zeroTrials+")"); err != nil {
		return err
	}
	if err := atLeast("memory-mb", r.memoryMB, 0, "0 (half of the machine's memory) or a number of MiB"); err != nil {
		return err
	}
	if !llm {
		return nil
	}
	c := r.llm
	for _, f := range []struct {
		name string
		v    int
		want string
	}{
		{"llm-max-tokens", c.MaxTokens, "1..200000 tokens per reply"},
		{"llm-proposals", c.Proposals, "1..20 hypotheses per call"},
		{"llm-tune-trials", c.TuneTrials, "1..200 trials per hypothesis"},
	} {
		if err := atLeast(f.name, int64(f.v), 1, f.want); err != nil {
			return err
		}
	}
	return nil
}
