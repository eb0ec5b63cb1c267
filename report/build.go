package report

import (
	"encoding/json"
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/nightshift-ml/nightshift/experiment/studyview"
	"github.com/nightshift-ml/nightshift/journal"
)

// Options say what a report is built with besides the study.
type Options struct {
	// DB is the journal's path as the notebook's cells should name it
	// (relative to the notebook's directory, or absolute).
	DB string
	// CommandDB is the journal's path in the shell commands the report
	// ends with (as the user gave it to --db); empty means DB.
	CommandDB string
	// Generated is when the report was made: the one line that differs
	// between two reports of the same snapshot. Zero omits the line.
	Generated time.Time
}

// builder holds one report's inputs while its cells are made.
type builder struct {
	s    *studyview.Study
	o    Options
	hib  bool // the metric's direction: higher is better
	lead journal.Trial
	has  bool // a leader exists
	// varying holds, per model kind, the parameters that differ among
	// the finished trials (trialParams fills it on first use).
	varying map[string]map[string]bool
	cells   []Cell
	err     error
}

// Build makes the report's document from one snapshot of a study.
func Build(s *studyview.Study, o Options) (*Doc, error) {
	b := &builder{s: s, o: o, hib: studyview.HigherIsBetter(s.Config.Metric)}
	b.lead, b.has = s.Leader()
	b.summary()
	b.setup()
	b.data()
	b.leaderboard()
	b.history()
	b.planner()
	b.featureOps()
	b.params()
	b.holdout()
	b.finalModel()
	b.failures()
	b.cost()
	b.reproduce()
	if b.err != nil {
		return nil, b.err
	}
	return &Doc{Title: "nightshift report: " + s.Study.Name, Cells: b.cells}, nil
}

func (b *builder) md(blocks ...Block) { b.cells = append(b.cells, Cell{Blocks: blocks}) }

func (b *builder) codeCell(src, check string, outs ...Output) {
	b.cells = append(b.cells, Cell{Code: strings.TrimSpace(src) + "\n", Check: check, Outputs: outs})
}

// figure records a figure's error (the first one is Build's).
func (b *builder) figure(png []byte, err error, alt string) Output {
	if err != nil && b.err == nil {
		b.err = fmt.Errorf("figure %q: %w", alt, err)
	}
	return Output{PNG: png, Alt: alt}
}

func f4(x float64) string {
	if math.IsNaN(x) || math.IsInf(x, 0) {
		return "–"
	}
	return strconv.FormatFloat(x, 'f', 4, 64)
}

func pm(mean, se float64) string { return f4(mean) + " ± " + f4(se) }

// score is a trial's score oriented so that higher is better.
func (b *builder) better(x, y float64) bool {
	if b.hib {
		return x > y
	}
	return x < y
}

func metricName(m string) string {
	switch m {
	case studyview.MetricAUC:
		return "ROC AUC"
	case studyview.MetricPRAUC:
		return "PR AUC"
	case studyview.MetricLogLoss:
		return "log loss"
	}
	return m
}

func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return strconv.Itoa(n) + " " + many
}

func (b *builder) summary() {
	s, cfg := b.s, b.s.Config
	c := s.Counts()
	state, running := s.State()
	blocks := []Block{h(1, "", "Morning report: "+s.Study.Name)}
	if !b.o.Generated.IsZero() {
		blocks = append(blocks, para(t("Generated "+b.o.Generated.UTC().Format(time.RFC3339)+" from the journal.")))
	}
	if running {
		blocks = append(blocks, warn(t(fmt.Sprintf("The study is still running (pid %d): this report is a snapshot; %d trials were running when it was taken.", s.Writer.PID, c.Running))))
	}
	if !b.has {
		blocks = append(blocks, warn(t("No trial has finished yet: there is no leaderboard, no final model and nothing to score on the holdout.")))
	}
	budget := "a budget of " + time.Duration(cfg.Budget).String()
	if cfg.Budget == 0 {
		budget = "no time limit"
	}
	if cfg.MaxTrials > 0 {
		budget += fmt.Sprintf(", at most %d trials", cfg.MaxTrials)
	}
	protocol := fmt.Sprintf("holdout %.0f%% (%s), %s cross-validation, seed %d", cfg.Holdout*100, orText(cfg.HoldoutSplit, "stratified"), foldsText(cfg.Folds), cfg.Seed)
	if cfg.TimeCol != "" {
		protocol = fmt.Sprintf("time-ordered on %q: the latest %.0f%% held out, folds train on the past; seed %d", cfg.TimeCol, cfg.Holdout*100, cfg.Seed)
	}
	items := [][]Inline{
		{bold("Data: "), code(cfg.Data), t(fmt.Sprintf(" (%d bytes, SHA-256 %s); target ", s.Study.Data.Size, orText(s.Study.Data.SHA256, "unknown"))), code(cfg.Target)},
		{bold("Task: "), t(orText(cfg.Task, "(not given)"))},
		{bold("Metric: "), t(metricName(cfg.Metric) + map[bool]string{true: " (higher is better)", false: " (lower is better)"}[b.hib])},
		{bold("Protocol: "), t(protocol)},
		{bold("Budget used: "), t(fmt.Sprintf("%s wall time (%s); state %s", short(s.Elapsed()), budget, state))},
		{bold("Trials: "), t(fmt.Sprintf("%d done, %d failed, %d pruned, %d running, %d interrupted", c.Done, c.Failed, c.Pruned, c.Running, c.Interrupted))},
		{bold("Planners: "), t(b.plannersText())},
	}
	if b.has {
		items = append(items, []Inline{bold("The pick (best CV mean − SE): "), t(fmt.Sprintf("trial #%d, %s, CV %s %s (± SE over %d folds)", b.lead.ID, b.lead.Model, metricName(cfg.Metric), pm(b.lead.Mean, studyview.StdErr(b.lead)), len(b.lead.FoldScores)))})
	}
	items = append(items, b.finalSummary())
	blocks = append(blocks, h(2, "summary", "Summary"), list(items...))
	b.md(blocks...)
}

func orText(s, alt string) string {
	if s == "" {
		return alt
	}
	return s
}

func foldsText(k int) string {
	if k == 0 {
		return "5-fold (3 from 200,000 search rows up)"
	}
	return fmt.Sprintf("%d-fold", k)
}

// plannersText counts rounds per planner and the fallbacks.
func (b *builder) plannersText() string {
	n := map[string]int{}
	for _, r := range b.s.Rounds {
		n[r.Planner]++
	}
	var parts []string
	for _, p := range sortedKeys(n) {
		parts = append(parts, fmt.Sprintf("%s (%s)", p, plural(n[p], "round", "rounds")))
	}
	if len(parts) == 0 {
		parts = append(parts, b.s.Config.Planner+" (no round journaled yet)")
	}
	fb := 0
	for _, e := range b.s.Events {
		if e.Kind == journal.EventFallback {
			fb++
		}
	}
	return strings.Join(parts, ", ") + "; " + plural(fb, "fallback", "fallbacks")
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// setup is the first code cell: it loads the export every later cell
// recomputes from.
func (b *builder) setup() {
	b.md(para(t("Every table and figure below is pre-rendered; every code cell recomputes its own from "), code("nightshift export --json"),
		t(" with pandas and matplotlib, so the notebook can be re-run and worked on. The first cell loads the export.")))
	b.codeCell(fmt.Sprintf(setupCell, pyStr(b.s.Study.Name), pyStr(b.o.DB)), "")
}

// setupCell is the notebook's first cell, a format taking the study's
// name and the journal's path (Python strings): it loads the export and
// defines what the later cells share — the colours, std_err and pool (as
// studyview's), the table helpers.
const setupCell = `
import json, math, subprocess
import pandas as pd
import matplotlib.pyplot as plt
from IPython.display import display

STUDY = %s
DB = %s
# Okabe–Ito: distinguishable with every common colour-vision deficiency.
OKABE_ITO = ["#000000", "#E69F00", "#56B4E9", "#009E73", "#F0E442", "#0072B2", "#D55E00", "#CC79A7"]
export = json.loads(subprocess.run(["nightshift", "export", "--study", STUDY, "--db", DB, "--json"],
                                   check=True, capture_output=True, text=True).stdout)
assert export["export_version"] == 1, export["export_version"]
trials = export["trials"]
sign = 1 if export["higher_is_better"] else -1
METRIC = export["metric"]
created_ns = pd.Timestamp(export["created"]).value

def std_err(t):
    """None with fewer than two folds: one fold has no spread. A spec pooled
    over r splits of k folds (racing): its split-0 spread, scaled as
    repeated CV shrinks the variance of the mean (Bouckaert & Frank 2004)."""
    n = len(t["fold_scores"])
    if n < 2 or t["std"] is None:
        return None
    r = len(t.get("splits", [0]))
    k = n // r
    if r < 2 or k < 2:
        return t["std"] / math.sqrt(n)
    return t["split0_std"] / math.sqrt(k) * math.sqrt((1 / (r * k) + 1 / (k - 1)) / (1 / k + 1 / (k - 1)))

def mean_std(xs):
    m = sum(xs) / len(xs)
    return m, (math.sqrt(sum((x - m) ** 2 for x in xs) / (len(xs) - 1)) if len(xs) > 1 else 0.0)

def pool(trials):
    """Each spec's re-evaluations on further fold splits (racing) folded into
    its split-0 trial, split k's scores less its offset: the mean, over the
    specs that ran both, of (mean on k - mean on 0). As studyview.Pool."""
    if not any(t.get("split", 0) for t in trials):
        return trials
    done = lambda t: t["state"] == "done" and len(t["fold_scores"]) > 0
    extra = {}
    for t in trials:
        if t.get("split", 0) and done(t):
            extra.setdefault(t["of"], []).append(t)
    diffs = {}
    for t in trials:
        if not t.get("split", 0) and done(t):
            m0 = mean_std(t["fold_scores"])[0]
            for r in extra.get(t["id"], []):
                diffs.setdefault(r["split"], []).append(mean_std(r["fold_scores"])[0] - m0)
    offset = {k: sum(v) / len(v) for k, v in diffs.items()}
    out = []
    for t in trials:
        if t.get("split", 0):
            continue
        rs = sorted(extra.get(t["id"], []), key=lambda r: r["split"])
        if rs and done(t):
            k = len(t["fold_scores"])
            t = dict(t, splits=[0], fold_scores=list(t["fold_scores"]), split0_std=t["std"])
            for r in rs:
                if len(r["fold_scores"]) == k and r["split"] not in t["splits"]:
                    t["splits"].append(r["split"])
                    t["fold_scores"] += [x - offset.get(r["split"], 0.0) for x in r["fold_scores"]]
            if len(t["splits"]) == 1:
                del t["splits"]
            t["mean"], t["std"] = mean_std(t["fold_scores"])
        out.append(t)
    return out

pooled = pool(trials)

def f4(x):
    return "–" if x is None else "%%.4f" %% x

def pm(mean, se):
    return f4(mean) + " ± " + f4(se)

def show(df, data=None):
    """Display a table; data, when given, is what the report's test compares."""
    bundle = {"text/html": df.to_html(index=False), "text/plain": df.to_string(index=False)}
    if data is not None:
        bundle["application/json"] = data
    display(bundle, raw=True)
`

// profile is the part of the features package's profile the report reads.
type profile struct {
	Rows      int     `json:"rows"`
	Positive  string  `json:"positive"`
	Positives int     `json:"positives"`
	LabelRate float64 `json:"label_rate"`
	Columns   []struct {
		Name        string  `json:"name"`
		Kind        string  `json:"kind"`
		MissingRate float64 `json:"missing_rate"`
		Distinct    int     `json:"distinct"`
		AUC         float64 `json:"auc"`
		Leak        bool    `json:"leak"`
	} `json:"columns"`
	Leaks  []string `json:"leaks"`
	Unused []struct {
		Name   string `json:"name"`
		Reason string `json:"reason"`
	} `json:"unused"`
}

// aucText is a column's single-column AUC; text and identifier columns
// have none (a model never sees them raw).
func aucText(kind string, auc float64) string {
	if auc == 0 || kind == "text" || kind == "identifier" {
		return "–"
	}
	return f4(auc)
}

// maxProfileRows is how many columns the profile table lists.
const maxProfileRows = 25

func (b *builder) data() {
	blocks := []Block{h(2, "data", "Data: leak warnings and the search part's profile")}
	var p profile
	if len(b.s.Study.Profile) == 0 || json.Unmarshal(b.s.Study.Profile, &p) != nil {
		b.md(append(blocks, para(t("No profile was journaled for this study.")))...)
		return
	}
	for _, l := range p.Leaks {
		blocks = append(blocks, warn(t("Possible leak: column "), code(l), t(" alone separates the classes (single-column AUC ≥ 0.99). Check that it is known before the label is.")))
	}
	if len(p.Leaks) == 0 {
		blocks = append(blocks, para(t("No leak warning: no column alone reaches a single-column AUC of 0.99.")))
	}
	blocks = append(blocks, para(t(fmt.Sprintf("The search part (the holdout excluded): %d rows, %d positive (label %q, rate %.4f). By single-column AUC, %s of %d (all are in the export):", p.Rows, p.Positives, p.Positive, p.LabelRate, plural(min(maxProfileRows, len(p.Columns)), "column", "columns"), len(p.Columns)))))
	for _, u := range p.Unused {
		blocks = append(blocks, para(t("Not used raw: "), code(u.Name), t(" — "+u.Reason)))
	}
	b.md(blocks...)
	cols := p.Columns
	sort.SliceStable(cols, func(i, j int) bool { return cols[i].AUC > cols[j].AUC })
	tb := &Table{Header: []string{"column", "kind", "missing", "distinct", "single-column AUC", "leak"}, Right: []bool{false, false, true, true, true, false}}
	for _, c := range cols[:min(maxProfileRows, len(cols))] {
		tb.Rows = append(tb.Rows, []string{c.Name, c.Kind, strconv.FormatFloat(c.MissingRate*100, 'f', 1, 64) + "%", strconv.Itoa(c.Distinct), aucText(c.Kind, c.AUC), map[bool]string{true: "LEAK?", false: ""}[c.Leak]})
	}
	b.codeCell(fmt.Sprintf(`
profile = export["profile"]
cols = pd.DataFrame(profile["columns"]).reindex(columns=["name", "kind", "missing_rate", "distinct", "auc", "leak"])
cols = cols.fillna({"missing_rate": 0.0, "distinct": 0, "auc": 0.0, "leak": False}).astype({"distinct": int, "leak": bool})
cols = cols.sort_values("auc", ascending=False, kind="stable").head(%d)
show(pd.DataFrame({
    "column": cols["name"], "kind": cols["kind"],
    "missing": (cols["missing_rate"] * 100).map("{:.1f}%%".format), "distinct": cols["distinct"],
    "single-column AUC": [("–" if a == 0 or k in ("text", "identifier") else "%%.4f" %% a) for a, k in zip(cols["auc"], cols["kind"])], "leak": cols["leak"].map({True: "LEAK?", False: ""}),
}))
`, maxProfileRows), "", Output{Table: tb})
}

// trialParams shows a trial's parameters: those of them that vary among
// the study's finished trials of its model kind (the ones the search
// tuned), or all of them when none does, as sorted k=v pairs.
func (b *builder) trialParams(tr journal.Trial) string {
	if b.varying == nil {
		b.varying = map[string]map[string]bool{}
		values := map[string]map[string]string{}
		for _, x := range b.s.Trials {
			if x.State != journal.TrialDone && x.State != journal.TrialPruned {
				continue
			}
			if values[x.Model] == nil {
				values[x.Model], b.varying[x.Model] = map[string]string{}, map[string]bool{}
			}
			for k, v := range x.Params {
				if old, ok := values[x.Model][k]; ok && old != v {
					b.varying[x.Model][k] = true
				}
				values[x.Model][k] = v
			}
		}
	}
	shown := map[string]string{}
	for k, v := range tr.Params {
		if b.varying[tr.Model][k] {
			shown[k] = v
		}
	}
	if len(shown) == 0 {
		return keyParams(tr.Params)
	}
	return keyParams(shown)
}

// keyParams renders parameters as sorted k=v pairs.
func keyParams(p map[string]string) string {
	var parts []string
	for _, k := range sortedKeys(p) {
		parts = append(parts, k+"="+p[k])
	}
	return strings.Join(parts, " ")
}

func (b *builder) leaderboard() {
	board := b.s.Leaderboard()
	blocks := []Block{h(2, "leaderboard", "Leaderboard")}
	if len(board) == 0 {
		b.md(append(blocks, para(t("No trial has finished yet.")))...)
		return
	}
	blocks = append(blocks, para(t(fmt.Sprintf("The best %d of %d finished trials by CV mean (pruned ones after the completed, on their partial mean). ", min(20, len(board)), len(board))),
		t("★ marks the pick: the trial with the best mean − SE, which the holdout and promotion use; it need not be the top row.")))
	b.md(blocks...)
	tb := &Table{Header: []string{"", "trial", "model", "features", "key parameters", "CV mean ± SE", "folds", "verdict"},
		Right: []bool{false, true, false, false, false, true, true, false}}
	var data []any
	for _, tr := range board[:min(20, len(board))] {
		pick := b.has && tr.ID == b.lead.ID
		mark := ""
		if pick {
			mark = "★ pick"
		}
		se := studyview.StdErr(tr)
		verdict := tr.Verdict
		if tr.State == journal.TrialPruned {
			verdict = tr.Error
		}
		if len(tr.Splits) > 1 {
			verdict = fmt.Sprintf("score pools %d fold splits (racing); %s", len(tr.Splits), verdict)
		}
		tb.Rows = append(tb.Rows, []string{mark, "#" + strconv.FormatUint(tr.ID, 10), tr.Model, clip(orText(tr.Features, "(base columns)"), 160), clip(b.trialParams(tr), 120),
			pm(tr.Mean, se), strconv.Itoa(len(tr.FoldScores)), clip(verdict, 140)})
		tb.Mark = append(tb.Mark, pick)
		data = append(data, map[string]any{"trial": tr.ID, "mean": jsonNum(tr.Mean), "se": jsonNum(se), "pick": pick})
	}
	b.codeCell(`
def rank_key(t):
    m = t["mean"]
    return (t["state"] != "done", m is None, 0 if m is None else -sign * m)

# A raced spec's re-evaluations are pooled into its split-0 trial (pool, above).
board = sorted((t for t in pooled if t["state"] in ("done", "pruned")), key=rank_key)  # stable: ties in ID order
finished = [t for t in pooled if t["state"] == "done" and t["fold_scores"] and t["mean"] is not None]
# The pick: the best mean − SE (ties to the lower ID).
pick = max(finished, key=lambda t: (sign * t["mean"] - (std_err(t) or 0.0), -t["id"]))["id"] if finished else None
top = board[:20]
# Key parameters: those that vary among the finished trials of the model kind (all when none does).
values = {}
for t in trials:
    if t["state"] in ("done", "pruned"):
        for k, v in t["params"].items():
            values.setdefault(t["model"], {}).setdefault(k, set()).add(v)
def tuned_params(t):
    keys = [k for k, vs in values.get(t["model"], {}).items() if len(vs) > 1 and k in t["params"]] or list(t["params"])
    return " ".join("%s=%s" % (k, t["params"][k]) for k in sorted(keys))
show(pd.DataFrame({
    "": ["★ pick" if t["id"] == pick else "" for t in top],
    "trial": ["#%d" % t["id"] for t in top],
    "model": [t["model"] for t in top],
    "features": [t["features"] or "(base columns)" for t in top],
    "key parameters": [tuned_params(t) for t in top],
    "verdict": [t["error"] if t["state"] == "pruned" else
                ("score pools %d fold splits (racing); " % len(t["splits"]) if "splits" in t else "") + t["verdict"] for t in top],
    "CV mean ± SE": [pm(t["mean"], std_err(t)) for t in top],
    "folds": [len(t["fold_scores"]) for t in top],
}), [{"trial": t["id"], "mean": t["mean"], "se": std_err(t), "pick": t["id"] == pick} for t in top])
`, "leaderboard", Output{Table: tb, JSON: data})
}

// jsonNum is x for a JSON document, nil (null) when JSON cannot hold it.
func jsonNum(x float64) any {
	if math.IsNaN(x) || math.IsInf(x, 0) {
		return nil
	}
	return x
}
