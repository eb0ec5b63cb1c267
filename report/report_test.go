package report

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/nightshift-ml/nightshift/experiment/studyview"
	"github.com/nightshift-ml/nightshift/journal"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/golden")

// Untrusted text the fixture plants: a column name that is an HTML
// injection and a hypothesis with markdown, HTML and LaTeX.
const (
	evilColumn     = `<img src=x onerror=alert(1)>`
	evilHypothesis = "**bold** [link](http://evil.example/x) <script>alert(1)</script> $x^2$ # not a heading | pipe"
)

var t0 = time.Date(2026, 12, 6, 1, 0, 0, 0, time.UTC)

// fixture writes a small fixed study: eight trials (done, pruned, failed,
// two pairs that differ by one feature alone), two planner rounds, events,
// a profile with a hostile column name and one holdout read. The journal
// is left open read-write (as a running study holds it) when running is
// true; the returned journal is then the writer.
func fixture(t *testing.T, running bool) (path string, writer *journal.Journal) {
	t.Helper()
	path = filepath.Join(t.TempDir(), "j.db")
	clock := t0
	j, err := journal.Open(path, journal.Options{Now: func() time.Time { return clock }})
	if err != nil {
		t.Fatal(err)
	}
	cfg := studyview.Config{Data: "data/claims.csv", Target: "fraud", Positive: "1", Task: "flag <b>fraud</b> & abuse", Metric: studyview.MetricAUC,
		Holdout: 0.2, Folds: 3, Seed: 7, Planner: "builtin", Budget: studyview.Duration(time.Hour), TrialTimeout: studyview.Duration(time.Minute)}
	raw, _ := json.Marshal(cfg)
	profile := map[string]any{"rows": 800, "target": "fraud", "positive": "1", "positives": 80, "label_rate": 0.1,
		"columns": []map[string]any{
			{"name": evilColumn, "kind": "categorical", "missing_rate": 0.0, "distinct": 12, "auc": 0.995, "leak": true},
			{"name": "amount", "kind": "numeric", "missing_rate": 0.05, "distinct": 700, "auc": 0.71},
			{"name": "merchant", "kind": "categorical", "missing_rate": 0, "distinct": 40, "auc": 0.64},
		},
		"leaks": []string{evilColumn}, "unused": []map[string]string{{"name": "notes", "reason": "free text"}}}
	prof, _ := json.Marshal(profile)
	state := journal.StudyFinished
	if running {
		state = journal.StudyRunning
	}
	if _, err := j.CreateStudy(journal.Study{Name: "claims", State: state, ConfigVersion: studyview.ConfigVersion, Config: raw,
		Data: journal.Fingerprint{Size: 12345, SHA256: strings.Repeat("ab", 32)}, Profile: prof}); err != nil {
		t.Fatal(err)
	}
	if _, err := j.AddEvent("claims", journal.Event{Kind: journal.EventStart, Time: t0}); err != nil {
		t.Fatal(err)
	}
	gb := map[string]string{"learning_rate": "0.1", "num_leaves": "31"}
	trial := func(id uint64, state journal.TrialState, model, feats string, params map[string]string, folds []float64, hyp string) journal.Trial {
		m, s := math.NaN(), math.NaN()
		if len(folds) > 0 {
			m = 0
			for _, f := range folds {
				m += f
			}
			m /= float64(len(folds))
			s = 0
			for _, f := range folds {
				s += (f - m) * (f - m)
			}
			s = math.Sqrt(s / math.Max(1, float64(len(folds)-1)))
		}
		return journal.Trial{ID: id, State: state, SpecHash: "h" + string(rune('a'+id)), Model: model, Features: feats, Params: params, Seed: 7,
			Metric: "auc", FoldScores: folds, Mean: m, Std: s, Timings: map[string]float64{journal.PhaseTotal: float64(id)},
			Round: 1 + id/5, Hypothesis: hyp, Started: t0.Add(time.Duration(id) * time.Minute), Finished: t0.Add(time.Duration(id)*time.Minute + 40*time.Second)}
	}
	lr := func(v string) map[string]string { return map[string]string{"learning_rate": v, "num_leaves": "31"} }
	trials := []journal.Trial{
		trial(1, journal.TrialDone, "gbdt", "", gb, []float64{0.80, 0.82, 0.81}, "baseline"),
		trial(2, journal.TrialDone, "logreg", "", map[string]string{"C": "1"}, []float64{0.78, 0.79, 0.77}, "baseline: logistic regression"),
		trial(3, journal.TrialDone, "gbdt", "log1p(amount)", gb, []float64{0.83, 0.84, 0.82}, evilHypothesis),
		trial(4, journal.TrialPruned, "gbdt", "", lr("0.3"), []float64{0.70}, "random gbdt parameters"),
		trial(5, journal.TrialFailed, "gbdt", "count(merchant)", lr("0.05"), nil, "count merchants"),
		trial(6, journal.TrialDone, "gbdt", "count(merchant); log1p(amount)", gb, []float64{0.86, 0.80, 0.90}, "both"),
		trial(7, journal.TrialDone, "gbdt", "", lr("0.05"), []float64{0.81, 0.815, 0.82}, "slower"),
		trial(8, journal.TrialDone, "gbdt", "", lr("0.2"), []float64{0.79, 0.80, 0.80}, "faster"),
	}
	// Racing re-evaluated #3 on splits 1 and 2, and #6 on split 1: their
	// rows pool the splits (split 1 is 0.01 harder for both, split 2 for #3 alone).
	reeval := func(id, of uint64, split int, folds []float64) journal.Trial {
		r := trial(id, journal.TrialDone, trials[of-1].Model, trials[of-1].Features, trials[of-1].Params, folds, trials[of-1].Hypothesis)
		r.SpecHash, r.Split, r.Of, r.Round = trials[of-1].SpecHash, split, of, 0
		r.Reason = fmt.Sprintf("race: re-evaluate #%d on split %d", of, split)
		return r
	}
	trials = append(trials,
		reeval(10, 3, 1, []float64{0.82, 0.835, 0.81}),
		reeval(11, 6, 1, []float64{0.85, 0.79, 0.88}),
		reeval(12, 3, 2, []float64{0.815, 0.83, 0.825}))
	trials[3].Error = "pruned after 1 folds: running mean 0.7000 is worse than the median 0.8100 of 3 earlier trials at that fold"
	trials[4].Error = "features: column \"merchant\": <b>bad</b>\nstack follows"
	trials[2].Verdict = "new incumbent: +0.0200 auc over #1 (corrected paired t=2.10 > 1.53, 3 folds)"
	if running {
		trials = append(trials, journal.Trial{ID: 9, State: journal.TrialRunning, Model: "gbdt", Params: gb, Started: t0.Add(9 * time.Minute)})
	}
	for _, tr := range trials {
		if _, err := j.PutTrial("claims", tr); err != nil {
			t.Fatal(err)
		}
	}
	for r := uint64(1); r <= 2; r++ {
		var acc []journal.Proposal
		for _, tr := range trials {
			if tr.Round == r {
				acc = append(acc, journal.Proposal{SpecHash: tr.SpecHash, Hypothesis: tr.Hypothesis, ID: fmt.Sprintf("%d.%d", r, len(acc)+1)})
			}
		}
		clock = t0.Add(time.Duration(r) * time.Minute)
		if _, err := j.AddRound("claims", journal.Round{Planner: "builtin", Accepted: acc, Latency: 20 * time.Millisecond,
			Rejected: []journal.Proposal{{Hypothesis: "drop <everything>", Reason: "no columns left"}}}); err != nil {
			t.Fatal(err)
		}
	}
	if !running {
		if _, err := j.AddHoldoutRead("claims", journal.HoldoutRead{Time: t0.Add(2 * time.Hour), Command: "nightshift holdout --study claims", Final: "ensemble", Top: 2,
			Metric: "auc", Rows: 200, Positives: 20, Models: []journal.HoldoutModel{
				{Role: "final", Final: "ensemble", Parts: []journal.HoldoutPart{{Trial: 3, SpecHash: "hd", Seed: 7, Weight: 0.6}, {Trial: 6, SpecHash: "hg", Seed: 7, Weight: 0.4}},
					Metrics: map[string]journal.Figure{"auc": {Value: 0.845, SE: 0.012}, "pr_auc": {Value: 0.41, SE: math.NaN()}, "logloss": {Value: 0.25, SE: math.NaN()}, "brier": {Value: 0.07, SE: math.NaN()}},
					CV:      0.842, CVStd: 0.02, Trees: 120,
					Curves: &journal.Curves{
						ROC:         []journal.CurvePoint{{X: 0, Y: 0}, {X: 0.05, Y: 0.45}, {X: 0.2, Y: 0.8}, {X: 1, Y: 1}},
						PR:          []journal.CurvePoint{{X: 0.1, Y: 1}, {X: 0.45, Y: 0.6}, {X: 0.8, Y: 0.3}, {X: 1, Y: 0.1}},
						Calibration: []journal.CalibrationBin{{Predicted: 0.04, Observed: 0.03, Rows: 150}, {Predicted: 0.3, Observed: 0.25, Rows: 40}, {Predicted: 0.8, Observed: 0.9, Rows: 10}},
					},
					Importance: []journal.FeatureGain{{Feature: "log1p(amount)", Gain: 0.55}, {Feature: evilColumn, Gain: 0.3}, {Feature: "count(merchant)", Gain: 0.15}}},
				{Role: "trial", Final: "bag", Parts: []journal.HoldoutPart{{Trial: 3, SpecHash: "hd", Seed: 7, Weight: 1}},
					Metrics: map[string]journal.Figure{"auc": {Value: 0.851, SE: 0.012}}, CV: 0.83, CVStd: 0.01},
			}}); err != nil {
			t.Fatal(err)
		}
		if _, err := j.AddEvent("claims", journal.Event{Kind: studyview.EventVerdict, Time: t0.Add(5 * time.Minute), Message: "log1p(amount) helps: <confirmed>",
			Details: map[string]string{"proposal": "1.3", "verdict": "confirmed", "delta": "0.0267", "se": "0.0081"}}); err != nil {
			t.Fatal(err)
		}
		if _, err := j.AddEvent("claims", journal.Event{Kind: journal.EventFinish, Time: t0.Add(time.Hour)}); err != nil {
			t.Fatal(err)
		}
		if err := j.Close(); err != nil {
			t.Fatal(err)
		}
		return path, nil
	}
	t.Cleanup(func() { j.Close() })
	return path, j
}

func readStudy(t *testing.T, path string) *studyview.Study {
	t.Helper()
	j, err := studyview.OpenReadOnly(path)
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	s, err := studyview.Read(j, "claims")
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func build(t *testing.T, s *studyview.Study, o Options) (nb, page []byte) {
	t.Helper()
	doc, err := Build(s, o)
	if err != nil {
		t.Fatal(err)
	}
	nb, err = doc.Notebook()
	if err != nil {
		t.Fatal(err)
	}
	return nb, doc.HTML()
}

// The report of a fixed journal is byte for byte the golden one.
func TestReportMatchesGolden(t *testing.T) {
	path, _ := fixture(t, false)
	nb, page := build(t, readStudy(t, path), Options{DB: "../j.db"})
	for name, got := range map[string][]byte{"report.ipynb": nb, "report.html": page} {
		golden := filepath.Join("testdata", "golden", name)
		if *update {
			if err := os.MkdirAll(filepath.Dir(golden), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(golden, got, 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		want, err := os.ReadFile(golden)
		if err != nil {
			t.Fatalf("%v (run go test ./report -run Golden -update)", err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s differs from %s (%d vs %d bytes); if the change is meant, rerun with -update and review the diff", name, golden, len(got), len(want))
		}
	}
}

// Two reports of the same snapshot are the same bytes, the generated-at
// line included when the time is the same; only that line moves with the
// clock.
func TestReportIsDeterministic(t *testing.T) {
	path, _ := fixture(t, false)
	s := readStudy(t, path)
	at := time.Date(2026, 12, 6, 7, 0, 0, 0, time.UTC)
	nb1, page1 := build(t, s, Options{DB: "x.db", Generated: at})
	nb2, page2 := build(t, readStudy(t, path), Options{DB: "x.db", Generated: at})
	if !bytes.Equal(nb1, nb2) || !bytes.Equal(page1, page2) {
		t.Fatal("two reports of the same journal differ")
	}
	_, page3 := build(t, s, Options{DB: "x.db", Generated: at.Add(time.Hour)})
	a, b := strings.Split(string(page1), "\n"), strings.Split(string(page3), "\n")
	if len(a) != len(b) {
		t.Fatalf("%d vs %d lines", len(a), len(b))
	}
	var diff []string
	for i := range a {
		if a[i] != b[i] {
			diff = append(diff, b[i])
		}
	}
	if len(diff) != 1 || !strings.Contains(diff[0], "Generated 2026-12-06T08:00:00Z") {
		t.Errorf("lines that changed with the clock: %q", diff)
	}
}

// The notebook is valid nbformat 4.5: checked against the schema nbformat
// itself ships (testdata/nbformat.v4.5.schema.json, from Debian's
// python3-nbformat 5.5.0).
func TestNotebookValidatesAgainstSchema(t *testing.T) {
	schema := compileSchema(t, filepath.Join("testdata", "nbformat.v4.5.schema.json"))
	for _, running := range []bool{false, true} {
		path, _ := fixture(t, running)
		nb, _ := build(t, readStudy(t, path), Options{DB: "j.db", Generated: t0})
		var doc any
		if err := json.Unmarshal(nb, &doc); err != nil {
			t.Fatal(err)
		}
		if err := schema.Validate(doc); err != nil {
			t.Errorf("running=%v: %v", running, err)
		}
		// The schema allows any minor version; 4.5 is what cell ids need.
		m := doc.(map[string]any)
		if m["nbformat"] != 4.0 || m["nbformat_minor"] != 5.0 {
			t.Errorf("nbformat %v.%v, want 4.5", m["nbformat"], m["nbformat_minor"])
		}
	}
	// And the check can fail: a code cell without execution_count is not
	// a notebook.
	var bad map[string]any
	path, _ := fixture(t, false)
	nb, _ := build(t, readStudy(t, path), Options{DB: "j.db"})
	json.Unmarshal(nb, &bad)
	for _, c := range bad["cells"].([]any) {
		if c.(map[string]any)["cell_type"] == "code" {
			delete(c.(map[string]any), "execution_count")
			break
		}
	}
	if schema.Validate(bad) == nil {
		t.Error("the schema accepted a code cell without execution_count")
	}
}

// The page loads nothing: no http(s) URL in any src or href, no script,
// and a Content-Security-Policy that forbids both.
func TestHTMLHasNoExternalReference(t *testing.T) {
	path, _ := fixture(t, false)
	_, page := build(t, readStudy(t, path), Options{DB: "j.db"})
	// Attributes inside tags only (escaped text holds no "<").
	for _, m := range regexp.MustCompile(`(?i)<[a-z][^<>]*?\b(src|href)\s*=\s*["']?([^"'\s>]*)`).FindAllSubmatch(page, -1) {
		v := strings.ToLower(string(m[2]))
		if !strings.HasPrefix(v, "#") && !strings.HasPrefix(v, "data:image/png;base64,") {
			t.Errorf("%s=%q: only #anchors and data: images are allowed", m[1], clip(string(m[2]), 60))
		}
	}
	if regexp.MustCompile(`(?i)https?://`).Match(page) && bytes.Contains(page, []byte(`src="http`)) {
		t.Error("an http(s) source")
	}
	if bytes.Contains(bytes.ToLower(page), []byte("<script")) {
		t.Error("the page holds a <script> tag")
	}
	if !bytes.Contains(page, []byte(`content="default-src 'none'; img-src data:; style-src 'unsafe-inline'"`)) {
		t.Error("no Content-Security-Policy forbidding remote loads")
	}
}

// A column named like an HTML tag and a hypothesis with markdown, HTML and
// LaTeX come out as the text they are, in the page and in the notebook.
func TestUntrustedTextRendersAsText(t *testing.T) {
	path, _ := fixture(t, false)
	nb, page := build(t, readStudy(t, path), Options{DB: "j.db"})
	for _, raw := range []string{"<img src=x", "<script", "<b>"} {
		if bytes.Contains(page, []byte(raw)) {
			t.Errorf("the page holds %q unescaped", raw)
		}
	}
	if n, ours := bytes.Count(page, []byte("<img")), bytes.Count(page, []byte(`<img alt="`)); n != ours {
		t.Errorf("%d <img> tags, %d of them the report's own figures", n, ours)
	}
	for _, want := range []string{"&lt;img src=x onerror=alert(1)&gt;", "&lt;script&gt;alert(1)&lt;/script&gt;", "**bold** [link](http://evil.example/x)", "$x^2$"} {
		if !bytes.Contains(page, []byte(want)) {
			t.Errorf("the page lacks the escaped text %q", want)
		}
	}
	var doc struct {
		Cells []struct {
			CellType string   `json:"cell_type"`
			Source   []string `json:"source"`
			Outputs  []struct {
				Data map[string]any `json:"data"`
			} `json:"outputs"`
		} `json:"cells"`
	}
	if err := json.Unmarshal(nb, &doc); err != nil {
		t.Fatal(err)
	}
	var md, html strings.Builder
	for _, c := range doc.Cells {
		if c.CellType == "markdown" {
			md.WriteString(withoutCodeSpans(t, withoutFences(t, strings.Join(c.Source, ""))))
		}
		for _, o := range c.Outputs {
			if h, ok := o.Data["text/html"].([]any); ok {
				for _, l := range h {
					html.WriteString(l.(string))
				}
			}
		}
	}
	for _, raw := range []string{"<img", "<script", "<b>", "**bold**", "[link](", "$x", "http://"} {
		if strings.Contains(md.String(), raw) {
			t.Errorf("a markdown cell holds %q as markup", raw)
		}
	}
	if !strings.Contains(md.String(), "flag &lt;b&gt;fraud&lt;/b&gt; &amp; abuse") {
		t.Errorf("markdown lacks the task text, escaped")
	}
	if !strings.Contains(string(nb), "`<img src=x onerror=alert(1)>`") {
		t.Errorf("markdown lacks the column name as a code span")
	}
	for _, want := range []string{"&lt;img src=x onerror=alert(1)&gt;", "**bold** [link](http://evil.example/x) &lt;script&gt;alert(1)&lt;/script&gt; $x^2$"} {
		if !strings.Contains(html.String(), want) {
			t.Errorf("the notebook's tables lack the escaped text %q", want)
		}
	}
	if strings.Contains(html.String(), "<img") || strings.Contains(html.String(), "<script") {
		t.Error("a notebook table holds a tag from the data")
	}
	if !strings.Contains(html.String(), "tex2jax_ignore mathjax_ignore") {
		t.Error("tables do not opt out of LaTeX typesetting, so $x^2$ would render as math")
	}
}

// withoutFences drops fenced code blocks (literal text in CommonMark
// §4.5), checking that no line inside could close one early.
func withoutFences(t *testing.T, src string) string {
	var out []string
	fence := ""
	for _, l := range strings.Split(src, "\n") {
		switch {
		case fence == "" && strings.HasPrefix(l, "```"):
			fence = l[:len(l)-len(strings.TrimLeft(l, "`"))]
		case fence != "" && l == fence:
			fence = ""
		case fence != "" && strings.HasPrefix(strings.TrimSpace(l), fence):
			t.Errorf("line %q inside a fenced block would close it", l)
		case fence == "":
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}

// withoutCodeSpans drops CommonMark code spans (literal text: a backtick
// run up to the next run of the same length), failing on one left open.
func withoutCodeSpans(t *testing.T, src string) string {
	var b strings.Builder
	for i := 0; i < len(src); {
		if src[i] != '`' {
			b.WriteByte(src[i])
			i++
			continue
		}
		n := 0
		for i+n < len(src) && src[i+n] == '`' {
			n++
		}
		fence := src[i : i+n]
		end := -1
		for k := i + n; k < len(src); {
			j := strings.Index(src[k:], fence)
			if j < 0 {
				break
			}
			j += k
			if (j+n == len(src) || src[j+n] != '`') && (j == 0 || src[j-1] != '`') {
				end = j
				break
			}
			k = j + 1
		}
		if end < 0 {
			t.Errorf("code span %q… is never closed", clip(src[i:], 40))
			return b.String()
		}
		i = end + n
	}
	return b.String()
}

// While a study runs (its writer holds the journal), the report reads one
// snapshot, says the study is running and shows the trials finished so
// far; with no finished trial it says so.
func TestReportOnRunningStudy(t *testing.T) {
	path, w := fixture(t, true)
	dir := t.TempDir()
	p, err := Write(readStudy(t, path), dir, Options{DB: path})
	if err != nil {
		t.Fatal(err)
	}
	page, err := os.ReadFile(p.HTML)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"The study is still running (pid ", "1 running", "The holdout has not been read", "nightshift holdout --study claims", "★ pick"} {
		if !bytes.Contains(page, []byte(want)) {
			t.Errorf("the running study's page lacks %q", want)
		}
	}
	if _, err := os.Stat(p.Notebook); err != nil {
		t.Error(err)
	}
	// The writer is still alive and can commit after the report.
	if _, err := w.AddEvent("claims", journal.Event{Kind: "note"}); err != nil {
		t.Errorf("the writer could not write after the report: %v", err)
	}
}

func TestReportWithNoFinishedTrial(t *testing.T) {
	path := filepath.Join(t.TempDir(), "j.db")
	j, err := journal.Open(path, journal.Options{Now: func() time.Time { return t0 }})
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := json.Marshal(studyview.Config{Data: "d.csv", Target: "y", Metric: studyview.MetricLogLoss, Planner: "builtin"})
	if _, err := j.CreateStudy(journal.Study{Name: "claims", State: journal.StudyRunning, ConfigVersion: 1, Config: raw}); err != nil {
		t.Fatal(err)
	}
	if _, err := j.PutTrial("claims", journal.Trial{ID: 1, State: journal.TrialFailed, Model: "gbdt", Mean: math.NaN(), Std: math.NaN(), Error: "out of memory"}); err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	nb, page := build(t, readStudy(t, path), Options{DB: "j.db"})
	for _, want := range []string{"No trial has finished yet: there is no leaderboard", "none yet — no trial has finished", "no trial has finished, so there is no model to score", "out of memory", "No profile was journaled"} {
		if !bytes.Contains(page, []byte(want)) {
			t.Errorf("page lacks %q", want)
		}
	}
	// Nothing tells the reader to run holdout now, which would only say
	// that there is no finished trial (exit 1).
	for _, advice := range []string{"not scored on the holdout yet", "Get the verdict with", "it is built and scored by"} {
		if bytes.Contains(page, []byte(advice)) {
			t.Errorf("the page says %q on a study with no finished trial", advice)
		}
	}
	if !json.Valid(nb) {
		t.Error("notebook is not JSON")
	}
}
