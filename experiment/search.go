package experiment

import (
	"fmt"
	"math"
	"slices"
	"strings"
	"sync"

	"github.com/nightshift-ml/nightshift/experiment/final"
	"github.com/nightshift-ml/nightshift/experiment/plan"
	"github.com/nightshift-ml/nightshift/features"
	"github.com/nightshift-ml/nightshift/features/dsl"
	"github.com/nightshift-ml/nightshift/trainer"
	"github.com/nightshift-ml/nightshift/trainer/split"
)

// Search is the data side of a study's evaluation protocol: the search part
// of the table (every row but the holdout), its labels, the fixed folds and
// the caches shared by all trials. Nothing in it holds or reads a holdout
// row: the holdout rows are removed before anything else is computed.
type Search struct {
	Frame *features.Frame // search rows only
	Y     []float64
	Folds []split.Fold // indices into Frame's rows; the same for every trial
	// Screen is the screening rung's rows (a sample of fold 1, see
	// fidelity.go) and ScreenFrac its share; ScreenFrac is 0 when the study
	// does not screen.
	Screen     split.Fold
	ScreenFrac float64
	TimeCol    string
	// Leaks are the flagged leak columns left out of the features (never
	// passed through raw, never read by a transform); LeakDecisions say
	// what was done with every flagged column (--allow-leak keeps one).
	Leaks         []string
	LeakDecisions []features.LeakDecision
	Profile       *features.Profile
	Metric        string
	Seed          uint64

	base   *trainer.Dataset // base columns of Frame as a design
	hidden []string         // columns never passed through raw: leaks, the time column
	// label and missing are what the final model's schema records of the
	// table: the label's name and classes, the values read as missing.
	label   features.Target
	missing []string
	unused  []features.UnusedColumn
	// memo caches what learners derive from base (the GBDT's bins, one
	// per max_bin): built once per study and shared by every trial and
	// fold that uses only base columns. Bin edges come from all search
	// rows (features only, never labels), as LightGBM's own
	// cross-validation does.
	memo *trainer.Memo
	// splits holds the views of the search on fold splits ≥ 1 (On).
	splits *splitViews
	// first is how many of the search rows the table had when the study
	// was created: they keep the folds they were drawn into on every
	// split, and rows appended since (--allow-data-change) are dealt into
	// folds after them (split.StratifiedKFoldAppended).
	first int

	// validOnce/validDS: each fold's validation rows of the base design,
	// copied once and shared by every base-column trial (together one more
	// copy of the search part, read-only); index len(Folds) is the
	// screening rung's.
	validOnce []sync.Once
	validDS   []*trainer.Dataset
}

// HoldoutRows draws the rows a study sets aside before its first trial:
// the latest rows by timeCol when given; with mode "modulo" row i when
// i % round(1/frac) is the last residue (the peer benchmarks' split); else a
// stratified seeded draw.
func HoldoutRows(tab *Table, frac float64, timeCol, mode string, seed uint64) ([]int, error) {
	if mode == "modulo" && timeCol == "" {
		_, test, err := split.ModuloHoldout(tab.Frame.Rows, int(math.Round(1/frac)))
		return test, err
	}
	if timeCol != "" {
		c := tab.Frame.Col(timeCol)
		if c == nil {
			return nil, &OptionError{Flag: "time-col", Err: fmt.Errorf("--time-col %q is not a column of %s", timeCol, tab.Path)}
		}
		if c.Kind != features.Numeric && c.Kind != features.Datetime {
			return nil, &OptionError{Flag: "time-col", Err: fmt.Errorf("--time-col %q is %s in %s; want a numeric or datetime column", timeCol, c.Kind, tab.Path)}
		}
		_, test, err := split.TimeHoldout(c.Num, tab.Target.Y, frac)
		return test, err
	}
	_, test, err := split.StratifiedHoldout(tab.Target.Y, frac, seed)
	return test, err
}

// NewSearch removes the holdout rows from tab and prepares the folds.
func NewSearch(tab *Table, holdout []int, cfg *StudyConfig) (*Search, error) {
	isHold := make([]bool, tab.Frame.Rows)
	for _, r := range holdout {
		if r < 0 || r >= len(isHold) {
			return nil, fmt.Errorf("stored holdout row %d is outside the table's %d rows", r, len(isHold))
		}
		isHold[r] = true
	}
	rows := make([]int, 0, tab.Frame.Rows-len(holdout))
	for i, h := range isHold {
		if !h {
			rows = append(rows, i)
		}
	}
	s := &Search{
		Frame:   tab.Frame.Take(rows),
		TimeCol: cfg.TimeCol,
		Metric:  cfg.Metric,
		Seed:    cfg.Seed,
		memo:    new(trainer.Memo),
		splits:  &splitViews{views: map[int]*Search{}},
	}
	s.Y = takeFloats(tab.Target.Y, rows)
	s.first = firstSearchRows(rows, cfg.Rows)
	var err error
	k := resolveFolds(cfg.Folds, len(rows))
	if cfg.TimeCol != "" {
		s.Folds, err = split.TimeFolds(s.Frame.Col(cfg.TimeCol).Num, s.Y, k)
	} else {
		s.Folds, err = split.StratifiedKFoldAppended(s.Y, k, cfg.Seed, s.first)
	}
	if err != nil {
		return nil, fmt.Errorf("folds of the search part: %w", err)
	}
	frac, minRows := screenFraction(cfg.Screen, len(rows))
	if s.ScreenFrac = frac; frac > 0 {
		s.Screen = screenFold(s.Folds[0], s.Y, frac, minRows, cfg.Seed)
	}
	s.validOnce, s.validDS = make([]sync.Once, len(s.Folds)+1), make([]*trainer.Dataset, len(s.Folds)+1)
	// The profile the planner sees is of the search part only.
	target := *tab.Target
	target.Y = s.Y
	target.Positives = 0
	for _, v := range s.Y {
		target.Positives += int(v)
	}
	target.Negatives = len(s.Y) - target.Positives
	s.Profile = features.ProfileFrame(s.Frame, &target, cfg.Seed)
	s.Profile.File = tab.Path
	if s.LeakDecisions, err = leakDecisions(s.Profile, s.Frame, cfg.AllowLeaks); err != nil {
		return nil, err
	}
	s.Leaks = features.DroppedLeaks(s.LeakDecisions)
	s.label = features.Target{Name: tab.Target.Name, Positive: tab.Target.Positive, Negative: tab.Target.Negative}
	s.missing = cfg.Load.Missing
	s.hidden = append([]string{}, s.Leaks...)
	if cfg.TimeCol != "" {
		s.hidden = append(s.hidden, cfg.TimeCol)
	}
	s.base, s.unused = DesignFromFrame(s.Frame.Without(s.hidden...))
	return s, nil
}

// firstSearchRows is how many of the search rows (table row numbers,
// ascending) were among the table's rows at the study's creation; all of
// them in a study from before the count was stored (rows 0).
func firstSearchRows(rows []int, created int) int {
	if created <= 0 {
		return len(rows)
	}
	n, _ := slices.BinarySearch(rows, created)
	return n
}

// foldValid returns fold k's validation rows of the base design (k ==
// len(Folds): the screening rung's).
func (s *Search) foldValid(k int) *trainer.Dataset {
	if s.validOnce == nil { // a view on a further split: not cached
		return s.base.Take(s.fold(k).Valid)
	}
	s.validOnce[k].Do(func() { s.validDS[k] = s.base.Take(s.fold(k).Valid) })
	return s.validDS[k]
}

// fold returns fold k, or the screening rung's rows for k == len(Folds).
func (s *Search) fold(k int) split.Fold {
	if k == len(s.Folds) {
		return s.Screen
	}
	return s.Folds[k]
}

// foldRowsSorted reports whether fold indices are ascending (gbdt.Data
// requires increasing row ids).
func foldRowsSorted(f split.Fold) bool {
	return slices.IsSorted(f.Train) && slices.IsSorted(f.Valid)
}

// meanStd returns the mean and the sample standard deviation (n-1) of xs.
func meanStd(xs []float64) (float64, float64) { return plan.MeanStd(xs) }

// featureSpec parses a trial's feature set as the study evaluates it: with
// a time column, that column never passes through as a raw feature (its
// values at prediction time lie beyond anything trained on); transforms may
// still read it (hour(ts), point-in-time aggregates). Nil for base columns.
func (s *Search) featureSpec(features string) (*dsl.Spec, error) {
	if strings.TrimSpace(features) == "" {
		return nil, nil
	}
	if s.TimeCol != "" {
		features += "; drop(" + plan.QuoteColumn(s.TimeCol) + ")"
	}
	fs, err := dsl.Parse(features)
	if err != nil {
		return nil, fmt.Errorf("features: %w", err)
	}
	return fs, nil
}

// schema is the input schema of the study's final models: the search
// part's columns (the table's but the target) with their kinds and
// dictionaries.
func (s *Search) schema() features.Schema {
	return final.SchemaOf(s.Frame, &s.label, s.missing, s.hidden)
}
