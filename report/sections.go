package report

import (
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
	"time"

	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"github.com/nightshift-ml/nightshift/experiment/studyview"
	"github.com/nightshift-ml/nightshift/journal"
)

// historyPoint is one finished trial in the optimisation history.
type historyPoint struct {
	trial   uint64
	minutes float64 // since the study was created
	score   float64
	best    float64 // best done trial's score so far; NaN before the first
	pruned  bool
}

// historyPoints are the finished trials with a score, in finishing order
// (ties by ID), and the best completed score so far.
func (b *builder) historyPoints() []historyPoint {
	var ts []journal.Trial
	for _, tr := range b.s.Trials {
		if (tr.State == journal.TrialDone || tr.State == journal.TrialPruned) && !tr.Finished.IsZero() && !math.IsNaN(tr.Mean) {
			ts = append(ts, tr)
		}
	}
	sort.SliceStable(ts, func(i, j int) bool {
		if !ts[i].Finished.Equal(ts[j].Finished) {
			return ts[i].Finished.Before(ts[j].Finished)
		}
		return ts[i].ID < ts[j].ID
	})
	created := b.s.Study.Created
	best := math.NaN()
	out := make([]historyPoint, 0, len(ts))
	for _, tr := range ts {
		if tr.State == journal.TrialDone && (math.IsNaN(best) || b.better(tr.Mean, best)) {
			best = tr.Mean
		}
		out = append(out, historyPoint{trial: tr.ID, minutes: float64(tr.Finished.UnixNano()-created.UnixNano()) / 6e10,
			score: tr.Mean, best: best, pruned: tr.State == journal.TrialPruned})
	}
	return out
}

func (b *builder) history() {
	b.md(h(2, "history", "Optimisation history"),
		para(t("Every finished trial's CV score against the time it finished: blue dots are completed trials, orange triangles pruned ones (their score is over the folds they completed), the black line the best completed score so far.")))
	pts := b.historyPoints()
	if len(pts) == 0 {
		b.md(para(t("No trial has finished yet.")))
		return
	}
	unit, per := timeUnit(pts[len(pts)-1].minutes)
	done, pruned, best, data := historySeries(pts, per)
	metric := metricName(b.s.Config.Metric)
	png, err := b.historyFigure(unit, metric, len(pts), done, pruned, best)
	alt := fmt.Sprintf("Optimisation history: %d finished trials' CV %s against %s since the study was created, with the best so far.", len(pts), metric, unit)
	b.codeCell(historyCell, "history", b.figure(png, err, alt), Output{JSON: data})
}

// historySeries splits the finished trials into the completed and the
// pruned ones' points and the best-so-far step line, x in units of per
// minutes, and gives the points as the cell's JSON output.
func historySeries(pts []historyPoint, per float64) (done, pruned, best plotter.XYs, data []any) {
	data = make([]any, 0, len(pts))
	for _, p := range pts {
		x := p.minutes / per
		xy := plotter.XY{X: x, Y: p.score}
		if p.pruned {
			pruned = append(pruned, xy)
		} else {
			done = append(done, xy)
		}
		if !math.IsNaN(p.best) {
			if len(best) > 0 {
				best = append(best, plotter.XY{X: x, Y: best[len(best)-1].Y})
			}
			best = append(best, plotter.XY{X: x, Y: p.best})
		}
		state := "done"
		if p.pruned {
			state = "pruned"
		}
		data = append(data, map[string]any{"trial": p.trial, "minutes": p.minutes, "score": p.score, "best": jsonNum(p.best), "state": state})
	}
	return done, pruned, best, data
}

// historyFigure draws the optimisation history of n finished trials.
func (b *builder) historyFigure(unit, metric string, n int, done, pruned, best plotter.XYs) ([]byte, error) {
	p := newPlot("Optimisation history", unit+" since the study was created", "CV "+metric+" (mean over folds)")
	// The encoding is in the caption: a legend inside the axes hides
	// points wherever it goes.
	r := vg.Points(3)
	if n > 300 {
		r = vg.Points(2)
	}
	if len(done) > 0 {
		s, err := scatter(done, okBlue, draw.CircleGlyph{}, r)
		b.keep(err)
		if s != nil {
			p.Add(s)
		}
	}
	if len(pruned) > 0 {
		s, err := scatter(pruned, okOrange, draw.TriangleGlyph{}, r+vg.Points(0.5))
		b.keep(err)
		if s != nil {
			p.Add(s)
		}
	}
	if len(best) > 0 {
		l, err := line(best, okBlack, vg.Points(2), false)
		b.keep(err)
		if l != nil {
			p.Add(l)
		}
	}
	return one(p)
}

// historyCell is the history section's notebook cell: the same figure
// and points computed again from the trials.
const historyCell = `
hist, best = [], None
fin = [t for t in trials if t["state"] in ("done", "pruned") and t["finished"] and t["mean"] is not None]
for t in sorted(fin, key=lambda t: (pd.Timestamp(t["finished"]).value, t["id"])):
    if t["state"] == "done" and (best is None or sign * t["mean"] > sign * best):
        best = t["mean"]
    hist.append({"trial": t["id"], "minutes": (pd.Timestamp(t["finished"]).value - created_ns) / 6e10,
                 "score": t["mean"], "best": best, "state": t["state"]})
h = pd.DataFrame(hist)
span = h["minutes"].max()
unit, per = ("seconds", 1 / 60) if span < 2 else ("minutes", 1) if span < 180 else ("hours", 60)
h["x"] = h["minutes"] / per
fig, ax = plt.subplots(figsize=(7, 4.2))
for state, colour, marker, label in (("done", OKABE_ITO[5], "o", "completed trial"), ("pruned", OKABE_ITO[1], "^", "pruned trial (partial folds)")):
    part = h[h["state"] == state]
    if len(part):
        ax.scatter(part["x"], part["score"], color=colour, marker=marker, s=18, label=label)
ax.step(h["x"], h["best"], where="post", color=OKABE_ITO[0], linewidth=2, label="best so far")
ax.set(title="Optimisation history", xlabel=unit + " since the study was created", ylabel="CV %s (mean over folds)" % METRIC)
ax.grid(alpha=0.3); ax.legend()
plt.show()
display({"application/json": hist}, raw=True)
`

// timeUnit picks the history's time axis for a span in minutes: seconds
// under 2 minutes, hours from 3 hours; per is the unit in minutes.
func timeUnit(span float64) (unit string, per float64) {
	switch {
	case span < 2:
		return "seconds", 1.0 / 60
	case span < 180:
		return "minutes", 1
	}
	return "hours", 60
}

// keep records the first error of a figure's parts.
func (b *builder) keep(err error) {
	if err != nil && b.err == nil {
		b.err = err
	}
}

// trialByID is every trial by ID, a raced spec's split-0 trial with its
// splits pooled (studyview.Pool).
func (b *builder) trialByID() map[uint64]journal.Trial {
	m := make(map[uint64]journal.Trial, len(b.s.Trials))
	for _, tr := range b.s.Trials {
		m[tr.ID] = tr
	}
	for _, tr := range studyview.Pool(b.s.Trials) {
		m[tr.ID] = tr
	}
	return m
}

// outcome is a trial's result in a few words.
func outcome(tr journal.Trial, ok bool) string {
	if !ok {
		return "not run"
	}
	switch tr.State {
	case journal.TrialDone:
		return fmt.Sprintf("%s ± %s: %s", f4(tr.Mean), f4(studyview.StdErr(tr)), orText(tr.Verdict, "no verdict"))
	case journal.TrialPruned:
		return orText(tr.Error, "pruned")
	case journal.TrialFailed:
		return "failed: " + firstLine(tr.Error)
	}
	return string(tr.State)
}

func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = s[:i]
	}
	return clip(s, 160)
}

// maxRounds is how many rounds the narrative lists one by one: all the
// rounds that found a new incumbent, then the latest up to this many.
const maxRounds = 40

func (b *builder) planner() {
	rounds := b.s.Rounds
	b.md(h(2, "planner", "What the planner tried, and what it learned"))
	if len(rounds) == 0 {
		b.md(para(t("No planner round was journaled yet.")))
		return
	}
	tb, shown := b.roundTable(rounds)
	intro := fmt.Sprintf("%s in all; listed: every round whose trial became the incumbent (a confirmed improvement) and the latest %d. Each row is a proposal: the planner's hypothesis, the trial it became and its verdict against the incumbent (fold-paired, Nadeau–Bengio corrected).", plural(len(rounds), "round", "rounds"), min(maxRounds, len(rounds)))
	if shown == len(rounds) {
		intro = fmt.Sprintf("%s, every one listed. Each row is a proposal: the planner's hypothesis, the trial it became and its verdict against the incumbent (fold-paired, Nadeau–Bengio corrected).", plural(len(rounds), "round", "rounds"))
	}
	b.md(para(t(intro)))
	outs := []Output{{Table: tb}}
	if nb := b.labNotebook(); nb != nil {
		outs = append(outs, Output{Table: nb})
	}
	b.codeCell(fmt.Sprintf(plannerCell, maxRounds), "", outs...)
}

// roundTable lists the rounds worth reading, a row per proposal (accepted,
// with the trial it became and its outcome, or rejected with the reason)
// and per trial of the round no proposal names; shown counts the rounds
// listed.
func (b *builder) roundTable(rounds []journal.Round) (tb *Table, shown int) {
	byID := b.trialByID()
	// A trial's proposal is in its round; trials also name their round.
	trialsOf := map[uint64][]journal.Trial{}
	for _, tr := range b.s.Trials {
		if tr.Round != 0 {
			trialsOf[tr.Round] = append(trialsOf[tr.Round], tr)
		}
	}
	bySpec := map[string]uint64{}
	for _, tr := range b.s.Trials {
		if tr.SpecHash != "" {
			bySpec[tr.SpecHash] = tr.ID
		}
	}
	keep := b.roundsWorthReading(rounds)
	tb = &Table{Header: []string{"round", "planner", "hypothesis", "trial", "outcome (CV ± SE: verdict)"}, Right: []bool{true}}
	for _, r := range rounds {
		if !keep[r.ID] {
			continue
		}
		shown++
		round := "#" + strconv.FormatUint(r.ID, 10)
		if r.Error != "" {
			tb.Rows = append(tb.Rows, []string{round, r.Planner, "(the call failed: " + firstLine(r.Error) + ")", "", ""})
		}
		listed := map[uint64]bool{}
		for _, p := range r.Accepted {
			trial, res := "", "accepted, not run"
			id := p.TrialID
			if id == 0 { // planners that do not journal the trial ID: match by spec
				id = bySpec[p.SpecHash]
			}
			if id != 0 {
				tr, ok := byID[id]
				trial, res = "#"+strconv.FormatUint(id, 10), outcome(tr, ok)
				listed[id] = true
			}
			tb.Rows = append(tb.Rows, []string{round, r.Planner, p.Hypothesis, trial, res})
		}
		for _, tr := range trialsOf[r.ID] {
			if !listed[tr.ID] {
				tb.Rows = append(tb.Rows, []string{round, r.Planner, tr.Hypothesis, "#" + strconv.FormatUint(tr.ID, 10), outcome(tr, true)})
			}
		}
		for _, p := range r.Rejected {
			tb.Rows = append(tb.Rows, []string{round, r.Planner, p.Hypothesis, "rejected", p.Reason})
		}
	}
	return tb, shown
}

// roundsWorthReading are the rounds whose trial became the incumbent and
// the latest maxRounds.
func (b *builder) roundsWorthReading(rounds []journal.Round) map[uint64]bool {
	keep := map[uint64]bool{}
	for _, tr := range b.s.Trials {
		if strings.HasPrefix(tr.Verdict, "new incumbent") || strings.HasPrefix(tr.Verdict, "first finished") {
			keep[tr.Round] = true
		}
	}
	for _, r := range rounds[max(0, len(rounds)-maxRounds):] {
		keep[r.ID] = true
	}
	return keep
}

// plannerCell is the planner section's notebook cell, a format taking
// maxRounds: the rounds' table and the lab notebook computed again from
// the export.
const plannerCell = `
by_id = {**{t["id"]: t for t in trials}, **{t["id"]: t for t in pooled}}
by_spec = {t["spec_hash"]: t["id"] for t in trials if t["spec_hash"] and not t.get("split", 0)}
def outcome(t):
    if t["state"] == "done":
        return "%%s: %%s" %% (pm(t["mean"], std_err(t)), t["verdict"] or "no verdict")
    if t["state"] == "pruned":
        return t["error"] or "pruned"
    return t["state"] + ": " + (t["error"] or "").split("\n")[0][:160]
rows = []
for r in export["rounds"][-%d:]:
    listed = set()
    for p in r["accepted"]:
        tid = p["trial_id"] or by_spec.get(p["spec_hash"])
        listed.add(tid)
        rows.append({"round": r["id"], "planner": r["planner"], "hypothesis": p["hypothesis"],
                     "trial": "#%%d" %% tid if tid else "", "outcome": outcome(by_id[tid]) if tid in by_id else "accepted, not run"})
    for t in trials:
        if t["round"] == r["id"] and t["id"] not in listed:
            rows.append({"round": r["id"], "planner": r["planner"], "hypothesis": t["hypothesis"], "trial": "#%%d" %% t["id"], "outcome": outcome(t)})
    for p in r["rejected"]:
        rows.append({"round": r["id"], "planner": r["planner"], "hypothesis": p["hypothesis"], "trial": "rejected", "outcome": p["reason"]})
show(pd.DataFrame(rows, columns=["round", "planner", "hypothesis", "trial", "outcome"]))  # the latest rounds
# The lab notebook: each hypothesis's verdict (its clean trial against its parent).
hyp = {p["proposal_id"]: p["hypothesis"] for r in export["rounds"] for p in r["accepted"] if p["proposal_id"]}
notes = [e for e in export["events"] if e["kind"] == "verdict"]
if notes:
    show(pd.DataFrame([{"proposal": e["details"].get("proposal", ""), "hypothesis": hyp.get(e["details"].get("proposal"), ""),
                        "verdict": e["details"].get("verdict", ""),
                        "paired delta ± SE": "%%+.4f ± %%.4f" %% (float(e["details"].get("delta", "nan")), float(e["details"].get("se", "nan"))),
                        "note": e["message"]} for e in notes]))
`

// labNotebook is the LLM planner's lab notebook: each hypothesis's
// verdict event (its clean trial against its parent by the fold-paired
// test), nil when the study has none.
func (b *builder) labNotebook() *Table {
	hyp := map[string]string{}
	for _, r := range b.s.Rounds {
		for _, p := range r.Accepted {
			if p.ID != "" {
				hyp[p.ID] = p.Hypothesis
			}
		}
	}
	tb := &Table{Header: []string{"proposal", "hypothesis", "verdict", "paired delta ± SE", "note"}, Right: []bool{false, false, false, true}}
	for _, e := range b.s.Events {
		if e.Kind != studyview.EventVerdict {
			continue
		}
		d := e.Details
		delta, err1 := strconv.ParseFloat(d["delta"], 64)
		se, err2 := strconv.ParseFloat(d["se"], 64)
		fig := "–"
		if err1 == nil && err2 == nil {
			fig = fmt.Sprintf("%+.4f ± %.4f", delta, se)
		}
		tb.Rows = append(tb.Rows, []string{d["proposal"], hyp[d["proposal"]], d["verdict"], fig, e.Message})
	}
	if len(tb.Rows) == 0 {
		return nil
	}
	return tb
}

// opPair is one pair of completed trials differing by one feature
// expression alone: same model kind and parameters, the same feature set
// but for op.
type opEffect struct {
	op     string
	deltas []float64 // per pair: mean over folds of (with − without), oriented so + is better
}

// featureSet splits a trial's feature text into its expressions.
func featureSet(features string) []string {
	var out []string
	for _, e := range strings.Split(features, ";") {
		if e = strings.TrimSpace(e); e != "" {
			out = append(out, e)
		}
	}
	sort.Strings(out)
	return out
}

// opEffects finds, for every feature expression, the pairs of completed
// trials that differ by that expression alone and their fold-paired
// deltas.
func (b *builder) opEffects() []opEffect {
	type key struct{ model, params, rest string }
	var done []journal.Trial
	for _, tr := range b.s.Trials {
		if tr.State == journal.TrialDone && len(tr.FoldScores) > 0 {
			done = append(done, tr)
		}
	}
	without := map[key][]journal.Trial{}
	for _, tr := range done {
		k := key{tr.Model, keyParams(tr.Params), strings.Join(featureSet(tr.Features), "; ")}
		without[k] = append(without[k], tr)
	}
	effects := map[string]*opEffect{}
	for _, tr := range done {
		set := featureSet(tr.Features)
		for i, op := range set {
			rest := append(append([]string{}, set[:i]...), set[i+1:]...)
			for _, base := range without[key{tr.Model, keyParams(tr.Params), strings.Join(rest, "; ")}] {
				if len(base.FoldScores) != len(tr.FoldScores) {
					continue
				}
				d := 0.0
				for f := range tr.FoldScores {
					d += tr.FoldScores[f] - base.FoldScores[f]
				}
				d /= float64(len(tr.FoldScores))
				if !b.hib {
					d = -d
				}
				if math.IsNaN(d) {
					continue
				}
				e := effects[op]
				if e == nil {
					e = &opEffect{op: op}
					effects[op] = e
				}
				e.deltas = append(e.deltas, d)
			}
		}
	}
	out := make([]opEffect, 0, len(effects))
	for _, op := range sortedKeys(effects) {
		out = append(out, *effects[op])
	}
	sort.SliceStable(out, func(i, j int) bool { return mean(out[i].deltas) > mean(out[j].deltas) })
	return out
}

func mean(xs []float64) float64 {
	s := 0.0
	for _, x := range xs {
		s += x
	}
	return s / float64(len(xs))
}

func sampleStd(xs []float64) float64 {
	if len(xs) < 2 {
		return math.NaN()
	}
	m, s := mean(xs), 0.0
	for _, x := range xs {
		s += (x - m) * (x - m)
	}
	return math.Sqrt(s / float64(len(xs)-1))
}

func (b *builder) featureOps() {
	b.md(h(2, "features", "The effect of each feature op"),
		para(t("For each feature expression: the pairs of completed trials that differ by it alone (same model, same parameters, the same other features), the mean over folds of the paired difference (positive: the expression helped), averaged over the pairs, with the standard deviation across pairs.")))
	effects := b.opEffects()
	if len(effects) == 0 {
		b.md(para(t("No two completed trials differ by one feature expression alone yet.")))
		return
	}
	tb := &Table{Header: []string{"feature expression", "pairs", "mean paired delta", "sd across pairs"}, Right: []bool{false, true, true, true}}
	for _, e := range effects {
		tb.Rows = append(tb.Rows, []string{e.op, strconv.Itoa(len(e.deltas)), signed(mean(e.deltas)), f4(sampleStd(e.deltas))})
	}
	b.codeCell(`
from collections import defaultdict
def feature_set(s):
    return sorted(e.strip() for e in (s or "").split(";") if e.strip())
def key_params(p):
    return " ".join("%s=%s" % (k, p[k]) for k in sorted(p))
done = [t for t in trials if t["state"] == "done" and t["fold_scores"]]
without = defaultdict(list)
for t in done:
    without[(t["model"], key_params(t["params"]), "; ".join(feature_set(t["features"])))].append(t)
deltas = defaultdict(list)
for t in done:
    fs = feature_set(t["features"])
    for i, op in enumerate(fs):
        for base in without[(t["model"], key_params(t["params"]), "; ".join(fs[:i] + fs[i + 1:]))]:
            if len(base["fold_scores"]) == len(t["fold_scores"]):
                d = sum(a - b for a, b in zip(t["fold_scores"], base["fold_scores"])) / len(t["fold_scores"])
                deltas[op].append(sign * d)
eff = pd.DataFrame([{"feature expression": op, "pairs": len(d), "mean paired delta": sum(d) / len(d),
                     "sd across pairs": pd.Series(d).std()} for op, d in sorted(deltas.items())])
show(eff.sort_values("mean paired delta", ascending=False, kind="stable") if len(eff) else eff)
`, "", Output{Table: tb})
}

func signed(x float64) string {
	if math.IsNaN(x) {
		return "–"
	}
	return strconv.FormatFloat(x, 'f', 4, 64)
}

// foot is a duration as a short text.
func short(d time.Duration) string {
	switch {
	case d >= time.Hour:
		return fmt.Sprintf("%.1f h", d.Hours())
	case d >= time.Minute:
		return fmt.Sprintf("%.1f min", d.Minutes())
	}
	return fmt.Sprintf("%.1f s", d.Seconds())
}
