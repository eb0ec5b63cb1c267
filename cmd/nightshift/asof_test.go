package main

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/nightshift-ml/nightshift/experiment/studyview"
	"github.com/nightshift-ml/nightshift/journal"
)

// TestHoldoutAsOfScoresTheEarlierPickAsAReread: on a real study, `holdout
// --as-of D` with D just before the study's leader finished scores the
// pick among the trials finished by then (never a later one), builds the
// ensemble from those trials only, and is journaled as an as-of re-read;
// the full read after it is still the verdict, and an as-of time beyond
// the search is refused.
func TestHoldoutAsOfScoresTheEarlierPickAsAReread(t *testing.T) {
	db := filepath.Join(t.TempDir(), "j.db")
	code, _, errs := runCmd(t, "run", "--data", shipped+"criteo_200.csv", "--target", "label", "--study", "a", "--db", db,
		"--max-trials", "10", "--folds", "3", "--workers", "1", "--holdout-split", "modulo")
	if code != 0 {
		t.Fatalf("run: %d %s", code, errs)
	}
	s := readStudyView(t, db, "a")
	leader, ok := s.Leader()
	if !ok {
		t.Fatal("the study has no leader")
	}
	var start time.Time
	for _, e := range s.Events {
		if e.Kind == journal.EventStart {
			start = e.Time
		}
	}
	// Just before the leader finished: the trials finished by then.
	asOf := leader.Finished.Sub(start) - time.Millisecond
	var early []journal.Trial
	for _, tr := range s.Trials {
		if !tr.Finished.IsZero() && tr.Finished.Sub(start) <= asOf {
			early = append(early, tr)
		}
	}
	earlyLeader, ok := studyview.Leader(s.Config.Metric, early)
	if !ok {
		t.Fatalf("no trial finished before the leader #%d (%d trials): the study cannot show an earlier pick", leader.ID, len(s.Trials))
	}
	code, out, errs := runCmd(t, "holdout", "--study", "a", "--db", db, "--as-of", asOf.String(), "--top", "1", "--json")
	if code != 0 {
		t.Fatalf("holdout --as-of %s: %d %s", asOf, code, errs)
	}
	var res struct {
		Read     int
		Standing string
		Note     string
		AsOf     float64 `json:"as_of_seconds"`
		Trials   int
		Scores   []struct {
			Trial uint64
			Final string
			Pick  bool
			Parts []struct{ Trial uint64 }
		}
	}
	if err := json.Unmarshal([]byte(out), &res); err != nil || len(res.Scores) != 2 {
		t.Fatalf("holdout --as-of --json: %v %s", err, out)
	}
	if res.Trials != len(early) || res.AsOf != asOf.Seconds() {
		t.Errorf("as-of read chose from %d trials as of %vs; want the %d finished by %s", res.Trials, res.AsOf, len(early), asOf)
	}
	if res.Standing != "reread" || !strings.Contains(res.Note, "as-of reads, never the verdict: 1 (as of") || !strings.Contains(res.Note, "no full read yet") {
		t.Errorf("as-of read: standing %q, note %q; want a re-read and a note naming it", res.Standing, res.Note)
	}
	if pick := res.Scores[1]; !pick.Pick || pick.Trial != earlyLeader.ID {
		t.Errorf("as of %s the pick is #%d (pick %v); want #%d, the leader of the %d trials finished by then (the study's leader is #%d)",
			asOf, pick.Trial, pick.Pick, earlyLeader.ID, len(early), leader.ID)
	}
	inEarly := map[uint64]bool{}
	for _, tr := range early {
		inEarly[tr.ID] = true
	}
	for _, p := range res.Scores[0].Parts {
		if !inEarly[p.Trial] {
			t.Errorf("the as-of ensemble holds trial #%d, which finished after %s", p.Trial, asOf)
		}
	}
	reads := readStudyView(t, db, "a").HoldoutReads
	if len(reads) != 1 || reads[0].AsOf != asOf || reads[0].Standing != journal.ReadReread {
		t.Errorf("journaled reads: %+v; want one as-of re-read at %s", reads, asOf)
	}

	code, out, errs = runCmd(t, "holdout", "--study", "a", "--db", db, "--top", "1", "--json")
	if code != 0 || json.Unmarshal([]byte(out), &res) != nil {
		t.Fatalf("holdout: %d %s %s", code, out, errs)
	}
	if res.Read != 2 || res.Standing != "verdict" || res.Scores[1].Trial != leader.ID {
		t.Errorf("the full read after an as-of read: read %d, %s, pick #%d; want read 2, the verdict, #%d", res.Read, res.Standing, res.Scores[1].Trial, leader.ID)
	}
	code, out, _ = runCmd(t, "status", "--study", "a", "--db", db)
	if code != 0 || !strings.Contains(out, "holdout verdict (read 2,") || !strings.Contains(out, "read 2 is the verdict") {
		t.Errorf("status after an as-of read and a full read:\n%s", out)
	}

	code, _, errs = runCmd(t, "holdout", "--study", "a", "--db", db, "--as-of", "10h")
	if code == 0 || !strings.Contains(errs, "searched for") || !strings.Contains(errs, "run holdout without --as-of") {
		t.Errorf("holdout --as-of beyond the search: exit %d, %s", code, errs)
	}
}

// readStudyView reads a study from a journal on disk.
func readStudyView(t *testing.T, db, study string) *studyview.Study {
	t.Helper()
	j, err := studyview.OpenReadOnly(db)
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	s, err := studyview.Read(j, study)
	if err != nil {
		t.Fatal(err)
	}
	return s
}
