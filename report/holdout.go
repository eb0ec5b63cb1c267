package report

import (
	"fmt"
	"image/color"
	"math"
	"sort"
	"strconv"
	"strings"
	"time"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"github.com/nightshift-ml/nightshift/experiment/studyview"
	"github.com/nightshift-ml/nightshift/journal"
)

// verdict is the study's verdict (its first full holdout read: as-of
// reads never are) and its final model, if any.
func (b *builder) verdict() (journal.HoldoutRead, journal.HoldoutModel, bool) {
	r, ok := journal.Verdict(b.s.HoldoutReads)
	if !ok || len(r.Models) == 0 {
		return journal.HoldoutRead{}, journal.HoldoutModel{}, false
	}
	return r, r.Models[0], true
}

func (b *builder) readMetric(r journal.HoldoutRead) string {
	if r.Metric != "" {
		return r.Metric
	}
	return b.s.Config.Metric
}

func figure(m journal.HoldoutModel, metric string) journal.Figure {
	if f, ok := m.Metrics[metric]; ok {
		return f
	}
	return journal.Figure{Value: math.NaN(), SE: math.NaN()}
}

func modelName(m journal.HoldoutModel) string {
	kind := orText(m.Final, "model")
	return kind + " of " + studyview.DescribeHoldoutParts(m.Parts)
}

// finalSummary is the summary's line on the final model.
func (b *builder) finalSummary() []Inline {
	r, m, ok := b.verdict()
	if !ok && b.s.Counts().Done == 0 {
		// The advice below would end in holdout's "no finished trial".
		return []Inline{bold("Final model: "), t("none yet — no trial has finished, so there is nothing to score on the holdout.")}
	}
	if !ok {
		return []Inline{bold("Final model: "), t("not scored on the holdout yet — run "), code("nightshift holdout --study " + b.s.Study.Name), t(".")}
	}
	metric := b.readMetric(r)
	f := figure(m, metric)
	line := []Inline{bold("Final model: "), t(fmt.Sprintf("%s — CV %s %s (± std over folds), holdout %s %s (± SE), read %d (the verdict)",
		modelName(m), metricName(metric), pm(m.CV, m.CVStd), metricName(metric), pm(f.Value, f.SE), r.ID))}
	if n := len(b.s.HoldoutReads); n > 1 {
		line = append(line, t("; "+studyview.HoldoutNote(b.s.HoldoutReads)))
	}
	return line
}

func (b *builder) holdout() {
	b.md(h(2, "holdout", "The sealed holdout"))
	r, _, ok := b.verdict()
	if !ok && b.s.Counts().Done == 0 {
		b.md(para(t("The holdout has not been read: no trial has finished, so there is no model to score on it.")))
		return
	}
	if !ok {
		b.md(para(t("The holdout has not been read: no model was scored on it yet. Get the verdict with "), code("nightshift holdout --study "+b.s.Study.Name),
			t(" (or "), code("nightshift report --study "+b.s.Study.Name+" --holdout"), t("); it trains the final model and takes the journal's lock, so not while the study runs.")))
		return
	}
	metric := b.readMetric(r)
	b.md(b.verdictBlocks(r, metric)...)
	outs := []Output{verdictTable(r, metric)}
	if len(b.s.HoldoutReads) > 1 {
		outs = append(outs, Output{Table: b.holdoutReadsTable(metric)})
	}
	b.codeCell(holdoutCell, "holdout", outs...)
}

// verdictBlocks say what the verdict read was, how later reads stand to
// it, whether it stopped early, and warn when the CV leader is not the
// holdout leader.
func (b *builder) verdictBlocks(r journal.HoldoutRead, metric string) []Block {
	blocks := []Block{para(t(fmt.Sprintf("Read %d, the verdict (%s, %d rows, %d positive): ", r.ID, r.Time.UTC().Format(time.RFC3339), r.Rows, r.Positives)), code(orText(r.Command, "(command not journaled)")),
		t(". The final model first, then the best trials one by one; CV beside holdout."))}
	if note := studyview.HoldoutNote(b.s.HoldoutReads); note != "" {
		blocks = append(blocks, para(t(strings.ToUpper(note[:1])+note[1:]+".")))
	}
	if r.Error != "" {
		blocks = append(blocks, warn(t("The read stopped early: "+firstLine(r.Error))))
	}
	// The CV leader against the holdout leader, among the models the
	// verdict scored.
	cvBest, hoBest := -1, -1
	for i, m := range r.Models {
		if !math.IsNaN(m.CV) && (cvBest < 0 || b.better(m.CV, r.Models[cvBest].CV)) {
			cvBest = i
		}
		v := figure(m, metric).Value
		if !math.IsNaN(v) && (hoBest < 0 || b.better(v, figure(r.Models[hoBest], metric).Value)) {
			hoBest = i
		}
	}
	if cvBest >= 0 && hoBest >= 0 && cvBest != hoBest {
		blocks = append(blocks, warn(t(fmt.Sprintf("The CV leader (%s) is not the holdout leader (%s). Within the SEs below this is often noise; it is not a reason to pick by holdout, which would make the holdout figure optimistic.",
			modelName(r.Models[cvBest]), modelName(r.Models[hoBest])))))
	}
	return blocks
}

// verdictTable is the verdict's models, the final model first, CV beside
// holdout.
func verdictTable(r journal.HoldoutRead, metric string) Output {
	tb := &Table{Header: []string{"model", "role", "CV ± std", "holdout " + metricName(metric) + " ± SE", "ROC AUC", "PR AUC", "log loss", "Brier"},
		Right: []bool{false, false, true, true, true, true, true, true}}
	data := make([]any, 0, len(r.Models))
	for i, m := range r.Models {
		f := figure(m, metric)
		tb.Rows = append(tb.Rows, []string{modelName(m), m.Role, pm(m.CV, m.CVStd), pm(f.Value, f.SE),
			f4(figure(m, "auc").Value), f4(figure(m, "pr_auc").Value), f4(figure(m, "logloss").Value), f4(figure(m, "brier").Value)})
		tb.Mark = append(tb.Mark, i == 0)
		data = append(data, map[string]any{"model": i, "cv": jsonNum(m.CV), "holdout": jsonNum(f.Value), "se": jsonNum(f.SE)})
	}
	return Output{Table: tb, JSON: data}
}

// holdoutReadsTable lists every holdout read with its standing and its
// first model's figure.
func (b *builder) holdoutReadsTable(metric string) *Table {
	later := &Table{Header: []string{"read", "time", "standing", "command", "its first model", "holdout " + metricName(metric) + " ± SE"}, Right: []bool{true}}
	for _, lr := range b.s.HoldoutReads {
		first, fig := "", "–"
		if len(lr.Models) > 0 {
			first = modelName(lr.Models[0])
			f := figure(lr.Models[0], b.readMetric(lr))
			fig = pm(f.Value, f.SE)
		}
		later.Rows = append(later.Rows, []string{strconv.FormatUint(lr.ID, 10), lr.Time.UTC().Format(time.RFC3339), string(lr.Standing), lr.Command, first, fig})
	}
	return later
}

// holdoutCell is the holdout section's notebook cell: the verdict's table
// and the reads computed again from the export.
const holdoutCell = `
reads = export["holdout_reads"]
verdict = next(r for r in reads if r["standing"] == "verdict")
metric = verdict["metric"] or METRIC
def parts(m):
    ps = m["parts"]
    return "#%d" % ps[0]["trial"] if len(ps) == 1 else ", ".join("#%d %.2f" % (p["trial"], p["weight"]) for p in ps)
def fig(m, k):
    f = m["metrics"].get(k) or {"value": None, "se": None}
    return f["value"], f["se"]
show(pd.DataFrame([{
    "model": (m["final"] or "model") + " of " + parts(m), "role": m["role"],
    "CV ± std": f4(m["cv"]) + " ± " + f4(m["cv_std"]),
    "holdout ± SE": f4(fig(m, metric)[0]) + " ± " + f4(fig(m, metric)[1]),
    **{k: f4(fig(m, k)[0]) for k in ("auc", "pr_auc", "logloss", "brier")},
} for m in verdict["models"]]), [{"model": i, "cv": m["cv"], "holdout": fig(m, metric)[0], "se": fig(m, metric)[1]} for i, m in enumerate(verdict["models"])])
if len(reads) > 1:
    show(pd.DataFrame([{"read": r["id"], "time": r["time"], "standing": r["standing"], "command": r["command"]} for r in reads]))
`

func (b *builder) finalModel() {
	b.md(h(2, "final", "The final model"))
	r, m, ok := b.verdict()
	if !ok && b.s.Counts().Done == 0 {
		b.md(para(t("No final model: no trial has finished.")))
		return
	}
	if !ok {
		b.md(para(t("No final model was built yet: it is built and scored by "), code("nightshift holdout --study "+b.s.Study.Name), t(".")))
		return
	}
	byID := b.trialByID()
	b.md(para(t(fmt.Sprintf("The model read %d was run for: %s, %s.", r.ID, modelName(m), plural(len(m.Parts), "member trial", "member trials")) +
		map[bool]string{true: fmt.Sprintf(" GBDT members have %d trees on average.", m.Trees), false: ""}[m.Trees > 0])))
	tb := &Table{Header: []string{"trial", "weight", "model", "features", "key parameters", "CV mean ± SE"}, Right: []bool{true, true, false, false, false, true}}
	for _, p := range m.Parts {
		tr, ok := byID[p.Trial]
		row := []string{"#" + strconv.FormatUint(p.Trial, 10), strconv.FormatFloat(p.Weight, 'f', 2, 64), "", "", "", ""}
		if ok {
			row[2], row[3], row[4], row[5] = tr.Model, clip(orText(tr.Features, "(base columns)"), 160), clip(b.trialParams(tr), 120), pm(tr.Mean, studyview.StdErr(tr))
		}
		tb.Rows = append(tb.Rows, row)
	}
	b.codeCell(`
by_id = {t["id"]: t for t in pooled}
final = verdict["models"][0]
show(pd.DataFrame([{"trial": "#%d" % p["trial"], "weight": "%.2f" % p["weight"],
                    "model": by_id[p["trial"]]["model"], "features": by_id[p["trial"]]["features"] or "(base columns)",
                    "CV mean ± SE": pm(by_id[p["trial"]]["mean"], std_err(by_id[p["trial"]]))} for p in final["parts"]]))
`, "", Output{Table: tb})
	b.curves(r, m)
}

// curves shows the final model's gain importance and its ROC, PR and
// calibration curves on the holdout, as the read journaled them.
func (b *builder) curves(r journal.HoldoutRead, m journal.HoldoutModel) {
	if m.Curves == nil && len(m.Importance) == 0 {
		b.md(para(t("This holdout read journaled no curves or feature importance (reads from before they were journaled); run "), code("nightshift holdout --study "+b.s.Study.Name), t(" again for them (a repeat of the same models is marked as such).")))
		return
	}
	var outs []Output
	if n := len(m.Importance); n > 0 {
		top := m.Importance[:min(20, n)]
		labels := make([]string, len(top))
		values := make([]float64, len(top))
		for i, g := range top {
			labels[i], values[i] = g.Feature, g.Gain*100
		}
		png, err := barsH("Final model: gain importance", "share of the GBDT members' gain (%)", labels, values, okBlue)
		outs = append(outs, b.figure(png, err, fmt.Sprintf("The final model's gain importance: the %d features with the largest share of its GBDT members' split gain (of %d).", len(top), n)))
	}
	if len(m.Importance) > 0 {
		b.md(para(t("Gain importance: each GBDT member's split gains per feature, as shares of that member's total, averaged with the members' weights. The curves are the final model's on the holdout rows.")))
	} else {
		b.md(para(t("No gain importance: the final model has no GBDT member (logistic regression has no split gain). The curves are the final model's on the holdout rows.")))
	}
	if c := m.Curves; c != nil {
		png, err := b.curvePlots(r, c)
		outs = append(outs, b.figure(png, err, fmt.Sprintf("The final model on the holdout: ROC curve, precision-recall curve (dashed: the positive rate) and calibration (observed positive rate against mean predicted probability per tenth of the probability range; hollow: bins under %d rows).", minCalibrationRows)))
	}
	b.codeCell(`
final = verdict["models"][0]
imp = pd.DataFrame(final["importance"] or [], columns=["feature", "gain"]).head(20)
if len(imp):
    fig, ax = plt.subplots(figsize=(7, max(4.2, 0.3 * len(imp) + 1.2)))
    ax.barh(imp["feature"][::-1], imp["gain"][::-1] * 100, color=OKABE_ITO[5])
    ax.set(title="Final model: gain importance", xlabel="share of the GBDT members' gain (%)")
    plt.show()
c = final["curves"]
if c:
    fig, axes = plt.subplots(3, 1, figsize=(7, 8.4))
    roc, pr = pd.DataFrame(c["roc"], columns=["x", "y"]), pd.DataFrame(c["pr"], columns=["x", "y"])
    cal = pd.DataFrame(c["calibration"], columns=["predicted", "observed", "rows"])
    axes[0].plot(roc["x"], roc["y"], color=OKABE_ITO[5], lw=2); axes[0].plot([0, 1], [0, 1], "--", color="#999999")
    axes[0].set(title="ROC curve (holdout)", xlabel="false positive rate", ylabel="true positive rate")
    axes[1].plot(pr["x"], pr["y"], color=OKABE_ITO[6], lw=2)
    if verdict["rows"]:
        axes[1].axhline(verdict["positives"] / verdict["rows"], ls="--", color="#999999")
    axes[1].set(title="Precision-recall curve (holdout)", xlabel="recall", ylabel="precision")
    axes[2].plot([0, 1], [0, 1], "--", color="#999999")
    solid = cal[cal["rows"] >= 20]
    axes[2].plot(solid["predicted"], solid["observed"], "o-", color=OKABE_ITO[3])
    sparse = cal[cal["rows"] < 20]
    axes[2].scatter(sparse["predicted"], sparse["observed"], facecolors="none", edgecolors=OKABE_ITO[3])
    axes[2].set(title="Calibration (holdout, 10 bins)", xlabel="mean predicted probability", ylabel="observed positive rate")
    fig.tight_layout(); plt.show()
`, "", outs...)
}

// minCalibrationRows is the fewest rows a calibration bin is drawn solid
// (and joined) with.
const minCalibrationRows = 20

// curvePlots draws ROC, PR and calibration one under the other, so each
// is the page's full width on a phone.
func (b *builder) curvePlots(r journal.HoldoutRead, c *journal.Curves) ([]byte, error) {
	xy := func(ps []journal.CurvePoint) plotter.XYs {
		out := make(plotter.XYs, 0, len(ps))
		for _, p := range ps {
			if !math.IsNaN(p.X) && !math.IsNaN(p.Y) {
				out = append(out, plotter.XY{X: p.X, Y: p.Y})
			}
		}
		return out
	}
	diag := plotter.XYs{{X: 0, Y: 0}, {X: 1, Y: 1}}
	roc := newPlot("ROC curve (holdout)", "false positive rate", "true positive rate")
	pr := newPlot("Precision-recall curve (holdout)", "recall", "precision")
	cal := newPlot("Calibration (holdout, 10 bins)", "mean predicted probability", "observed positive rate")
	add := func(p *plot.Plot, pts plotter.XYs, col color.Color, dashed bool, width vg.Length) {
		if len(pts) < 2 {
			return
		}
		l, err := line(pts, col, width, dashed)
		b.keep(err)
		if l != nil {
			p.Add(l)
		}
	}
	add(roc, diag, okGrey, true, vg.Points(1))
	add(roc, xy(c.ROC), okBlue, false, vg.Points(2))
	if r.Rows > 0 {
		base := float64(r.Positives) / float64(r.Rows)
		add(pr, plotter.XYs{{X: 0, Y: base}, {X: 1, Y: base}}, okGrey, true, vg.Points(1))
	}
	add(pr, xy(c.PR), okVermilion, false, vg.Points(2))
	add(cal, diag, okGrey, true, vg.Points(1))
	// Bins with few rows swing widely: joined and filled only from
	// minCalibrationRows rows, shown hollow below that.
	var bins, sparse plotter.XYs
	for _, bin := range c.Calibration {
		switch {
		case math.IsNaN(bin.Observed):
		case bin.Rows >= minCalibrationRows:
			bins = append(bins, plotter.XY{X: bin.Predicted, Y: bin.Observed})
		default:
			sparse = append(sparse, plotter.XY{X: bin.Predicted, Y: bin.Observed})
		}
	}
	add(cal, bins, okGreen, false, vg.Points(2))
	for _, set := range []struct {
		xys   plotter.XYs
		shape draw.GlyphDrawer
	}{{bins, draw.CircleGlyph{}}, {sparse, draw.RingGlyph{}}} {
		if len(set.xys) > 0 {
			s, err := scatter(set.xys, okGreen, set.shape, vg.Points(3.5))
			b.keep(err)
			if s != nil {
				cal.Add(s)
			}
		}
	}
	for _, p := range []*plot.Plot{roc, pr, cal} {
		p.X.Min, p.X.Max, p.Y.Min, p.Y.Max = 0, 1, 0, 1
	}
	return pngOf([][]*plot.Plot{{roc}, {pr}, {cal}}, figW, 3*2.7*vg.Inch)
}

func (b *builder) failures() {
	b.md(h(2, "failures", "What failed"))
	groups := map[string][]journal.Trial{}
	interrupted := 0
	for _, tr := range b.s.Trials {
		switch tr.State {
		case journal.TrialFailed:
			k := firstLine(tr.Error)
			groups[k] = append(groups[k], tr)
		case journal.TrialInterrupted:
			interrupted++
		}
	}
	var roundErrs []string
	for _, r := range b.s.Rounds {
		if r.Error != "" {
			roundErrs = append(roundErrs, fmt.Sprintf("round %d (%s): %s", r.ID, r.Planner, firstLine(r.Error)))
		}
	}
	if len(groups) == 0 {
		blocks := []Block{para(t(fmt.Sprintf("No trial failed. %s.", plural(interrupted, "trial was interrupted (re-run by resume)", "trials were interrupted (re-run by resume)"))))}
		if len(roundErrs) > 0 {
			blocks = append(blocks, para(t(plural(len(roundErrs), "planner call failed", "planner calls failed")+":")))
			items := make([][]Inline, len(roundErrs))
			for i, e := range roundErrs {
				items[i] = []Inline{t(e)}
			}
			blocks = append(blocks, list(items...))
		}
		b.md(blocks...)
		return
	}
	keys := sortedKeys(groups)
	sort.SliceStable(keys, func(i, j int) bool { return len(groups[keys[i]]) > len(groups[keys[j]]) })
	b.md(para(t(fmt.Sprintf("Failed trials grouped by their error's first line; %s; %s.", plural(interrupted, "trial was interrupted", "trials were interrupted"), plural(len(roundErrs), "planner call failed", "planner calls failed")))))
	tb := &Table{Header: []string{"error", "trials", "which", "models"}, Right: []bool{false, true}}
	for _, k := range keys {
		ts := groups[k]
		var ids []string
		models := map[string]bool{}
		for i, tr := range ts {
			if i < 10 {
				ids = append(ids, "#"+strconv.FormatUint(tr.ID, 10))
			}
			models[tr.Model] = true
		}
		if len(ts) > 10 {
			ids = append(ids, "…")
		}
		tb.Rows = append(tb.Rows, []string{k, strconv.Itoa(len(ts)), strings.Join(ids, " "), strings.Join(sortedKeys(models), ", ")})
	}
	b.codeCell(`
failed = pd.DataFrame([{"error": (t["error"] or "").split("\n")[0][:160], "trial": t["id"], "model": t["model"]} for t in trials if t["state"] == "failed"])
if len(failed):
    show(failed.groupby("error", sort=False).agg(trials=("trial", "size"), which=("trial", lambda s: " ".join("#%d" % i for i in s[:10])),
                                                 models=("model", lambda s: ", ".join(sorted(set(s))))).reset_index().sort_values("trials", ascending=False, kind="stable"))
`, "", Output{Table: tb})
}

func (b *builder) cost() {
	b.md(h(2, "cost", "What it cost"))
	type acc struct {
		n    int
		secs float64
	}
	byModel := map[string]*acc{}
	total := 0.0
	for _, tr := range b.s.Trials {
		s := tr.Timings[journal.PhaseTotal]
		if math.IsNaN(s) || tr.Model == "" {
			continue
		}
		a := byModel[tr.Model]
		if a == nil {
			a = &acc{}
			byModel[tr.Model] = a
		}
		a.n++
		a.secs += s
		total += s
	}
	in, out := b.s.Tokens()
	b.md(para(t(fmt.Sprintf("Wall time %s; trial time %s in all (the sum over trials of each trial's time, so with several workers it exceeds the wall time); planner tokens: %d in, %d out.",
		short(b.s.Elapsed()), short(time.Duration(total*float64(time.Second))), in, out))))
	tb := &Table{Header: []string{"model", "trials", "trial time (s)", "mean per trial (s)"}, Right: []bool{false, true, true, true}}
	for _, k := range sortedKeys(byModel) {
		a := byModel[k]
		tb.Rows = append(tb.Rows, []string{k, strconv.Itoa(a.n), strconv.FormatFloat(a.secs, 'f', 1, 64), strconv.FormatFloat(a.secs/float64(a.n), 'f', 2, 64)})
	}
	type pacc struct {
		rounds, in, out int
		latency         time.Duration
	}
	byPlanner := map[string]*pacc{}
	for _, r := range b.s.Rounds {
		a := byPlanner[r.Planner]
		if a == nil {
			a = &pacc{}
			byPlanner[r.Planner] = a
		}
		a.rounds++
		a.in += r.TokensIn
		a.out += r.TokensOut
		a.latency += r.Latency
	}
	pt := &Table{Header: []string{"planner", "rounds", "tokens in", "tokens out", "latency total (s)", "mean per round (s)"}, Right: []bool{false, true, true, true, true, true}}
	for _, k := range sortedKeys(byPlanner) {
		a := byPlanner[k]
		pt.Rows = append(pt.Rows, []string{k, strconv.Itoa(a.rounds), strconv.Itoa(a.in), strconv.Itoa(a.out),
			strconv.FormatFloat(a.latency.Seconds(), 'f', 2, 64), strconv.FormatFloat(a.latency.Seconds()/float64(a.rounds), 'f', 3, 64)})
	}
	b.codeCell(`
tt = pd.DataFrame([{"model": t["model"], "seconds": t["timings"].get("total")} for t in trials if t["model"] and t["timings"].get("total") is not None])
if len(tt):
    g = tt.groupby("model").agg(trials=("seconds", "size"), total=("seconds", "sum"), mean=("seconds", "mean")).reset_index()
    show(pd.DataFrame({"model": g["model"], "trials": g["trials"], "trial time (s)": g["total"].map("{:.1f}".format),
                       "mean per trial (s)": g["mean"].map("{:.2f}".format)}))
rounds = pd.DataFrame(export["rounds"])
if len(rounds):
    p = rounds.groupby("planner").agg(rounds=("id", "size"), tokens_in=("tokens_in", "sum"), tokens_out=("tokens_out", "sum"),
                                      latency=("latency_seconds", "sum")).reset_index()
    p["mean per round (s)"] = (p["latency"] / p["rounds"]).map("{:.3f}".format)
    show(p)
`, "", Output{Table: tb}, Output{Table: pt})
}

// shq quotes a word for a POSIX shell when it needs it.
func shq(s string) string {
	if s != "" && strings.Trim(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_./=:@,+") == "" {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

func (b *builder) reproduce() {
	cfg, name := b.s.Config, b.s.Study.Name
	args := []string{"nightshift", "run", "--data", shq(cfg.Data), "--target", shq(cfg.Target), "--study", shq(name + "-again"),
		"--metric", cfg.Metric, "--planner", shq(cfg.Planner), "--holdout", strconv.FormatFloat(cfg.Holdout, 'g', -1, 64),
		"--folds", strconv.Itoa(cfg.Folds), "--seed", strconv.FormatUint(cfg.Seed, 10)}
	if cfg.Budget > 0 {
		args = append(args, "--budget", time.Duration(cfg.Budget).String())
	}
	if cfg.MaxTrials > 0 {
		args = append(args, "--max-trials", strconv.Itoa(cfg.MaxTrials))
	}
	if cfg.Positive != "" {
		args = append(args, "--positive", shq(cfg.Positive))
	}
	if cfg.Task != "" {
		args = append(args, "--task", shq(cfg.Task))
	}
	if cfg.TimeCol != "" {
		args = append(args, "--time-col", shq(cfg.TimeCol))
	}
	if cfg.HoldoutSplit != "" && cfg.HoldoutSplit != "stratified" {
		args = append(args, "--holdout-split", cfg.HoldoutSplit)
	}
	if cfg.Screen != "" && cfg.Screen != "auto" {
		args = append(args, "--screen", shq(cfg.Screen))
	}
	for _, f := range []struct {
		flag string
		v    []string
	}{{"--categorical", cfg.Load.Categorical}, {"--text", cfg.Load.Text}, {"--id-col", cfg.Load.IDCols}, {"--numeric", cfg.Load.Numeric}, {"--drop", cfg.Load.Drop}} {
		if len(f.v) > 0 {
			args = append(args, f.flag, shq(strings.Join(f.v, ",")))
		}
	}
	if cfg.Load.Missing != nil {
		args = append(args, "--missing", shq(strings.Join(cfg.Load.Missing, ",")))
	}
	if cfg.Load.Delimiter != "" {
		args = append(args, "--delimiter", shq(cfg.Load.Delimiter))
	}
	db := shq(orText(b.o.CommandDB, b.o.DB))
	cmds := strings.Join([]string{
		"# the same search again, as a new study (same data, protocol, seed and budget; planners' choices depend on timing, so trials may differ)",
		strings.Join(args, " ") + " --db " + db,
		"# the verdict on this study's holdout (trains the final model; the first read is the verdict, later ones are marked re-reads)",
		"nightshift holdout --study " + shq(name) + " --db " + db,
		"# promote the winner: build the final model, score it beside the current champion, publish it if it passes the gate",
		"nightshift promote --study " + shq(name) + " --db " + db,
		"# this report again",
		"nightshift report --study " + shq(name) + " --db " + db,
	}, "\n")
	b.cells = append(b.cells, Cell{Blocks: []Block{h(2, "reproduce", "Reproduce and promote"),
		para(t("The exact commands, from the study's stored configuration (run them in a shell, not in this notebook):")),
		{Kind: blockPre, Text: []Inline{{Text: cmds}}}}})
}
