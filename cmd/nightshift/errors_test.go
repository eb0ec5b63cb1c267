package main

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/nightshift-ml/nightshift/experiment/studyview"
	bolt "go.etcd.io/bbolt"
)

// TestJournalFromNewerSchemaIsRefused writes a journal whose schema version
// is beyond this build's and checks every command refuses it by name.
func TestJournalFromNewerSchemaIsRefused(t *testing.T) {
	db := filepath.Join(t.TempDir(), "j.db")
	code, _, errs := runCmd(t, "run", "--data", shipped+"criteo_200.csv", "--target", "label", "--study", "s", "--db", db, "--max-trials", "1", "--folds", "3")
	if code != 0 {
		t.Fatalf("run: %d %s", code, errs)
	}
	b, err := bolt.Open(db, 0o600, &bolt.Options{Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	err = b.Update(func(tx *bolt.Tx) error {
		return tx.Bucket([]byte("meta")).Put([]byte("schema"), binary.BigEndian.AppendUint64(nil, 99))
	})
	b.Close()
	if err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{{"status", "--db", db}, {"resume", "--study", "s", "--db", db}} {
		code, _, errs := runCmd(t, args...)
		if code != exitFailure || !strings.Contains(errs, "newer") || !strings.Contains(errs, "j.db") {
			t.Errorf("%v: exit %d, %q; want a refusal naming the file and the newer schema", args, code, errs)
		}
	}
}

// TestDiskFullWriteIsReportedAndKeepsTheJournal runs a study in a child
// whose file size limit (RLIMIT_FSIZE) makes the journal's writes fail
// with EFBIG, as a full disk does: the run must fail with a clear message
// and what was committed before must stay readable.
func TestDiskFullWriteIsReportedAndKeepsTheJournal(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "j.db")
	code, _, errs := runCmd(t, "run", "--data", shipped+"criteo_200.csv", "--target", "label", "--study", "s", "--db", db, "--max-trials", "2", "--folds", "3")
	if code != 0 {
		t.Fatalf("run: %d %s", code, errs)
	}
	st, err := os.Stat(db)
	if err != nil {
		t.Fatal(err)
	}
	cmd := nightshiftCmd(t, "resume", "--study", "s", "--db", db, "--max-trials", "400")
	cmd.Env = append(cmd.Env, "NIGHTSHIFT_TEST_FSIZE="+itoa64(st.Size()))
	out, err := cmd.CombinedOutput()
	if err == nil {
		t.Fatalf("resume with a full disk succeeded:\n%s", out)
	}
	if !strings.Contains(string(out), "disk full") {
		t.Errorf("message does not say the disk is full:\n%s", out)
	}
	code, stdout, errs := runCmd(t, "trials", "--study", "s", "--db", db)
	if code != 0 || strings.Count(stdout, "\n#") < 2 {
		t.Errorf("journal after the failed write: exit %d %s\n%s", code, errs, stdout)
	}
}

func itoa64(n int64) string { return strconv.FormatInt(n, 10) }

// limitFileSize applies NIGHTSHIFT_TEST_FSIZE in a child (see TestMain).
func limitFileSize() {
	v := os.Getenv("NIGHTSHIFT_TEST_FSIZE")
	if v == "" {
		return
	}
	n, err := strconv.ParseUint(v, 10, 64)
	if err != nil {
		return
	}
	syscall.Setrlimit(syscall.RLIMIT_FSIZE, &syscall.Rlimit{Cur: n, Max: n})
}

// TestSecondRunIsRefusedWhileStatusReads starts a study in a child process;
// while it runs, a second run on the same journal is refused at once with
// the holder named, and status reads the journal without waiting.
func TestSecondRunIsRefusedWhileStatusReads(t *testing.T) {
	db := filepath.Join(t.TempDir(), "j.db")
	child := nightshiftCmd(t, "run", "--data", shipped+"sms_spam.csv", "--target", "is_spam", "--study", "s", "--db", db, "--budget", "30s", "--folds", "3")
	if err := child.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		child.Process.Signal(syscall.SIGKILL)
		child.Wait()
	}()
	deadline := time.Now().Add(20 * time.Second)
	for {
		code, out, _ := runCmd(t, "status", "--db", db)
		if code == 0 && strings.Contains(out, "running (pid") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("status never showed the running study: %q", out)
		}
		time.Sleep(100 * time.Millisecond)
	}
	start := time.Now()
	code, _, errs := runCmd(t, "run", "--data", shipped+"criteo_200.csv", "--target", "label", "--study", "other", "--db", db, "--max-trials", "1")
	pid := strconv.Itoa(child.Process.Pid)
	for _, want := range []string{"j.db is held by process " + pid, "running `nightshift run` on study \"s\"", "--db " + strings.TrimSuffix(db, ".db") + "-2.db", "kill -INT " + pid} {
		if code != exitFailure || !strings.Contains(errs, want) {
			t.Errorf("second run: exit %d, %q; want it to say %q", code, errs, want)
		}
	}
	// The hint names only commands that exist.
	_, hint, _ := strings.Cut(errs, "meanwhile ")
	hint, _, _ = strings.Cut(hint, " read ")
	for _, name := range strings.Split(hint, ", ") {
		if _, ok := commands()[name]; !ok {
			t.Errorf("the hint names %q, which is not a command: %s", name, errs)
		}
	}
	if time.Since(start) > 10*time.Second {
		t.Errorf("the refusal took %s", time.Since(start))
	}
}

// TestHoldoutReadsAreJournaledAndMarked: each holdout command is one
// journaled read; the first is the verdict, a read of exactly the models
// of an earlier one says it repeats it, a read of new models is a re-read
// whose figures are optimistic, and status says so; no trial's record is
// rewritten.
func TestHoldoutReadsAreJournaledAndMarked(t *testing.T) {
	db := filepath.Join(t.TempDir(), "j.db")
	code, _, errs := runCmd(t, "run", "--data", shipped+"criteo_200.csv", "--target", "label", "--study", "h", "--db", db, "--max-trials", "4", "--folds", "3", "--holdout-split", "modulo")
	if code != 0 {
		t.Fatalf("run: %d %s", code, errs)
	}
	_, before, _ := runCmd(t, "trials", "--study", "h", "--db", db, "--json")
	cases := []struct {
		final    string
		top      string
		models   int
		standing string
		repeatOf int
		note     string
	}{
		{"ensemble", "2", 3, "verdict", 0, "read 1 is the study's verdict"},
		{"ensemble", "2", 3, "repeat", 1, "read 2 scored exactly the models of read 1 (same specs and seeds) and saw nothing new: read 1, the verdict, stands"},
		{"bag", "2", 2, "repeat", 1, "read 3 scored exactly the models of read 1"}, // the same bags the ensemble's read scored
		{"refit", "1", 1, "reread", 0, "the holdout has been read 4 times; read 2 scored exactly the models of read 1 (same specs and seeds) and saw nothing new; read 3 scored exactly the models of read 1 (same specs and seeds) and saw nothing new; the figures of read 4 are optimistic"},
		{"refit", "2", 2, "reread", 0, "the figures of reads 4, 5 are optimistic"},
	}
	for i, c := range cases {
		code, out, errs := runCmd(t, "holdout", "--study", "h", "--db", db, "--top", c.top, "--final", c.final, "--json")
		if code != 0 {
			t.Fatalf("holdout --final %s: %d %s", c.final, code, errs)
		}
		var res struct {
			Read     int
			Standing string
			RepeatOf int `json:"repeat_of"`
			Reads    int
			Note     string
			Scores   []struct {
				Trial   int
				Final   string
				Pick    bool
				SE      map[string]*float64 `json:"holdout_se"`
				Holdout struct {
					Rows int     `json:"rows"`
					AUC  float64 `json:"auc"`
				}
			}
		}
		if err := json.Unmarshal([]byte(out), &res); err != nil || len(res.Scores) != c.models {
			t.Fatalf("holdout --final %s --json: %v %s", c.final, err, out)
		}
		if res.Read != i+1 || res.Reads != i+1 || res.Standing != c.standing || res.RepeatOf != c.repeatOf || !strings.Contains(res.Note, c.note) {
			t.Errorf("read %d (--final %s --top %s): read %d of %d, %s of %d, note %q; want %s of %d, note containing %q",
				i+1, c.final, c.top, res.Read, res.Reads, res.Standing, res.RepeatOf, res.Note, c.standing, c.repeatOf, c.note)
		}
		for k, s := range res.Scores {
			wantFinal := c.final
			if c.final == "ensemble" && k > 0 {
				wantFinal = "bag"
			}
			// modulo split of 200 rows by 5: rows 4, 9, …, 199 are the holdout.
			if s.Holdout.Rows != 40 || s.Holdout.AUC <= 0 || s.Holdout.AUC > 1 || s.Final != wantFinal {
				t.Errorf("trial %d: holdout %+v (%s), want 40 rows and an AUC of the %s model", s.Trial, s.Holdout, s.Final, wantFinal)
			}
			for _, m := range []string{"auc", "pr_auc", "logloss", "brier"} {
				if se := s.SE[m]; se == nil || *se <= 0 || *se > 1 {
					t.Errorf("trial %d %s: holdout SE of %s = %v", s.Trial, s.Final, m, se)
				}
			}
		}
		// The leader's row: the first trial row, after the ensemble's.
		if pick := res.Scores[boolInt(c.final == "ensemble")]; !pick.Pick {
			t.Errorf("read %d: the leader's row is not marked as the pick: %+v", i+1, res.Scores)
		}
	}
	code, out, _ := runCmd(t, "status", "--study", "h", "--db", db)
	if code != 0 || !strings.Contains(out, "h: holdout verdict (read 1, ensemble of #") || !strings.Contains(out, "the holdout has been read 5 times") {
		t.Errorf("status does not show the verdict and the re-reads:\n%s", out)
	}
	code, out, _ = runCmd(t, "status", "--study", "h", "--db", db, "--json")
	var st struct {
		Holdout struct {
			Reads, Rereads, Repeats int
			Verdict                 struct{ Read int }
			Note                    string
		}
	}
	if code != 0 || json.Unmarshal([]byte(out), &st) != nil || st.Holdout.Reads != 5 || st.Holdout.Rereads != 2 || st.Holdout.Repeats != 2 || st.Holdout.Verdict.Read != 1 {
		t.Errorf("status --json holdout: %+v\n%s", st.Holdout, out)
	}
	if _, after, _ := runCmd(t, "trials", "--study", "h", "--db", db, "--json"); after != before {
		t.Errorf("holdout rewrote trials:\nbefore %s\nafter %s", before, after)
	}
	code, out, _ = runCmd(t, "holdout", "--study", "h", "--db", db, "--top", "1", "--final", "bag")
	if code != 0 || !strings.Contains(out, " *  ") || !strings.Contains(out, "* the study's pick") || !strings.Contains(out, "holdout read 6 (a repeat of read 1)") {
		t.Errorf("holdout text output:\n%s", out)
	}
	if code, _, errs := runCmd(t, "holdout", "--study", "h", "--db", db, "--final", "best"); code != 2 || !strings.Contains(errs, "--final") {
		t.Errorf("holdout --final best: exit %d, %s", code, errs)
	}
	for _, bad := range [][]string{{"--ensemble", "0"}, {"--ensemble-cost", "-1"}} {
		if code, _, errs := runCmd(t, append([]string{"holdout", "--study", "h", "--db", db}, bad...)...); code != 2 || !strings.Contains(errs, bad[0]) {
			t.Errorf("holdout %v: exit %d, %s", bad, code, errs)
		}
	}
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// TestSIGINTStopsGracefullyWithExit130: the first SIGINT stops issuing
// trials, lets running ones finish, journals the interruption and exits
// 130; resume then continues the study.
func TestSIGINTStopsGracefullyWithExit130(t *testing.T) {
	db := filepath.Join(t.TempDir(), "j.db")
	child := nightshiftCmd(t, "run", "--data", shipped+"sms_spam.csv", "--target", "is_spam", "--study", "s", "--db", db, "--budget", "5m", "--folds", "3", "--grace", "20s")
	var errb strings.Builder
	child.Stderr = &errb
	if err := child.Start(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(60 * time.Second)
	for {
		code, out, _ := runCmd(t, "status", "--study", "s", "--db", db, "--json")
		var st struct{ Trials struct{ Done, Pruned int } }
		if code == 0 && json.Unmarshal([]byte(out), &st) == nil && st.Trials.Done+st.Trials.Pruned >= 1 {
			break
		}
		if time.Now().After(deadline) {
			child.Process.Kill()
			t.Fatalf("no trial finished within a minute")
		}
		time.Sleep(100 * time.Millisecond)
	}
	child.Process.Signal(syscall.SIGINT)
	err := child.Wait()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != exitInterrupted {
		t.Fatalf("exit: %v, want %d\n%s", err, exitInterrupted, errb.String())
	}
	if !strings.Contains(errb.String(), "nightshift resume --study s") {
		t.Errorf("stderr does not say how to resume:\n%s", errb.String())
	}
	code, out, _ := runCmd(t, "status", "--study", "s", "--db", db, "--json")
	var st struct {
		State  string
		Trials struct{ Running int }
	}
	if code != 0 || json.Unmarshal([]byte(out), &st) != nil || st.State != "interrupted" || st.Trials.Running != 0 {
		t.Errorf("after SIGINT: %s", out)
	}
	code, _, errs := runCmd(t, "resume", "--study", "s", "--db", db, "--max-trials", "1")
	if code != 0 {
		t.Errorf("resume after SIGINT: exit %d %s", code, errs)
	}
}

// TestInfiniteValueErrorsNameTheLine: logistic regression refuses ±Inf
// wherever it meets one — scoring the holdout (a model's member) or
// predicting a file with a promoted model — and the error names the file,
// line and column, as the loader's do; it named "row 4", a row of the
// rows being scored. criteo_200's data row 4 (file line 6) is in the
// modulo holdout (row i when i % 5 == 4), so the search never reads it.
func TestInfiniteValueErrorsNameTheLine(t *testing.T) {
	dir := t.TempDir()
	raw, err := os.ReadFile(shipped + "criteo_200.csv")
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.SplitAfter(string(raw), "\n")
	fields := strings.Split(lines[5], ",") // line 6: data row 4
	fields[2] = "-inf"                     // I2
	lines[5] = strings.Join(fields, ",")
	bad := filepath.Join(dir, "inf.csv")
	if err := os.WriteFile(bad, []byte(strings.Join(lines, "")), 0o644); err != nil {
		t.Fatal(err)
	}
	db, reg := filepath.Join(dir, "j.db"), filepath.Join(dir, "models")
	// A logistic regression promoted from the clean file, and a study of
	// the file with the -inf in its holdout; both search the same 3 trials.
	for _, s := range []struct{ study, data string }{{"clean", shipped + "criteo_200.csv"}, {"inf", bad}} {
		if code, _, errs := runCmd(t, "run", "--data", s.data, "--target", "label", "--study", s.study, "--db", db,
			"--max-trials", "3", "--folds", "3", "--holdout-split", "modulo"); code != 0 {
			t.Fatalf("run %s: exit %d\n%s", s.study, code, errs)
		}
	}
	_, out, _ := runCmd(t, "trials", "--study", "clean", "--db", db, "--json")
	var rows []studyview.TrialRow
	if err := json.Unmarshal([]byte(out), &rows); err != nil {
		t.Fatal(err)
	}
	lr := slices.IndexFunc(rows, func(r studyview.TrialRow) bool { return r.Model == "logreg" && r.State == "done" })
	if lr < 0 {
		t.Fatalf("no finished logreg trial: %s", out)
	}
	if code, _, errs := runCmd(t, "promote", "--study", "clean", "--db", db, "--registry", reg, "--name", "lr", "--trial", fmt.Sprint(rows[lr].ID)); code != 0 {
		t.Fatalf("promote: exit %d\n%s", code, errs)
	}
	want := bad + `: line 6 (field "I2"): -Inf is not a value logistic regression can use`
	for _, c := range [][]string{
		{"holdout", "--study", "inf", "--db", db, "--top", "3"},
		{"predict", "--model", "lr", "--registry", reg, "--data", bad, "--out", filepath.Join(dir, "scores.csv")},
	} {
		if code, _, errs := runCmd(t, c...); code != exitFailure || !strings.Contains(errs, want) {
			t.Errorf("%s: exit %d, stderr %q; want exit 1 saying %q", c[0], code, errs, want)
		}
	}
}

// TestAllowDataChangeKeepsTheHoldoutOrRefuses: a study stores its holdout
// as row numbers, so --allow-data-change may continue it only when those
// still name the rows set aside: rows appended at the end, or a value
// edited outside the holdout. Rows deleted (it said "stored holdout row
// 197 is outside the table's 195 rows", and had already stored the new
// fingerprint), deleted and replaced (it went on, holding out other rows
// and searching on held-out ones) or a held-out row edited are refused,
// saying why, and the study is left as it was; so is a search row's label
// edited, since the folds are drawn from the labels and earlier rows could
// not keep theirs. criteo_200's modulo holdout is data rows 4, 9, 14, …
func TestAllowDataChangeKeepsTheHoldoutOrRefuses(t *testing.T) {
	raw, err := os.ReadFile(shipped + "criteo_200.csv")
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.SplitAfter(string(raw), "\n")
	header, rows := lines[0], lines[1:len(lines)-1] // the last is empty
	edit := func(rs []string, i int) []string {
		rs = slices.Clone(rs)
		f := strings.Split(rs[i], ",")
		f[2] = "12345" // I2
		rs[i] = strings.Join(f, ",")
		return rs
	}
	relabel := func(rs []string, i int) []string {
		rs = slices.Clone(rs)
		f := strings.Split(rs[i], ",")
		f[0] = map[string]string{"0": "1", "1": "0"}[f[0]] // label
		rs[i] = strings.Join(f, ",")
		return rs
	}
	deleted := "rows were deleted, so the 40 held-out rows, stored by row number, are no longer the rows set aside"
	moved := "the 40 held-out rows, stored by row number, no longer hold the values they held"
	cases := []struct {
		name string
		rows []string
		want string // "" when the study goes on
	}{
		{"rows deleted", rows[5:], deleted},
		{"rows deleted and as many appended", append(slices.Clone(rows[5:]), rows[:5]...), moved},
		{"a held-out row edited", edit(rows, 4), moved},
		{"rows appended", append(slices.Clone(rows), rows[:10]...), ""},
		{"a search row edited", edit(rows, 3), ""},
		{"a search row's label edited", relabel(rows, 3), "could not keep the folds earlier trials were scored on"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			data, db := filepath.Join(dir, "d.csv"), filepath.Join(dir, "j.db")
			if err := os.WriteFile(data, raw, 0o644); err != nil {
				t.Fatal(err)
			}
			if code, _, errs := runCmd(t, "run", "--data", data, "--target", "label", "--study", "s", "--db", db, "--max-trials", "1", "--folds", "3", "--holdout-split", "modulo"); code != 0 {
				t.Fatalf("run: exit %d\n%s", code, errs)
			}
			if err := os.WriteFile(data, []byte(header+strings.Join(c.rows, "")), 0o644); err != nil {
				t.Fatal(err)
			}
			code, _, errs := runCmd(t, "resume", "--study", "s", "--db", db, "--max-trials", "1", "--allow-data-change")
			if c.want == "" {
				if code != 0 {
					t.Errorf("resume --allow-data-change: exit %d, want 0\n%s", code, errs)
				}
				return
			}
			if code != exitFailure || !strings.Contains(errs, c.want) || !strings.Contains(errs, "start a new study on the changed file") {
				t.Errorf("resume --allow-data-change: exit %d, stderr %q; want exit 1 saying %q", code, errs, c.want)
			}
			// Refused, the study keeps the fingerprint it had: holdout
			// still refuses the changed file.
			if code, _, errs := runCmd(t, "holdout", "--study", "s", "--db", db); code != exitFailure || !strings.Contains(errs, "data file changed since the study began (was") {
				t.Errorf("holdout after the refusal: exit %d, %q; want the changed file refused", code, errs)
			}
		})
	}
}
