package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// TestEveryLeaderboardMarksThePick: run's closing leaderboard, trials and
// trials --json mark the study's pick — the trial status names as best —
// and say what the mark means.
func TestEveryLeaderboardMarksThePick(t *testing.T) {
	db := filepath.Join(t.TempDir(), "j.db")
	code, runOut, errs := runCmd(t, "run", "--data", shipped+"criteo_200.csv", "--target", "label", "--study", "p", "--db", db, "--max-trials", "6", "--folds", "3")
	if code != 0 {
		t.Fatalf("run: %d %s", code, errs)
	}
	_, out, _ := runCmd(t, "status", "--study", "p", "--db", db, "--json")
	var st struct{ Best struct{ Trial int } }
	if err := json.Unmarshal([]byte(out), &st); err != nil || st.Best.Trial == 0 {
		t.Fatalf("status --json: %v %s", err, out)
	}
	mark := regexp.MustCompile(`(?m)^#(\d+) \*`)
	_, trialsOut, _ := runCmd(t, "trials", "--study", "p", "--db", db)
	for name, text := range map[string]string{"run": runOut, "trials": trialsOut} {
		m := mark.FindAllStringSubmatch(text, -1)
		if len(m) != 1 || m[0][1] != itoa64(int64(st.Best.Trial)) || !strings.Contains(text, pickNote) {
			t.Errorf("%s: marked %v, want trial #%d marked once and the note:\n%s", name, m, st.Best.Trial, text)
		}
	}
	_, out, _ = runCmd(t, "trials", "--study", "p", "--db", db, "--json")
	var rows []struct {
		ID   int
		Pick bool
	}
	if err := json.Unmarshal([]byte(out), &rows); err != nil {
		t.Fatal(err)
	}
	picks := 0
	for _, r := range rows {
		if r.Pick {
			picks++
			if r.ID != st.Best.Trial {
				t.Errorf("trials --json picks #%d, status names #%d", r.ID, st.Best.Trial)
			}
		}
	}
	if picks != 1 {
		t.Errorf("trials --json: %d rows marked as the pick, want 1", picks)
	}
}

// TestFitSaysBestIterationOnlyWhenEarlyStopping: GBDT without early
// stopping (LightGBM's default) has no best iteration, and fit says
// "early stopping off" instead of "best iteration 0".
func TestFitSaysBestIterationOnlyWhenEarlyStopping(t *testing.T) {
	cases := []struct {
		args    []string
		want    *regexp.Regexp
		notWant string
	}{
		{[]string{"--model", "gbdt", "--param", "num_iterations=20"}, regexp.MustCompile(`early stopping off\n`), "best iteration"},
		{[]string{"--model", "gbdt", "--param", "num_iterations=50", "--param", "early_stopping_round=5"}, regexp.MustCompile(`best iteration [1-9]\d*\n`), "early stopping off"},
		{[]string{"--model", "logreg"}, regexp.MustCompile(`predict \d+\.\d+s\n`), "iteration"},
	}
	for _, c := range cases {
		code, out, errs := runCmd(t, append([]string{"fit", "--data", shipped + "criteo_200.csv", "--target", "label"}, c.args...)...)
		if code != 0 || !c.want.MatchString(out) || strings.Contains(out, c.notWant) {
			t.Errorf("fit %v: exit %d %s\n%s\nwant %q, not %q", c.args, code, errs, out, c.want, c.notWant)
		}
	}
}

// TestRunHelpAndREADMEAgree: every flag `run -h` lists is documented in
// the README's run section (or among the flags shared by commands that
// read a table) with the same default, and the README documents no run
// flag that does not exist.
func TestRunHelpAndREADMEAgree(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	section := func(title string) string {
		_, rest, ok := strings.Cut(string(readme), title)
		if !ok {
			t.Fatalf("README has no section %q", title)
		}
		if i := strings.Index(rest, "\n### "); i >= 0 {
			rest = rest[:i]
		}
		return rest
	}
	run := section("### `nightshift run ")
	shared := section("### Flags shared by every command that reads a table")
	_, _, help := runCmd(t, "run", "-h")
	flagLine := regexp.MustCompile(`(?m)^  -([a-z-]+)(?: \S+)?\n\s+(.*)$`)
	defaultOf := regexp.MustCompile(`\(default "?([^")]*)"?\)$`)
	inHelp := map[string]bool{}
	for _, m := range flagLine.FindAllStringSubmatch(help, -1) {
		name, usage := m[1], m[2]
		inHelp[name] = true
		doc := run
		if !strings.Contains(run, "`--"+name) {
			doc = shared
		}
		row := ""
		for _, line := range strings.Split(doc, "\n") {
			if strings.Contains(line, "`--"+name+"`") || strings.Contains(line, "`--"+name+" ") {
				row = line
				break
			}
		}
		if row == "" {
			t.Errorf("run -h lists --%s, the README's run section does not", name)
			continue
		}
		if d := defaultOf.FindStringSubmatch(usage); d != nil {
			def, _, _ := strings.Cut(d[1], " ") // a usage's own "(default 10m when …)": its value
			def = strings.TrimRight(def, ";,")
			if dur, err := time.ParseDuration(def); err == nil {
				def = strings.TrimSuffix(strings.TrimSuffix(dur.String(), "0s"), "0m") // 30m0s → 30m, 2m0s → 2m
			}
			if !strings.Contains(row, def) {
				t.Errorf("--%s: run -h says the default is %q, the README's row does not:\n%s", name, def, row)
			}
		}
	}
	for _, m := range regexp.MustCompile("(?m)^\\| `--([a-z-]+)").FindAllStringSubmatch(run, -1) {
		if !inHelp[m[1]] {
			t.Errorf("the README documents run --%s, which run -h does not list", m[1])
		}
	}
}
