package main

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/nightshift-ml/nightshift/experiment"
	"github.com/nightshift-ml/nightshift/experiment/design"
	"github.com/nightshift-ml/nightshift/experiment/final"
	"github.com/nightshift-ml/nightshift/experiment/promote"
	"github.com/nightshift-ml/nightshift/experiment/registry"
	"github.com/nightshift-ml/nightshift/features"
	"github.com/nightshift-ml/nightshift/features/contract"
	"github.com/nightshift-ml/nightshift/journal"
	"github.com/nightshift-ml/nightshift/trainer"
	"github.com/nightshift-ml/nightshift/trainer/gbdt"
)

// sharedFile is a file of ../shared/data beside the repository; the test
// is skipped when it is absent.
func sharedFile(t *testing.T, rel string) string {
	t.Helper()
	p := filepath.Join("..", "..", "..", "shared", "data", rel)
	if _, err := os.Stat(p); err != nil {
		t.Skipf("shared data %s not available: %v", rel, err)
	}
	return p
}

func mustRun(t *testing.T, args ...string) string {
	t.Helper()
	code, out, errs := runCmd(t, args...)
	if code != 0 {
		t.Fatalf("nightshift %s: exit %d\n%s%s", strings.Join(args, " "), code, out, errs)
	}
	return out
}

// readScores reads predict's CSV: the score column, in order.
func readScores(t *testing.T, path string) ([]string, [][]string, []float64) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	var scores []float64
	for _, r := range recs[1:] {
		v, err := strconv.ParseFloat(r[len(r)-1], 64)
		if err != nil {
			t.Fatal(err)
		}
		scores = append(scores, v)
	}
	return recs[0], recs[1:], scores
}

// inProcess rebuilds the model promote published (BuildFinal) and scores
// the data file with it in process.
func inProcess(t *testing.T, db, study string, o promote.Options, data string) (*final.Model, *features.Frame, []float64) {
	t.Helper()
	j, err := journal.Open(db, journal.Options{Timeout: 2 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	m, err := promote.BuildFinal(context.Background(), j, study, o)
	if err != nil {
		t.Fatal(err)
	}
	fr, err := features.LoadFile(data, m.Schema.LoadOptions())
	if err != nil {
		t.Fatal(err)
	}
	if fr, err = m.Conform(fr); err != nil {
		t.Fatal(err)
	}
	p, err := m.Predict(context.Background(), fr)
	if err != nil {
		t.Fatal(err)
	}
	return m, fr, p
}

func maxDiff(t *testing.T, a, b []float64) float64 {
	t.Helper()
	if len(a) != len(b) {
		t.Fatalf("%d scores vs %d", len(a), len(b))
	}
	worst := 0.0
	for i := range a {
		worst = max(worst, math.Abs(a[i]-b[i]))
	}
	return worst
}

// TestRunPromotePredictEndToEnd: run → promote → predict on shared data.
// predict's scores equal the in-process final model's to 1e-12, for the
// study's ensemble and for a GBDT trial's bag, and every GBDT member's
// model.txt loaded through leaves scores its design as the trained member
// does.
func TestRunPromotePredictEndToEnd(t *testing.T) {
	data := sharedFile(t, "fraud/creditcard_10k.csv")
	dir := t.TempDir()
	db, reg := filepath.Join(dir, "j.db"), filepath.Join(dir, "models")
	mustRun(t, "run", "--data", data, "--target", "Class", "--study", "cc", "--max-trials", "4", "--workers", "2", "--db", db)
	var trials []struct {
		ID    uint64 `json:"id"`
		Model string `json:"model"`
		State string `json:"state"`
	}
	if err := json.Unmarshal([]byte(mustRun(t, "trials", "--study", "cc", "--db", db, "--json")), &trials); err != nil {
		t.Fatal(err)
	}
	var gbdtTrial uint64
	for _, tr := range trials {
		if tr.Model == "gbdt" && tr.State == "done" && gbdtTrial == 0 {
			gbdtTrial = tr.ID
		}
	}
	if gbdtTrial == 0 {
		t.Fatalf("no finished gbdt trial in %+v", trials)
	}
	cases := []struct {
		name    string
		promote []string
		o       promote.Options
	}{
		{"cc", nil, promote.Options{}},
		{"cc-gbdt", []string{"--trial", strconv.FormatUint(gbdtTrial, 10), "--final", "bag"}, promote.Options{Trial: gbdtTrial, Final: experiment.FinalBag}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			mustRun(t, append([]string{"promote", "--study", "cc", "--name", c.name, "--db", db, "--registry", reg}, c.promote...)...)
			out := filepath.Join(dir, c.name+".csv")
			mustRun(t, "predict", "--model", c.name, "--data", data, "--registry", reg, "--out", out)
			header, _, got := readScores(t, out)
			if header[len(header)-1] != "score" {
				t.Errorf("header %v", header)
			}
			m, fr, want := inProcess(t, db, "cc", c.o, data)
			if d := maxDiff(t, got, want); d > 1e-12 {
				t.Errorf("predict vs in-process: largest difference %g over %d rows", d, len(got))
			} else {
				t.Logf("%s: %d members, %d rows, largest difference %g", c.name, len(m.Members), len(got), d)
			}
			vdir := filepath.Join(reg, c.name, "v1")
			for _, f := range []string{"card.md", promote.ContractFile, final.ManifestFile, final.SchemaFile, registry.MetaFile} {
				if _, err := os.Stat(filepath.Join(vdir, f)); err != nil {
					t.Errorf("version lacks %s: %v", f, err)
				}
			}
			gbdtMembers := 0
			for i, mem := range m.Members {
				if mem.Kind != "gbdt" {
					continue
				}
				gbdtMembers++
				ds := memberDesign(t, m, mem, fr)
				lm, err := gbdt.LoadLeavesFile(filepath.Join(vdir, "members", fmt.Sprintf("%02d", i+1), "model.txt"))
				if err != nil {
					t.Fatal(err)
				}
				trained, err := mem.Model.PredictProba(ds)
				if err != nil {
					t.Fatal(err)
				}
				loaded, err := lm.PredictProba(ds)
				if err != nil {
					t.Fatal(err)
				}
				if diff := maxDiff(t, trained, loaded); diff > 1e-12 {
					t.Errorf("member %d: leaves on model.txt differs from the trained model by %g", i+1, diff)
				}
			}
			if c.name == "cc-gbdt" && gbdtMembers == 0 {
				t.Error("the gbdt bag has no gbdt member")
			}
		})
	}
}

// memberDesign is what a member's model reads: its pipeline's output, or
// the base columns.
func memberDesign(t *testing.T, m *final.Model, mem final.Member, fr *features.Frame) *trainer.Dataset {
	t.Helper()
	if mem.Pipeline == nil {
		ds, _ := design.FromFrame(fr.Without(m.Schema.Hidden...))
		return ds
	}
	out, err := mem.Pipeline.Apply(context.Background(), fr)
	if err != nil {
		t.Fatal(err)
	}
	return design.FromOutput(out)
}

// gateStudy runs a small study on the shipped criteo sample.
func gateStudy(t *testing.T, dir, study, data, target string) (db string) {
	t.Helper()
	db = filepath.Join(dir, "j.db")
	mustRun(t, "run", "--data", data, "--target", target, "--study", study, "--max-trials", "5", "--workers", "1", "--db", db)
	return db
}

type modelsJSON []struct {
	Name     string            `json:"name"`
	Aliases  map[string]string `json:"aliases"`
	Versions []registry.Version
	History  []registry.Move `json:"history"`
}

func models(t *testing.T, reg string) modelsJSON {
	t.Helper()
	var m modelsJSON
	out := mustRun(t, "models", "--registry", reg, "--json")
	if err := json.Unmarshal([]byte(out), &m); err != nil {
		t.Fatal(err)
	}
	// The keys are snake case like every other --json output (they were
	// Go's field names, "Dir" and "Meta", beside "name" and "history").
	var raw []struct {
		Versions []map[string]json.RawMessage `json:"versions"`
	}
	json.Unmarshal([]byte(out), &raw)
	for _, n := range raw {
		for _, v := range n.Versions {
			for _, k := range []string{"dir", "meta", "aliases"} {
				if _, ok := v[k]; !ok {
					t.Errorf("models --json: a version lacks %q: %s", k, out)
				}
			}
		}
	}
	return m
}

// TestPromoteGates: a worse model exits 4 naming both scores; an equal
// retrain fails --gate better and passes --gate not-worse; --force
// --reason publishes and models shows it in the history; alias rolls
// back, also in the history; a champion from another study's data is
// refused unless forced.
func TestPromoteGates(t *testing.T) {
	dir := t.TempDir()
	reg := filepath.Join(dir, "models")
	db := gateStudy(t, dir, "g", shipped+"criteo_200.csv", "label")
	p := func(args ...string) (int, string, string) {
		return runCmd(t, append([]string{"promote", "--study", "g", "--db", db, "--registry", reg}, args...)...)
	}
	if code, out, errs := p(); code != 0 || !strings.Contains(out, "first version needs no gate") {
		t.Fatalf("first promote: exit %d\n%s%s", code, out, errs)
	}

	// The worst finished trial's refit against the ensemble.
	var trials []struct {
		ID    uint64 `json:"id"`
		State string `json:"state"`
	}
	json.Unmarshal([]byte(mustRun(t, "trials", "--study", "g", "--db", db, "--json")), &trials)
	worst := uint64(0)
	for _, tr := range trials {
		if tr.State == "done" {
			worst = tr.ID // best first: the last done is the worst
		}
	}
	code, out, errs := p("--trial", strconv.FormatUint(worst, 10), "--final", "refit")
	if code != exitGate {
		t.Fatalf("worse model: exit %d, want 4\n%s%s", code, out, errs)
	}
	for _, want := range []string{"challenger 0.", "vs champion 0.", "difference ", "80% interval", "p = ", "DeLong", "fails the better gate", "--force --reason"} {
		if !strings.Contains(errs, want) {
			t.Errorf("refusal lacks %q:\n%s", want, errs)
		}
	}
	if !strings.Contains(out, "was chosen after 1 earlier holdout read(s)") {
		t.Errorf("a --trial chosen after a holdout read is not flagged:\n%s", out)
	}

	// An equal retrain: the same ensemble again.
	if code, _, errs := p("--gate", "better"); code != exitGate || !strings.Contains(errs, "difference +0.0000") {
		t.Errorf("equal retrain, --gate better: exit %d, want 4\n%s", code, errs)
	}
	if code, out, errs := p("--gate", "not-worse"); code != 0 || !strings.Contains(out, "passes the not-worse gate") || !strings.Contains(out, "published g/v2") {
		t.Errorf("equal retrain, --gate not-worse: exit %d\n%s%s", code, out, errs)
	}

	// Forced.
	if code, _, errs := p("--trial", strconv.FormatUint(worst, 10), "--final", "refit", "--force"); code != exitUsage || !strings.Contains(errs, "--force needs --reason") {
		t.Errorf("--force without --reason: exit %d %s", code, errs)
	}
	if code, out, errs := p("--trial", strconv.FormatUint(worst, 10), "--final", "refit", "--force", "--reason", "needed for the audit replay"); code != 0 || !strings.Contains(out, "published g/v3 (forced)") {
		t.Fatalf("forced: exit %d\n%s%s", code, out, errs)
	}
	m := models(t, reg)
	h := m[0].History
	if len(h) != 3 || h[2].To != "v3" || !h[2].Forced || h[2].Reason != "needed for the audit replay" || !strings.Contains(h[2].Command, "--force") {
		t.Errorf("history after the forced promotion: %+v", h)
	}
	if !m[0].Versions[2].Meta.Forced || m[0].Versions[2].Meta.Reason != "needed for the audit replay" {
		t.Errorf("v3 meta %+v", m[0].Versions[2].Meta)
	}
	if text := mustRun(t, "models", "--registry", reg); !strings.Contains(text, "champion: v2 → v3 [forced]  needed for the audit replay") {
		t.Errorf("models text lacks the forced move:\n%s", text)
	}

	// Rollback.
	if code, _, errs := runCmd(t, "alias", "g@champion", "v2", "--registry", reg); code != exitUsage || !strings.Contains(errs, "--reason") {
		t.Errorf("alias without --reason: exit %d %s", code, errs)
	}
	if out := mustRun(t, "alias", "g@champion", "v2", "--reason", "v3 scores the replay badly", "--registry", reg); !strings.Contains(out, "g@champion: v3 → v2") {
		t.Errorf("alias: %s", out)
	}
	m = models(t, reg)
	if last := m[0].History[len(m[0].History)-1]; m[0].Aliases["champion"] != "v2" || last.From != "v3" || last.To != "v2" || last.Reason != "v3 scores the replay badly" {
		t.Errorf("after rollback: aliases %v, last move %+v", m[0].Aliases, last)
	}

	// Every promote was one journaled holdout read.
	j, err := journal.Open(db, journal.Options{Timeout: 2 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	reads, err := j.ListHoldoutReads("g")
	j.Close()
	if err != nil || len(reads) != 5 || reads[0].Standing != journal.ReadVerdict || !strings.Contains(reads[1].Command, "promote --study g") {
		t.Errorf("holdout reads after 5 promotes: %d (%v); first %+v", len(reads), err, reads)
	}

	// Another study, on other data, promoted under the same name.
	other := filepath.Join(dir, "other")
	os.Mkdir(other, 0o755)
	db2 := gateStudy(t, other, "o", shipped+"avazu_100.csv", "click")
	code, _, errs = runCmd(t, "promote", "--study", "o", "--name", "g", "--db", db2, "--registry", reg)
	if code != exitGate || !strings.Contains(errs, "champion v2 was trained on other data") {
		t.Errorf("other data: exit %d, want 4\n%s", code, errs)
	}
	if code, out, errs := runCmd(t, "promote", "--study", "o", "--name", "g", "--db", db2, "--registry", reg, "--force", "--reason", "new data source"); code != 0 || !strings.Contains(out, "published g/v4 (forced)") {
		t.Errorf("other data, forced: exit %d\n%s%s", code, out, errs)
	}
}

// TestPredictRefusesAContractViolationAndWritesIDs: predict checks the
// contract first (exit 3, nothing written), scores anyway with
// --allow-violations when it can, and writes the id columns asked for.
func TestPredictRefusesAContractViolationAndWritesIDs(t *testing.T) {
	dir := t.TempDir()
	reg := filepath.Join(dir, "models")
	db := gateStudy(t, dir, "a", shipped+"avazu_100.csv", "click")
	mustRun(t, "promote", "--study", "a", "--db", db, "--registry", reg)
	out := filepath.Join(dir, "p.csv")
	mustRun(t, "predict", "--model", "a", "--data", shipped+"avazu_100.csv", "--registry", reg, "--out", out, "--id-col", "id,hour")
	header, rows, scores := readScores(t, out)
	if strings.Join(header, ",") != "id,hour,score" || len(rows) != 100 || rows[0][0] != "1000009418151094273" || rows[0][1] != "14102100" {
		t.Errorf("header %v, %d rows, first %v", header, len(rows), rows[0])
	}
	for _, s := range scores {
		if !(s > 0 && s < 1) {
			t.Fatalf("score %v", s)
		}
	}
	// A string in a numeric column.
	b, _ := os.ReadFile(shipped + "avazu_100.csv")
	lines := strings.Split(string(b), "\n")
	fields := strings.Split(lines[3], ",")
	fields[4] = "top" // banner_pos
	lines[3] = strings.Join(fields, ",")
	bad := filepath.Join(dir, "bad.csv")
	os.WriteFile(bad, []byte(strings.Join(lines, "\n")), 0o644)
	out2 := filepath.Join(dir, "p2.csv")
	code, _, errs := runCmd(t, "predict", "--model", "a", "--data", bad, "--registry", reg, "--out", out2)
	if code != exitContract || !strings.Contains(errs, "banner_pos") || !strings.Contains(errs, "nothing was scored") {
		t.Errorf("string in a numeric column: exit %d\n%s", code, errs)
	}
	if _, err := os.Stat(out2); err == nil {
		t.Error("a refused prediction wrote its output file")
	}
	code, _, errs = runCmd(t, "predict", "--model", "a", "--data", bad, "--registry", reg, "--out", out2, "--allow-violations")
	if code != 0 || !strings.Contains(errs, "scored despite") {
		t.Errorf("--allow-violations: exit %d\n%s", code, errs)
	}
	// An --id-col the file lacks is a usage error naming the flag and the
	// file (it exited 1 saying "the data"), and writes nothing.
	out3 := filepath.Join(dir, "p3.csv")
	code, _, errs = runCmd(t, "predict", "--model", "a", "--data", shipped+"avazu_100.csv", "--registry", reg, "--out", out3, "--id-col", "id,nope")
	if code != exitUsage || !strings.Contains(errs, `--id-col "nope" is not a column of `+shipped+"avazu_100.csv") {
		t.Errorf("--id-col nope: exit %d, want %d naming the flag and the file\n%s", code, exitUsage, errs)
	}
	if _, err := os.Stat(out3); err == nil {
		t.Error("a refused prediction wrote its output file")
	}
}

// TestSIGKILLDuringPromote kills `nightshift promote` at several moments
// spread over its run: every alias stays where it was or has moved to a
// complete version, no partial version is visible, and the next promote
// works and leaves no temporary directory behind.
func TestSIGKILLDuringPromote(t *testing.T) {
	dir := t.TempDir()
	reg := filepath.Join(dir, "models")
	db := gateStudy(t, dir, "k", shipped+"criteo_200.csv", "label")
	args := []string{"promote", "--study", "k", "--db", db, "--registry", reg, "--gate", "not-worse"}
	if out, err := nightshiftCmd(t, args...).CombinedOutput(); err != nil {
		t.Fatalf("promote: %v\n%s", err, out)
	}
	start := time.Now() // the timed one has a champion to compare with, as the killed ones do
	if out, err := nightshiftCmd(t, args...).CombinedOutput(); err != nil {
		t.Fatalf("promote: %v\n%s", err, out)
	}
	full := time.Since(start)
	r := registry.Open(reg)
	complete := func(when string) {
		t.Helper()
		vs, err := r.Versions("k")
		if err != nil {
			t.Fatalf("%s: versions unreadable: %v", when, err)
		}
		for _, v := range vs {
			if _, err := final.Read(v.Dir); err != nil {
				t.Errorf("%s: %s is visible but incomplete: %v", when, v.Dir, err)
			}
			for _, f := range []string{"card.md", promote.ContractFile} {
				if _, err := os.Stat(filepath.Join(v.Dir, f)); err != nil {
					t.Errorf("%s: %s lacks %s", when, v.Dir, f)
				}
			}
		}
		a, err := r.Aliases("k")
		if err != nil {
			t.Fatalf("%s: aliases.json unreadable: %v", when, err)
		}
		if champ := a.Aliases[registry.Champion]; champ == "" || !isDir(filepath.Join(reg, "k", champ)) {
			t.Errorf("%s: champion %q is not a visible version", when, champ)
		}
		if last := a.History[len(a.History)-1]; last.To != a.Aliases[registry.Champion] {
			t.Errorf("%s: last history entry %+v disagrees with the champion %s", when, last, a.Aliases[registry.Champion])
		}
	}
	complete("after a full promote")
	// Moments: fixed shares of a promote's time (the holdout read, the
	// fits), and the first sight of each registry step (a temporary
	// version directory, the renamed version, a new aliases.json).
	nameDir := filepath.Join(reg, "k")
	sees := func(what string, before []string, beforeAliases []byte) func() bool {
		return func() bool {
			entries, _ := os.ReadDir(nameDir)
			for _, e := range entries {
				switch {
				case what == "temp" && strings.HasPrefix(e.Name(), ".tmp-"):
					return true
				case what == "version" && strings.HasPrefix(e.Name(), "v") && !slices.Contains(before, e.Name()):
					return true
				}
			}
			if what == "aliases" {
				b, _ := os.ReadFile(filepath.Join(nameDir, registry.AliasesFile))
				return !bytes.Equal(b, beforeAliases)
			}
			return false
		}
	}
	moments := []string{"20%", "60%", "temp", "version", "aliases", "temp", "version"}
	for i, moment := range moments {
		before, _ := r.Aliases("k")
		var names []string
		entries, _ := os.ReadDir(nameDir)
		for _, e := range entries {
			names = append(names, e.Name())
		}
		aliasBytes, _ := os.ReadFile(filepath.Join(nameDir, registry.AliasesFile))
		cmd := nightshiftCmd(t, args...)
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		if share, err := strconv.ParseFloat(strings.TrimSuffix(moment, "%"), 64); err == nil {
			time.Sleep(time.Duration(share / 100 * float64(full)))
		} else {
			seen := sees(moment, names, aliasBytes)
			for deadline := time.Now().Add(10 * full); !seen() && time.Now().Before(deadline); {
				time.Sleep(200 * time.Microsecond)
			}
		}
		cmd.Process.Kill() // SIGKILL
		cmd.Wait()
		when := fmt.Sprintf("kill %d (at %s)", i+1, moment)
		complete(when)
		after, _ := r.Aliases("k")
		vs, _ := r.Versions("k")
		t.Logf("%s: %d versions, champion %s, %d moves", when, len(vs), after.Aliases[registry.Champion], len(after.History))
		if moved := len(after.History) - len(before.History); moved == 0 && after.Aliases[registry.Champion] != before.Aliases[registry.Champion] || moved > 1 {
			t.Errorf("%s: champion %s → %s with %d history entries added", when, before.Aliases[registry.Champion], after.Aliases[registry.Champion], moved)
		}
	}
	if out, err := nightshiftCmd(t, args...).CombinedOutput(); err != nil {
		t.Fatalf("promote after the kills: %v\n%s", err, out)
	}
	entries, _ := os.ReadDir(filepath.Join(reg, "k"))
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), ".tmp-") {
			t.Errorf("temporary directory %s survived the next promote", e.Name())
		}
	}
	complete("after the last promote")
}

func isDir(p string) bool {
	st, err := os.Stat(p)
	return err == nil && st.IsDir()
}

// TestPromoteRefusesWhenTheChampionsContractRejectsTheData: a champion
// whose contract the data breaks (here: a contract of another table, so
// every column is missing) refuses the comparison with the violations.
func TestPromoteRefusesWhenTheChampionsContractRejectsTheData(t *testing.T) {
	dir := t.TempDir()
	reg := filepath.Join(dir, "models")
	db := gateStudy(t, dir, "g", shipped+"criteo_200.csv", "label")
	mustRun(t, "promote", "--study", "g", "--db", db, "--registry", reg)
	fr, err := features.LoadFile(shipped+"avazu_100.csv", features.LoadOptions{Target: "click"})
	if err != nil {
		t.Fatal(err)
	}
	tg, err := features.ParseTarget(fr, "click", "1")
	if err != nil {
		t.Fatal(err)
	}
	other := fr.Without("click")
	c, err := contract.Generate(other, features.ProfileFrame(other, tg, 1), contract.Options{Name: "other"})
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Write(filepath.Join(reg, "g", "v1", promote.ContractFile)); err != nil {
		t.Fatal(err)
	}
	code, _, errs := runCmd(t, "promote", "--study", "g", "--db", db, "--registry", reg, "--gate", "not-worse")
	if code != exitGate || !strings.Contains(errs, "champion v1's data contract rejects") || !strings.Contains(errs, "missingColumns") {
		t.Errorf("exit %d, want 4 with the violations:\n%s", code, errs)
	}
}
