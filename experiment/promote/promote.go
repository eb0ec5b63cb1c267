// Package promote builds a study's final model, gates it against the
// registry's champion on the holdout rows neither trained on, publishes it
// (the final model, its data contract and card) and scores new files with
// a published version. It takes what it needs of a study through
// experiment.Holdout; experiment never imports it.
package promote

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/nightshift-ml/nightshift/experiment"
	"github.com/nightshift-ml/nightshift/experiment/final"
	"github.com/nightshift-ml/nightshift/experiment/gate"
	"github.com/nightshift-ml/nightshift/experiment/registry"
	"github.com/nightshift-ml/nightshift/features"
	"github.com/nightshift-ml/nightshift/features/contract"
	"github.com/nightshift-ml/nightshift/journal"
)

// Options say what to promote, where, and how strictly.
type Options struct {
	Registry *registry.Registry
	Name     string // default: the study's name
	// Final and Trial choose the challenger as holdout does: the study's
	// final model (FinalEnsemble by default), or trial Trial's bag (or
	// refit with FinalRefit).
	Final    string
	Trial    uint64
	Ensemble experiment.EnsembleOptions
	Threads  int
	// Gate is gate.Better (default) or gate.NotWorse with Margin.
	Gate   string
	Margin float64
	// Force publishes although the gate refuses (Reason says why; it is
	// required with Force).
	Force  bool
	Reason string
	// Command is the command line, journaled with the holdout read and
	// recorded in the version and the alias history.
	Command string
}

// Result is what a promotion did.
type Result struct {
	Name    string `json:"name"`
	Version string `json:"version,omitempty"` // "v3"; empty when refused
	Dir     string `json:"dir,omitempty"`
	// Challenger is the promoted model's holdout score.
	Challenger experiment.HoldoutScore `json:"challenger"`
	// Champion is the version that held the champion alias ("" for a
	// first version) and Gate the comparison with it.
	Champion string       `json:"champion,omitempty"`
	Gate     *gate.Result `json:"gate,omitempty"`
	Forced   bool         `json:"forced,omitempty"`
	// Notes are what the user should know: an earlier holdout read, rows
	// left out of the comparison, a forced publish.
	Notes []string            `json:"notes,omitempty"`
	Read  journal.HoldoutRead `json:"-"`
}

// GateRefusal is a promotion the gate (or the comparison rows) refused;
// cmd maps it to exit code 4. The holdout read was journaled all the same.
type GateRefusal struct {
	Name, Champion string
	Gate           *gate.Result // nil when no comparison could be made
	Why            string
}

func (e *GateRefusal) Error() string {
	if e.Gate != nil {
		return fmt.Sprintf("promotion of %s refused: the challenger does not pass the gate against champion %s: %s (--force --reason TEXT publishes anyway)", e.Name, e.Champion, e.Gate)
	}
	return fmt.Sprintf("promotion of %s refused: %s (--force --reason TEXT publishes anyway)", e.Name, e.Why)
}

// Promote builds the study's final model exactly as holdout does, scores
// it on the holdout (one journaled read), compares it with the current
// champion of the registry name on the holdout rows neither trained on,
// and publishes it as a new version with the champion alias when the gate
// passes (or when forced). A refusal is a *GateRefusal.
func Promote(ctx context.Context, j *journal.Journal, study string, o Options) (*Result, error) {
	explicit := o.Final != "" || o.Trial != 0
	if err := o.normalize(study); err != nil {
		return nil, err
	}
	h, err := open(ctx, j, study)
	if err != nil {
		return nil, err
	}
	res := &Result{Name: o.Name}
	f, pred, err := h.scoreChallenger(ctx, j, o, explicit, res)
	if err != nil {
		return nil, err
	}
	if err := h.gate(ctx, o, pred, res); err != nil {
		return res, err
	}
	return res, h.publish(ctx, o, f, res)
}

// defaultFinal: the study's ensemble, or with --trial that trial's bag.
func (o *Options) defaultFinal() {
	if o.Final == "" {
		o.Final = experiment.FinalEnsemble
		if o.Trial != 0 {
			o.Final = experiment.FinalBag
		}
	}
}

// normalize checks o and fills its defaults.
func (o *Options) normalize(study string) error {
	if o.Registry == nil {
		return fmt.Errorf("promote: no registry")
	}
	if o.Force && o.Reason == "" {
		return fmt.Errorf("--force needs --reason TEXT: the reason is recorded with the version and in the alias history")
	}
	if o.Name == "" {
		o.Name = study
	}
	if err := registry.CheckName(o.Name); err != nil {
		return fmt.Errorf("--name: %w", err)
	}
	o.defaultFinal()
	if o.Final != experiment.FinalEnsemble && o.Final != experiment.FinalBag && o.Final != experiment.FinalRefit {
		return fmt.Errorf("--final %q: want %s, %s or %s", o.Final, experiment.FinalEnsemble, experiment.FinalBag, experiment.FinalRefit)
	}
	if o.Trial != 0 && o.Final == experiment.FinalEnsemble {
		return fmt.Errorf("--trial %d names one trial: want --final bag or refit with it (an ensemble is chosen from the study's best trials)", o.Trial)
	}
	return nil
}

// scoreChallenger fits the challenger, scores it once on the holdout and
// journals that read, noting in res when its figures are optimistic (a
// model chosen after earlier reads, a re-read). It returns the model and
// its holdout predictions.
func (h *run) scoreChallenger(ctx context.Context, j *journal.Journal, o Options, explicit bool, res *Result) (*experiment.Fitted, []float64, error) {
	study := h.study.Name
	earlier, err := j.ListHoldoutReads(study)
	if err != nil {
		return nil, nil, err
	}
	if explicit && len(earlier) > 0 {
		res.Notes = append(res.Notes, fmt.Sprintf("--final %s%s was chosen after %d earlier holdout read(s) of this study: its holdout figures are optimistic", o.Final, trialWords(o.Trial), len(earlier)))
	}
	start := time.Now()
	f, sc, err := h.h.Build(ctx, o.choice())
	if err != nil {
		return nil, nil, err
	}
	pred, err := h.h.Score(ctx, f, &sc)
	if err != nil {
		return nil, nil, err
	}
	sc.Seconds = time.Since(start).Seconds()
	res.Challenger = sc
	read := journal.HoldoutRead{Command: o.Command, Final: o.Final, Metric: h.cfg.Metric, Rows: len(h.y), Positives: sc.Holdout.Positives}
	h.h.Record(&read, "final", sc)
	stored, err := j.AddHoldoutRead(study, read)
	if err != nil {
		return nil, nil, err
	}
	res.Read = stored
	switch stored.Standing {
	case journal.ReadReread:
		res.Notes = append(res.Notes, fmt.Sprintf("holdout read %d is a re-read (the study's holdout had been read %d time(s) before): its figures are optimistic", stored.ID, len(earlier)))
	case journal.ReadRepeat:
		res.Notes = append(res.Notes, fmt.Sprintf("holdout read %d repeats read %d (the same model): it shows nothing new", stored.ID, stored.RepeatOf))
	}
	return f, pred, nil
}

// gate compares the challenger's holdout predictions with the current
// champion's on rows neither trained on (nothing to do for a first
// version). A refusal is returned unless o.Force, which records it.
func (h *run) gate(ctx context.Context, o Options, pred []float64, res *Result) error {
	aliases, err := o.Registry.Aliases(o.Name)
	if err != nil {
		return err
	}
	champ := aliases.Aliases[registry.Champion]
	if champ == "" {
		res.Forced = o.Force
		return nil
	}
	res.Champion = champ
	g, note, refusal := h.compare(ctx, o, champ, pred)
	if note != "" {
		res.Notes = append(res.Notes, note)
	}
	res.Gate = g
	if refusal != nil {
		if !o.Force {
			return refusal
		}
		res.Forced = true
		res.Notes = append(res.Notes, "published although "+refusal.Why+": forced ("+o.Reason+")")
	}
	return nil
}

// publish writes the version (the final model, its data contract, its
// card, version.json) and then moves the champion alias: the commit point.
func (h *run) publish(ctx context.Context, o Options, f *experiment.Fitted, res *Result) error {
	sc := res.Challenger
	meta := h.versionMeta(o, f, sc)
	meta.Forced = res.Forced
	if res.Gate != nil {
		meta.Gate = res.Gate.String()
	}
	reason := o.Reason
	switch {
	case reason != "":
	case res.Champion == "":
		reason = "first version"
	default:
		reason = "gate passed: " + res.Gate.String()
	}
	k, err := o.Registry.Publish(ctx, o.Name, meta, func(dir string, k int) error {
		if err := f.Final(h.s).Write(dir); err != nil {
			return err
		}
		if err := h.writeContract(dir, o.Name, k, meta.Created); err != nil {
			return err
		}
		return writeCard(dir, h, o, f, sc, res, meta)
	}, &registry.AliasMove{Alias: registry.Champion, Reason: reason, Command: o.Command, Forced: res.Forced})
	if k > 0 {
		res.Version = registry.VersionName(k)
		res.Dir = filepath.Join(o.Registry.Dir, o.Name, res.Version)
	}
	return err
}

// BuildFinal fits the model Promote would promote (o.Final, o.Trial,
// o.Ensemble, o.Threads) and returns it in process, standing alone,
// without reading the holdout or touching a registry: the reference that
// a promoted version's predictions are compared with.
func BuildFinal(ctx context.Context, j *journal.Journal, study string, o Options) (*final.Model, error) {
	o.defaultFinal()
	h, err := experiment.OpenHoldout(ctx, j, study)
	if err != nil {
		return nil, err
	}
	f, _, err := h.Build(ctx, o.choice())
	if err != nil {
		return nil, err
	}
	return f.Final(h.Search()), nil
}

// choice is the final model o promotes.
func (o Options) choice() experiment.FinalChoice {
	return experiment.FinalChoice{Final: o.Final, Trial: o.Trial, Ensemble: o.Ensemble, Threads: o.Threads}
}

// run is one promotion's study, opened for its holdout read.
type run struct {
	h     *experiment.Holdout
	s     *experiment.Search
	study journal.Study
	cfg   experiment.StudyConfig
	y     []float64 // the holdout rows' labels
}

func open(ctx context.Context, j *journal.Journal, study string) (*run, error) {
	h, err := experiment.OpenHoldout(ctx, j, study)
	if err != nil {
		return nil, err
	}
	return &run{h: h, s: h.Search(), study: h.Study(), cfg: h.Config(), y: h.Labels()}, nil
}

func trialWords(id uint64) string {
	if id == 0 {
		return ""
	}
	return fmt.Sprintf(" --trial %d", id)
}

// compare scores the champion version on the holdout rows it never
// trained on and applies the gate. It returns the gate's result (nil when
// no comparison could be made), a note for the user, and a refusal when
// the promotion must not go ahead unforced.
func (h *run) compare(ctx context.Context, o Options, champ string, pred []float64) (*gate.Result, string, *GateRefusal) {
	refuse := func(why string) *GateRefusal { return &GateRefusal{Name: o.Name, Champion: champ, Why: why} }
	dir, err := o.Registry.Resolve(o.Name + "/" + champ)
	if err != nil {
		return nil, "", refuse(err.Error())
	}
	meta, err := registry.ReadMeta(dir)
	if err != nil {
		return nil, "", refuse(fmt.Sprintf("champion %s: %v", champ, err))
	}
	if meta.Data != fingerprintText(h.study.Data) {
		return nil, "", refuse(fmt.Sprintf("champion %s was trained on other data (study %q, data %s; this study's is %s): the rows it trained on cannot be told apart from the holdout rows", champ, meta.Study, orUnknown(meta.Data), fingerprintText(h.study.Data)))
	}
	// Same file: the champion never trained on its own holdout rows.
	theirs := map[int]bool{}
	for _, r := range meta.HoldoutRows {
		theirs[r] = true
	}
	var keep []int // indices into this study's holdout rows
	for i, r := range h.cfg.HoldoutRows {
		if theirs[r] {
			keep = append(keep, i)
		}
	}
	note := ""
	if len(keep) < len(h.cfg.HoldoutRows) {
		note = fmt.Sprintf("compared on %d of the %d holdout rows: champion %s trained on the other %d", len(keep), len(h.cfg.HoldoutRows), champ, len(h.cfg.HoldoutRows)-len(keep))
	}
	if why := h.championContract(ctx, dir, champ); why != "" {
		return nil, note, refuse(why)
	}
	m, err := final.Read(dir)
	if err != nil {
		return nil, note, refuse(fmt.Sprintf("champion %s cannot be read: %v", champ, err))
	}
	champPred, err := predictRows(ctx, m, h.cfg.Data, rowsAt(h.cfg.HoldoutRows, keep))
	if err != nil {
		return nil, note, refuse(fmt.Sprintf("champion %s cannot score the holdout rows: %v", champ, err))
	}
	y, chal := make([]float64, len(keep)), make([]float64, len(keep))
	for k, i := range keep {
		y[k], chal[k] = h.y[i], pred[i]
	}
	res, err := gate.Compare(y, chal, champPred, gate.Options{Gate: o.Gate, Margin: o.Margin, Metric: h.cfg.Metric, Seed: h.cfg.Seed})
	if err != nil {
		return nil, note, refuse(fmt.Sprintf("no comparison with champion %s on the %d rows neither trained on: %v", champ, len(keep), err))
	}
	if !res.Passed {
		return &res, note, &GateRefusal{Name: o.Name, Champion: champ, Gate: &res, Why: "the gate refused: " + res.String()}
	}
	return &res, note, nil
}

func rowsAt(rows, idx []int) []int {
	out := make([]int, len(idx))
	for k, i := range idx {
		out[k] = rows[i]
	}
	return out
}

func orUnknown(s string) string {
	if s == "" {
		return "unknown"
	}
	return s
}

// fingerprintText is a data fingerprint as the registry records it.
func fingerprintText(f journal.Fingerprint) string {
	return fmt.Sprintf("%d:%s", f.Size, f.SHA256)
}

// predictRows scores rows of a data file with a standalone final model,
// reading the file through the model's own schema.
func predictRows(ctx context.Context, m *final.Model, path string, rows []int) ([]float64, error) {
	fr, err := features.LoadFile(path, m.Schema.LoadOptions())
	if err != nil {
		return nil, err
	}
	fr, err = m.Conform(fr)
	if err != nil {
		return nil, err
	}
	return m.Predict(ctx, fr.Take(rows))
}

// versionMeta is the version.json of the promoted model.
func (h *run) versionMeta(o Options, f *experiment.Fitted, sc experiment.HoldoutScore) registry.Meta {
	meta := registry.Meta{
		Command: o.Command, Study: h.study.Name, Final: o.Final, Metric: h.cfg.Metric,
		Data: fingerprintText(h.study.Data), DataPath: h.cfg.Data, HoldoutRows: h.cfg.HoldoutRows,
		Reason: o.Reason, Metrics: map[string]registry.Figure{}, Created: time.Now().UTC(),
	}
	for _, p := range f.Parts {
		meta.Trials = append(meta.Trials, p.Trial)
	}
	values := experiment.MetricValues(sc.Holdout)
	for k, v := range values {
		meta.Metrics[k] = registry.Figure{Value: v, SE: float64(sc.SE[k])}
	}
	return meta
}

// IsGateRefusal reports whether err is a promotion the gate refused.
func IsGateRefusal(err error) bool {
	var g *GateRefusal
	return errors.As(err, &g)
}

// ContractFile is the data contract inside a registry version.
const ContractFile = "contract.odcs.yaml"

// writeContract writes the version's data contract, generated from the
// search part (never the holdout) and its profile.
func (h *run) writeContract(dir, name string, version int, created time.Time) error {
	c, err := contract.Generate(h.s.Frame, h.s.Profile, contract.Options{
		Name: name, Version: fmt.Sprintf("%d.0.0", version), Created: created, Missing: h.cfg.Load.Missing,
		Purpose:    fmt.Sprintf("inputs of model %s %s (study %s)", name, registry.VersionName(version), h.study.Name),
		Source:     fmt.Sprintf("study %s: the search part of %s, holdout excluded", h.study.Name, h.cfg.Data),
		TimeColumn: h.cfg.TimeCol,
	})
	if err != nil {
		return fmt.Errorf("data contract: %w", err)
	}
	return c.Write(filepath.Join(dir, ContractFile))
}

// championContract checks the study's data file against the champion's
// data contract; it returns why the comparison cannot be made (the
// violations), or "" when the file passes or the champion has no contract.
func (h *run) championContract(ctx context.Context, dir, champ string) string {
	path := filepath.Join(dir, ContractFile)
	if _, err := os.Stat(path); err != nil {
		return ""
	}
	c, err := contract.Read(path)
	if err != nil {
		return fmt.Sprintf("champion %s: %v", champ, err)
	}
	in, err := contract.Load(ctx, c, h.cfg.Data)
	if err != nil {
		return fmt.Sprintf("champion %s's contract cannot read %s: %v", champ, h.cfg.Data, err)
	}
	rep, err := contract.Check(ctx, c, in, contract.CheckOptions{Seed: h.cfg.Seed})
	if err != nil {
		return fmt.Sprintf("champion %s's contract: %v", champ, err)
	}
	if !rep.Failed() {
		return ""
	}
	var b strings.Builder
	rep.Print(&b)
	return fmt.Sprintf("champion %s's data contract rejects %s (%d error(s)):\n%s", champ, h.cfg.Data, rep.Errors, b.String())
}
