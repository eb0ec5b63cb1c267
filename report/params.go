package report

import (
	"fmt"
	"math"
	"sort"
	"strconv"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"github.com/nightshift-ml/nightshift/journal"
)

// paramTable is the completed trials of one model kind: each numeric
// parameter that varies as a column, the oriented score as the target.
type paramTable struct {
	model string
	names []string
	x     [][]float64 // x[j][i]: parameter j of trial i (a missing value is the column's mean)
	y     []float64   // score, oriented so that higher is better
	raw   []float64   // score as journaled
}

// paramData gathers the model kind with the most completed trials.
func (b *builder) paramData() *paramTable {
	count := map[string]int{}
	for _, tr := range b.s.Trials {
		if tr.State == journal.TrialDone && !math.IsNaN(tr.Mean) {
			count[tr.Model]++
		}
	}
	model, most := "", 0
	for _, m := range sortedKeys(count) {
		if count[m] > most {
			model, most = m, count[m]
		}
	}
	if most < 5 {
		return nil
	}
	var ts []journal.Trial
	seen := map[string]map[float64]bool{}
	for _, tr := range b.s.Trials {
		if tr.State != journal.TrialDone || tr.Model != model || math.IsNaN(tr.Mean) {
			continue
		}
		ts = append(ts, tr)
		for k, v := range tr.Params {
			if f, err := strconv.ParseFloat(v, 64); err == nil && !math.IsNaN(f) && !math.IsInf(f, 0) {
				if seen[k] == nil {
					seen[k] = map[float64]bool{}
				}
				seen[k][f] = true
			}
		}
	}
	pt := &paramTable{model: model}
	for _, k := range sortedKeys(seen) {
		if len(seen[k]) > 1 {
			pt.names = append(pt.names, k)
		}
	}
	if len(pt.names) == 0 {
		return nil
	}
	for _, tr := range ts {
		y := tr.Mean
		if !b.hib {
			y = -y
		}
		pt.y = append(pt.y, y)
		pt.raw = append(pt.raw, tr.Mean)
	}
	for _, k := range pt.names {
		col := make([]float64, len(ts))
		sum, n := 0.0, 0
		for i, tr := range ts {
			f, err := strconv.ParseFloat(tr.Params[k], 64)
			if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
				col[i] = math.NaN()
				continue
			}
			col[i], sum, n = f, sum+f, n+1
		}
		for i := range col {
			if math.IsNaN(col[i]) {
				col[i] = sum / float64(n)
			}
		}
		pt.x = append(pt.x, col)
	}
	return pt
}

// Boosted stumps: the parameter-importance model. Squared loss, learning
// rate stumpRate, stumpRounds rounds; each round fits the one split (one
// parameter, one threshold between two observed values) that most
// reduces the residuals' squared error, and that reduction is the
// parameter's gain (Friedman 2001, §8.1's relative influence, for trees of
// one split). Importance is each parameter's share of the total gain.
const (
	stumpRounds = 100
	stumpRate   = 0.1
)

func stumpImportance(x [][]float64, y []float64) []float64 {
	n, p := len(y), len(x)
	gain := make([]float64, p)
	if n < 2 {
		return gain
	}
	order := make([][]int, p)
	for j := range x {
		order[j] = make([]int, n)
		for i := range order[j] {
			order[j][i] = i
		}
		col := x[j]
		sort.SliceStable(order[j], func(a, b int) bool { return col[order[j][a]] < col[order[j][b]] })
	}
	f := make([]float64, n)
	r := make([]float64, n)
	for range stumpRounds {
		total := 0.0
		for i := range r {
			r[i] = y[i] - f[i]
			total += r[i]
		}
		bestJ, bestK, bestGain := -1, 0, 0.0
		for j := range x {
			left := 0.0
			for k := 0; k < n-1; k++ {
				left += r[order[j][k]]
				if x[j][order[j][k]] == x[j][order[j][k+1]] {
					continue
				}
				nl, nr := float64(k+1), float64(n-k-1)
				g := left*left/nl + (total-left)*(total-left)/nr - total*total/float64(n)
				if g > bestGain+1e-15 {
					bestJ, bestK, bestGain = j, k, g
				}
			}
		}
		if bestJ < 0 {
			break
		}
		gain[bestJ] += bestGain
		left, nl := 0.0, bestK+1
		for k := 0; k <= bestK; k++ {
			left += r[order[bestJ][k]]
		}
		ml, mr := left/float64(nl), (total-left)/float64(n-nl)
		for k, i := range order[bestJ] {
			if k <= bestK {
				f[i] += stumpRate * ml
			} else {
				f[i] += stumpRate * mr
			}
		}
	}
	sum := 0.0
	for _, g := range gain {
		sum += g
	}
	if sum > 0 {
		for j := range gain {
			gain[j] /= sum
		}
	}
	return gain
}

func (b *builder) params() {
	b.md(h(2, "parameters", "Parameter effects"))
	pt := b.paramData()
	if pt == nil {
		b.md(para(t("Too few completed trials of one model kind (at least 5, with a parameter that varies) to relate parameters to the score yet.")))
		return
	}
	imp := stumpImportance(pt.x, pt.y)
	idx := make([]int, len(pt.names))
	for i := range idx {
		idx[i] = i
	}
	sort.SliceStable(idx, func(a, c int) bool { return imp[idx[a]] > imp[idx[c]] })
	b.md(para(t(fmt.Sprintf("The %d completed %s trials. Importance is each parameter's share of the gain in a small model of our own — %d boosted one-split trees (learning rate %.1f) fitted on the trials' parameters to predict their CV score; it says which knobs the score moved with in this search, not why.", len(pt.y), pt.model, stumpRounds, stumpRate))))
	tb := &Table{Header: []string{"parameter", "importance (gain share)"}, Right: []bool{false, true}}
	for _, j := range idx {
		tb.Rows = append(tb.Rows, []string{pt.names[j], strconv.FormatFloat(imp[j]*100, 'f', 1, 64) + "%"})
	}
	out := []Output{{Table: tb}, b.paramScatters(pt, idx[:min(6, len(idx))])}
	b.codeCell(fmt.Sprintf(paramsCell, pyStr(pt.model), stumpRounds, stumpRate), "", out...)
}

// paramScatters is the figure of the CV score against each of the most
// important parameters (top), two per row; a parameter spanning more
// than 50× on positive values gets a log axis.
func (b *builder) paramScatters(pt *paramTable, top []int) Output {
	cols := min(2, len(top))
	rows := (len(top) + cols - 1) / cols
	grid := make([][]*plot.Plot, rows)
	for r := range grid {
		grid[r] = make([]*plot.Plot, cols)
	}
	metric := metricName(b.s.Config.Metric)
	for n, j := range top {
		p := newPlot(pt.names[j], pt.names[j], "CV "+metric)
		p.Title.TextStyle.Font.Size = vg.Points(13)
		xys := make(plotter.XYs, len(pt.y))
		logX := true
		for i := range pt.y {
			xys[i] = plotter.XY{X: pt.x[j][i], Y: pt.raw[i]}
			if pt.x[j][i] <= 0 {
				logX = false
			}
		}
		lo, hi := minMax(pt.x[j])
		if logX && hi/lo > 50 {
			p.X.Scale = plot.LogScale{}
			p.X.Tick.Marker = plot.LogTicks{Prec: -1}
			p.X.Label.Text += " (log scale)"
		}
		s, err := scatter(xys, okBlue, draw.CircleGlyph{}, vg.Points(2.5))
		b.keep(err)
		if s != nil {
			p.Add(s)
		}
		grid[n/cols][n%cols] = p
	}
	h := vg.Length(rows) * 2.4 * vg.Inch
	if cols == 1 {
		h = figH
	}
	png, err := pngOf(grid, figW, h)
	return b.figure(png, err, fmt.Sprintf("CV %s against each of the %d most important parameters, one point per completed trial.", metric, len(top)))
}

// paramsCell is the parameters section's notebook cell, a format taking
// the model kind (a Python string), stumpRounds and stumpRate: the same
// table and figure computed again from the trials, stumpImportance in numpy.
const paramsCell = `
import numpy as np
MODEL = %s
kind = [t for t in trials if t["state"] == "done" and t["model"] == MODEL and t["mean"] is not None]
def num(v):
    try:
        f = float(v)
        return f if math.isfinite(f) else None
    except (TypeError, ValueError):
        return None
names = sorted(k for k in {k for t in kind for k in t["params"]} if len({num(t["params"].get(k)) for t in kind} - {None}) > 1)
X = pd.DataFrame([{k: num(t["params"].get(k)) for k in names} for t in kind], columns=names).astype(float)
X = X.fillna(X.mean())
y = np.array([sign * t["mean"] for t in kind])

def stump_importance(X, y, rounds=%d, rate=%g):
    """Boosted one-split trees on squared loss; each parameter's share of the gain."""
    x = X.to_numpy(); n = len(y); f = np.zeros(n); gain = np.zeros(x.shape[1])
    orders = [np.argsort(x[:, j], kind="stable") for j in range(x.shape[1])]
    for _ in range(rounds):
        r = y - f; total = r.sum(); best = (0.0, -1, 0)
        for j, o in enumerate(orders):
            xs, left = x[o, j], np.cumsum(r[o])[:-1]
            nl = np.arange(1, n)
            g = left**2 / nl + (total - left)**2 / (n - nl) - total**2 / n
            g[xs[1:] == xs[:-1]] = -np.inf
            k = int(np.argmax(g))
            if g[k] > best[0] + 1e-15:
                best = (g[k], j, k)
        if best[1] < 0:
            break
        g, j, k = best; gain[j] += g
        o = orders[j]; left = r[o][:k + 1].mean(); right = r[o][k + 1:].mean()
        f[o[:k + 1]] += rate * left; f[o[k + 1:]] += rate * right
    return gain / gain.sum() if gain.sum() > 0 else gain

imp = pd.Series(stump_importance(X, y), index=names).sort_values(ascending=False, kind="stable")
show(pd.DataFrame({"parameter": imp.index, "importance (gain share)": (imp * 100).map("{:.1f}%%".format)}))
top = list(imp.index[:6])
fig, axes = plt.subplots((len(top) + 1) // 2, 2, figsize=(7, 2.6 * ((len(top) + 1) // 2)), squeeze=False)
for ax, k in zip(axes.flat, top):
    ax.scatter(X[k], [t["mean"] for t in kind], s=10, color=OKABE_ITO[5])
    if (X[k] > 0).all() and X[k].max() / X[k].min() > 50:
        ax.set_xscale("log")
    ax.set(title=k, xlabel=k, ylabel="CV " + METRIC)
for ax in list(axes.flat)[len(top):]:
    ax.axis("off")
fig.tight_layout(); plt.show()
`

func minMax(xs []float64) (float64, float64) {
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, x := range xs {
		lo, hi = math.Min(lo, x), math.Max(hi, x)
	}
	return lo, hi
}
