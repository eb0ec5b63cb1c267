package experiment

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/nightshift-ml/nightshift/experiment/final"
	"github.com/nightshift-ml/nightshift/experiment/gate"
	"github.com/nightshift-ml/nightshift/experiment/registry"
	"github.com/nightshift-ml/nightshift/features"
	"github.com/nightshift-ml/nightshift/features/contract"
	"github.com/nightshift-ml/nightshift/journal"
	"github.com/nightshift-ml/nightshift/trainer/metrics"
)

// PromoteOptions say what to promote, where, and how strictly.
type PromoteOptions struct {
	Registry *registry.Registry
	Name     string // default: the study's name
	// Final and Trial choose the challenger as holdout does: the study's
	// final model (FinalEnsemble by default), or trial Trial's bag (or
	// refit with FinalRefit).
	Final    string
	Trial    uint64
	Ensemble EnsembleOptions
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

// PromoteResult is what a promotion did.
type PromoteResult struct {
	Name    string `json:"name"`
	Version string `json:"version,omitempty"` // "v3"; empty when refused
	Dir     string `json:"dir,omitempty"`
	// Challenger is the promoted model's holdout score.
	Challenger HoldoutScore `json:"challenger"`
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
func Promote(ctx context.Context, j *journal.Journal, study string, o PromoteOptions) (*PromoteResult, error) {
	explicit := o.Final != "" || o.Trial != 0
	if err := o.normalize(study); err != nil {
		return nil, err
	}
	h, err := openHoldout(ctx, j, study)
	if err != nil {
		return nil, err
	}
	res := &PromoteResult{Name: o.Name}
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
func (o *PromoteOptions) defaultFinal() {
	if o.Final == "" {
		o.Final = FinalEnsemble
		if o.Trial != 0 {
			o.Final = FinalBag
		}
	}
}

// normalize checks o and fills its defaults.
func (o *PromoteOptions) normalize(study string) error {
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
	if o.Final != FinalEnsemble && o.Final != FinalBag && o.Final != FinalRefit {
		return fmt.Errorf("--final %q: want %s, %s or %s", o.Final, FinalEnsemble, FinalBag, FinalRefit)
	}
	if o.Trial != 0 && o.Final == FinalEnsemble {
		return fmt.Errorf("--trial %d names one trial: want --final bag or refit with it (an ensemble is chosen from the study's best trials)", o.Trial)
	}
	return nil
}

// scoreChallenger fits the challenger, scores it once on the holdout and
// journals that read, noting in res when its figures are optimistic (a
// model chosen after earlier reads, a re-read). It returns the model and
// its holdout predictions.
func (h *holdoutRun) scoreChallenger(ctx context.Context, j *journal.Journal, o PromoteOptions, explicit bool, res *PromoteResult) (*Fitted, []float64, error) {
	study := h.study.Name
	earlier, err := j.ListHoldoutReads(study)
	if err != nil {
		return nil, nil, err
	}
	if explicit && len(earlier) > 0 {
		res.Notes = append(res.Notes, fmt.Sprintf("--final %s%s was chosen after %d earlier holdout read(s) of this study: its holdout figures are optimistic", o.Final, trialWords(o.Trial), len(earlier)))
	}
	start := time.Now()
	f, sc, err := h.challenger(ctx, o)
	if err != nil {
		return nil, nil, err
	}
	pred, rep, se, err := h.predict(ctx, f)
	if err != nil {
		return nil, nil, err
	}
	sc.Holdout, sc.SE, sc.Seconds = rep, se, time.Since(start).Seconds()
	sc.curves, sc.importance = holdoutCurves(h.y, pred), finalImportance(f)
	res.Challenger = sc
	read := journal.HoldoutRead{Command: o.Command, Final: o.Final, Metric: h.cfg.Metric, Rows: len(h.y), Positives: rep.Positives}
	h.record(&read, "final", sc)
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
func (h *holdoutRun) gate(ctx context.Context, o PromoteOptions, pred []float64, res *PromoteResult) error {
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
func (h *holdoutRun) publish(ctx context.Context, o PromoteOptions, f *Fitted, res *PromoteResult) error {
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
func BuildFinal(ctx context.Context, j *journal.Journal, study string, o PromoteOptions) (*final.Model, error) {
	o.defaultFinal()
	h, err := openHoldout(ctx, j, study)
	if err != nil {
		return nil, err
	}
	f, _, err := h.challenger(ctx, o)
	if err != nil {
		return nil, err
	}
	return f.Final(h.s), nil
}

func trialWords(id uint64) string {
	if id == 0 {
		return ""
	}
	return fmt.Sprintf(" --trial %d", id)
}

// challenger fits the model to promote: the study's final model as
// holdout builds it, or one trial's bag or refit.
func (h *holdoutRun) challenger(ctx context.Context, o PromoteOptions) (*Fitted, HoldoutScore, error) {
	if o.Final == FinalEnsemble {
		cands := ensembleCandidates(h.board, h.all, o.Ensemble.withDefaults())
		f, _, foldScores, err := h.buildEnsemble(ctx, cands, HoldoutOptions{Threads: o.Threads, Ensemble: o.Ensemble})
		if err != nil {
			return nil, HoldoutScore{}, err
		}
		mean, std := meanStd(foldScores)
		return f, HoldoutScore{Trial: f.Parts[0].Trial, CV: Num(mean), CVStd: Num(std), Trees: f.Trees, Final: FinalEnsemble, Parts: f.Parts}, nil
	}
	t := h.board[0]
	if o.Trial != 0 {
		var ok bool
		if t, ok = h.trials[o.Trial]; !ok || t.State != journal.TrialDone {
			return nil, HoldoutScore{}, fmt.Errorf("--trial %d: not a finished trial of study %q (the leader is trial %d)", o.Trial, h.study.Name, h.board[0].ID)
		}
	}
	spec, err := trialSpec(t)
	if err != nil {
		return nil, HoldoutScore{}, err
	}
	var f *Fitted
	if o.Final == FinalRefit {
		f, err = h.s.Refit(ctx, spec, t.BestIteration, o.Threads)
	} else {
		f, err = h.s.Bag(ctx, spec, o.Threads, splitsOf(t)...)
	}
	if err != nil {
		return nil, HoldoutScore{}, fmt.Errorf("trial %d: %s: %w", t.ID, o.Final, err)
	}
	for i := range f.Members {
		f.Members[i].Trial = t.ID
	}
	f.Parts = []EnsemblePart{{Trial: t.ID, Weight: 1}}
	return f, HoldoutScore{Trial: t.ID, CV: Num(t.Mean), CVStd: Num(t.Std), Trees: f.Trees, Final: o.Final, Parts: f.Parts}, nil
}

// compare scores the champion version on the holdout rows it never
// trained on and applies the gate. It returns the gate's result (nil when
// no comparison could be made), a note for the user, and a refusal when
// the promotion must not go ahead unforced.
func (h *holdoutRun) compare(ctx context.Context, o PromoteOptions, champ string, pred []float64) (*gate.Result, string, *GateRefusal) {
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
func (h *holdoutRun) versionMeta(o PromoteOptions, f *Fitted, sc HoldoutScore) registry.Meta {
	meta := registry.Meta{
		Command: o.Command, Study: h.study.Name, Final: o.Final, Metric: h.cfg.Metric,
		Data: fingerprintText(h.study.Data), DataPath: h.cfg.Data, HoldoutRows: h.cfg.HoldoutRows,
		Reason: o.Reason, Metrics: map[string]registry.Figure{}, Created: time.Now().UTC(),
	}
	for _, p := range f.Parts {
		meta.Trials = append(meta.Trials, p.Trial)
	}
	values := reportValues(sc.Holdout)
	for k, v := range values {
		meta.Metrics[k] = registry.Figure{Value: v, SE: float64(sc.SE[k])}
	}
	return meta
}

func reportValues(rep metrics.Report) map[string]float64 {
	return map[string]float64{MetricAUC: rep.AUC, MetricPRAUC: rep.PRAUC, MetricLogLoss: rep.LogLoss, "brier": rep.Brier}
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
func (h *holdoutRun) writeContract(dir, name string, version int, created time.Time) error {
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
func (h *holdoutRun) championContract(ctx context.Context, dir, champ string) string {
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
