package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"github.com/nightshift-ml/nightshift/experiment/studyview"
	"github.com/nightshift-ml/nightshift/journal"
)

// headOf writes the header and the first n rows of a shared data file to
// dir and returns the copy's path.
func headOf(t *testing.T, rel, dir string, n int) string {
	t.Helper()
	f, err := os.Open(sharedFile(t, rel))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var b strings.Builder
	sc := bufio.NewScanner(f)
	for i := 0; i <= n && sc.Scan(); i++ {
		b.WriteString(sc.Text() + "\n")
	}
	out := filepath.Join(dir, filepath.Base(rel))
	if err := os.WriteFile(out, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	return out
}

// TestRacingReEvaluatesOnFurtherSplitsAndSurvivesAKill: `run --racing` on
// 3,000 rows of creditcard_10k re-evaluates leading specs on splits ≥ 1,
// journaling why each trial ran; it is killed while a re-evaluation runs,
// and resume runs that one again under its ID, never a (spec, split)
// twice. The pick and `trials` pool a raced spec's splits, and holdout
// scores the pick with the pooled CV.
func TestRacingReEvaluatesOnFurtherSplitsAndSurvivesAKill(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end racing test skipped in -short mode")
	}
	dir := t.TempDir()
	data := headOf(t, "fraud/creditcard_10k.csv", dir, 3000)
	db := filepath.Join(dir, "race.db")
	cmd := nightshiftCmd(t, "run", "--data", data, "--target", "Class", "--study", "race", "--db", db, "--max-trials", "24", "--racing", "--workers", "2")
	var errb strings.Builder
	cmd.Stderr = &errb
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	killedID := uint64(0)
	reEvaluating := func(trials []journal.Trial) bool {
		for _, tr := range trials {
			if tr.Split > 0 && tr.State == journal.TrialRunning {
				killedID = tr.ID
			}
		}
		return killedID != 0
	}
	if !pollTrials(db, "race", done, reEvaluating) {
		t.Fatalf("the session ended (%v) before a re-evaluation ran\n%s", <-done, errb.String())
	}
	cmd.Process.Signal(syscall.SIGKILL)
	<-done
	mustRun(t, "resume", "--study", "race", "--db", db)

	j, err := studyview.OpenReadOnly(db)
	if err != nil {
		t.Fatal(err)
	}
	trials, err := j.ListTrials("race")
	j.Close()
	if err != nil {
		t.Fatal(err)
	}
	ran := map[string]uint64{}
	raced := 0
	for _, tr := range trials {
		key := fmt.Sprintf("%s@%d", tr.SpecHash, tr.Split)
		if other, dup := ran[key]; dup {
			t.Fatalf("trials #%d and #%d both ran spec %s on split %d", other, tr.ID, tr.SpecHash, tr.Split)
		}
		ran[key] = tr.ID
		switch {
		case tr.Split > 0:
			if want := fmt.Sprintf("race: re-evaluate #%d on split %d", tr.Of, tr.Split); tr.Reason != want {
				t.Errorf("trial #%d on split %d: reason %q, want %q", tr.ID, tr.Split, tr.Reason, want)
			}
			if tr.State == journal.TrialDone {
				raced++
			}
			if tr.ID == killedID && tr.State != journal.TrialDone {
				t.Errorf("the re-evaluation killed mid-run, #%d, is %s after resume; want it run again and done", tr.ID, tr.State)
			}
		case !strings.HasPrefix(tr.Reason, "builtin: "):
			t.Errorf("trial #%d: reason %q, want the builtin planner's", tr.ID, tr.Reason)
		}
	}
	if raced == 0 {
		t.Fatal("no re-evaluation finished")
	}

	var rows []studyview.TrialRow
	if err := json.Unmarshal([]byte(mustRun(t, "trials", "--study", "race", "--db", db, "--json")), &rows); err != nil {
		t.Fatal(err)
	}
	lead, _ := studyview.Leader("auc", trials)
	pooled := 0
	for _, r := range rows {
		if r.Pick != (r.ID == lead.ID) {
			t.Errorf("row #%d: pick %v, but the pooled leader is #%d", r.ID, r.Pick, lead.ID)
		}
		if r.Splits < 2 {
			continue
		}
		pooled++
		sum := 0.0
		for _, f := range r.FoldScores {
			sum += float64(f)
		}
		if len(r.FoldScores) != 5*r.Splits || math.Abs(sum/float64(len(r.FoldScores))-float64(r.Score)) > 1e-12 {
			t.Errorf("row #%d pools %d splits: %d fold scores with mean %v, score %v", r.ID, r.Splits, len(r.FoldScores), sum/float64(len(r.FoldScores)), r.Score)
		}
	}
	if pooled == 0 {
		t.Fatal("no trials row pools splits")
	}
	if out := mustRun(t, "trials", "--study", "race", "--db", db); !strings.Contains(out, "race: re-evaluate #") || !strings.Contains(out, "splits]") {
		t.Errorf("trials does not say why re-evaluations ran:\n%s", out)
	}
	var read struct {
		Scores []struct {
			Trial uint64  `json:"trial"`
			CV    float64 `json:"cv"`
			Pick  bool    `json:"pick"`
		} `json:"scores"`
	}
	if err := json.Unmarshal([]byte(mustRun(t, "holdout", "--study", "race", "--db", db, "--final", "bag", "--top", "1", "--json")), &read); err != nil {
		t.Fatal(err)
	}
	if len(read.Scores) == 0 || read.Scores[0].Trial != lead.ID || math.Abs(read.Scores[0].CV-lead.Mean) > 1e-12 {
		t.Fatalf("holdout scored %+v, want the pick #%d with its pooled CV %v", read.Scores, lead.ID, lead.Mean)
	}
}

// trialRef is a trial named in a verdict: "#12".
var trialRef = regexp.MustCompile(`#(\d+)`)

// TestAppendedRowsStartANewDataVersionNeverPairedWithTheOld: a raced study
// on the first 2,000 rows of creditcard_10k, continued with
// --allow-data-change on 3,000 (rows appended), journals the change; the
// trials after it run on version 1 of the data, the first of them to
// finish is the incumbent without a test against the earlier one (their
// folds hold other rows), no later verdict names an earlier trial, the race
// re-evaluates only specs that ran on the new rows, and holdout scores the
// grown study.
func TestAppendedRowsStartANewDataVersionNeverPairedWithTheOld(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end data-change test skipped in -short mode")
	}
	dir := t.TempDir()
	grown := headOf(t, "fraud/creditcard_10k.csv", t.TempDir(), 3000)
	raw, err := os.ReadFile(grown)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.SplitAfter(string(raw), "\n")
	data, db := filepath.Join(dir, "card.csv"), filepath.Join(dir, "j.db")
	if err := os.WriteFile(data, []byte(strings.Join(lines[:2001], "")), 0o644); err != nil {
		t.Fatal(err)
	}
	mustRun(t, "run", "--data", data, "--target", "Class", "--study", "s", "--db", db, "--max-trials", "16", "--racing", "--workers", "2")
	if err := os.WriteFile(data, raw, 0o644); err != nil {
		t.Fatal(err)
	}
	if code, _, errs := runCmd(t, "resume", "--study", "s", "--db", db, "--max-trials", "20"); code != exitFailure || !strings.Contains(errs, "--allow-data-change") {
		t.Fatalf("resume on the grown file without --allow-data-change: exit %d, %q", code, errs)
	}
	mustRun(t, "resume", "--study", "s", "--db", db, "--max-trials", "20", "--allow-data-change")

	j, err := studyview.OpenReadOnly(db)
	if err != nil {
		t.Fatal(err)
	}
	trials, err := j.ListTrials("s")
	if err != nil {
		t.Fatal(err)
	}
	events, err := j.ListEvents("s")
	j.Close()
	if err != nil {
		t.Fatal(err)
	}
	changes := 0
	for _, e := range events {
		if e.Kind == "data_change" {
			changes++
			if e.Details["data"] != "1" || e.Details["rows"] != "3000" {
				t.Errorf("data change event %+v, want version 1 of 3000 rows", e.Details)
			}
		}
	}
	if changes != 1 {
		t.Fatalf("%d data change events, want 1", changes)
	}
	byID := map[uint64]journal.Trial{}
	var first uint64 // the first trial on version 1 to finish
	var firstAt journal.Trial
	versions := [2]int{}
	for _, tr := range trials {
		byID[tr.ID] = tr
		if tr.Data < 0 || tr.Data > 1 {
			t.Fatalf("trial #%d on data version %d", tr.ID, tr.Data)
		}
		versions[tr.Data]++
		if tr.Data == 1 && tr.Split == 0 && tr.State == journal.TrialDone && (first == 0 || tr.Finished.Before(firstAt.Finished)) {
			first, firstAt = tr.ID, tr
		}
	}
	if versions[0] < 16 || versions[1] < 20 || first == 0 {
		t.Fatalf("trials per data version %v (first done on version 1: #%d), want 16+ and 20+", versions, first)
	}
	if !strings.HasPrefix(firstAt.Verdict, "first finished trial on version 1 of the data: the incumbent") {
		t.Errorf("the first trial done on the grown file, #%d: verdict %q", first, firstAt.Verdict)
	}
	reraced := 0
	for _, tr := range trials {
		if tr.Data != 1 {
			continue
		}
		if tr.ID != first {
			for _, m := range trialRef.FindAllStringSubmatch(tr.Verdict, -1) {
				if id, _ := strconv.ParseUint(m[1], 10, 64); byID[id].Data != 1 {
					t.Errorf("trial #%d on version 1 was compared with #%d of version 0: %q", tr.ID, id, tr.Verdict)
				}
			}
		}
		if tr.Split > 0 {
			reraced++
			if byID[tr.Of].Data != 1 {
				t.Errorf("re-evaluation #%d on the grown file re-evaluates #%d, which ran on the first rows", tr.ID, tr.Of)
			}
		}
	}
	if reraced == 0 {
		t.Error("no re-evaluation ran on the grown file")
	}
	// trials --json and export name each trial's data version
	var listed []struct {
		ID   uint64 `json:"id"`
		Data int    `json:"data"`
	}
	if err := json.Unmarshal([]byte(mustRun(t, "trials", "--study", "s", "--db", db, "--json")), &listed); err != nil {
		t.Fatal(err)
	}
	var exported struct {
		Trials []struct {
			ID   uint64 `json:"id"`
			Data int    `json:"data"`
		} `json:"trials"`
	}
	if err := json.Unmarshal([]byte(mustRun(t, "export", "--study", "s", "--db", db, "--json")), &exported); err != nil {
		t.Fatal(err)
	}
	if len(listed) != len(trials) || len(exported.Trials) != len(trials) {
		t.Fatalf("trials --json lists %d trials, export %d; the journal has %d", len(listed), len(exported.Trials), len(trials))
	}
	for i := range listed {
		if listed[i].Data != byID[listed[i].ID].Data || exported.Trials[i].Data != byID[exported.Trials[i].ID].Data {
			t.Errorf("trial #%d: trials --json data %d, export #%d data %d; journaled %d, %d", listed[i].ID, listed[i].Data,
				exported.Trials[i].ID, exported.Trials[i].Data, byID[listed[i].ID].Data, byID[exported.Trials[i].ID].Data)
		}
	}
	out := mustRun(t, "holdout", "--study", "s", "--db", db, "--top", "2")
	if !strings.Contains(out, "holdout") {
		t.Errorf("holdout on the grown study printed %q", out)
	}
}
