package promote

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/nightshift-ml/nightshift/experiment"
	"github.com/nightshift-ml/nightshift/experiment/registry"
)

// CardFile is the model card inside a registry version.
const CardFile = "card.md"

// writeCard writes card.md: what the version is, how good, from what data
// and trials, why it was published, and the commands that reproduce it.
func writeCard(dir string, h *run, o Options, f *experiment.Fitted, sc experiment.HoldoutScore, res *Result, meta registry.Meta) error {
	var b strings.Builder
	fmt.Fprintf(&b, "# %s\n\n", o.Name)
	fmt.Fprintf(&b, "Study `%s`, final model `%s` of %d member(s) from trial(s) %s; published %s.\n\n",
		h.study.Name, o.Final, len(f.Members), experiment.DescribeParts(f.Parts), meta.Created.Format("2006-01-02 15:04:05 MST"))
	cardHoldout(&b, h, sc)
	cardPromotion(&b, o, res)
	cardData(&b, h, o)
	if err := cardTrials(&b, h, f); err != nil {
		return err
	}
	cardReproduce(&b, h, o, f)
	return writeCardFile(filepath.Join(dir, CardFile), b.String())
}

// cardHoldout is the card's holdout metrics with their standard errors.
func cardHoldout(b *strings.Builder, h *run, sc experiment.HoldoutScore) {
	b.WriteString("## Holdout metrics\n\n")
	fmt.Fprintf(b, "On the study's %d holdout rows (%d positive), which no search, early stopping or ensemble selection saw; ± is one standard error. The study optimised `%s` (cross-validated %.4f ± %.4f).\n\n",
		sc.Holdout.Rows, sc.Holdout.Positives, h.cfg.Metric, float64(sc.CV), float64(sc.CVStd))
	b.WriteString("| metric | holdout | SE |\n|---|---|---|\n")
	for _, k := range []string{experiment.MetricAUC, experiment.MetricPRAUC, experiment.MetricLogLoss, "brier"} {
		fmt.Fprintf(b, "| %s | %.4f | %.4f |\n", k, experiment.MetricValues(sc.Holdout)[k], float64(sc.SE[k]))
	}
}

// cardPromotion says how the gate against the champion went, or why
// there was none, and whether the promotion was forced.
func cardPromotion(b *strings.Builder, o Options, res *Result) {
	b.WriteString("\n## Promotion\n\n")
	switch {
	case res.Champion == "":
		b.WriteString("First version of this name: no champion to compare with.\n")
	case res.Gate != nil:
		fmt.Fprintf(b, "Against champion %s: %s.\n", res.Champion, res.Gate)
	default:
		fmt.Fprintf(b, "No comparison with champion %s could be made.\n", res.Champion)
	}
	if res.Forced {
		fmt.Fprintf(b, "\n**Forced**: %s\n", o.Reason)
	}
	for _, n := range res.Notes {
		fmt.Fprintf(b, "\n- %s", n)
	}
}

// cardData names the study's data, its holdout and the files that check
// new data.
func cardData(b *strings.Builder, h *run, o Options) {
	b.WriteString("\n\n## Data\n\n")
	fmt.Fprintf(b, "- file: `%s`\n- fingerprint: %s\n- target `%s`, positive class `%s`\n- holdout: %d rows, recorded in `%s`\n",
		h.cfg.Data, h.study.Data, h.cfg.Target, h.h.Positive(), len(h.cfg.HoldoutRows), registry.MetaFile)
	fmt.Fprintf(b, "- input schema: `%s`; data contract: `contract.odcs.yaml` (check new data with `nightshift check --model %s --data FILE`)\n", "schema.json", o.Name)
}

// cardTrials describes each trial the final model was built from, once.
func cardTrials(b *strings.Builder, h *run, f *experiment.Fitted) error {
	b.WriteString("\n## Trials\n\n")
	seen := map[uint64]bool{}
	for _, p := range f.Parts {
		if seen[p.Trial] {
			continue
		}
		seen[p.Trial] = true
		t := h.h.Trial(p.Trial)
		spec, err := experiment.SpecOf(t)
		if err != nil {
			return err
		}
		fmt.Fprintf(b, "### Trial %d (weight %.2f)\n\n", t.ID, p.Weight)
		fmt.Fprintf(b, "- CV %s %.4f ± %.4f over %d folds\n", h.cfg.Metric, t.Mean, t.Std, len(t.FoldScores))
		if t.Hypothesis != "" {
			fmt.Fprintf(b, "- hypothesis: %s\n", t.Hypothesis)
		}
		fmt.Fprintf(b, "- model `%s`, seed %d, params `%s`\n", spec.Model, spec.Seed, spec.ParamsString())
		feats := spec.Features
		if strings.TrimSpace(feats) == "" {
			feats = "(base columns)"
		}
		fmt.Fprintf(b, "- features: `%s`\n\n", feats)
	}
	return nil
}

// cardReproduce is the command that publishes this version again, and
// what the version's directory holds.
func cardReproduce(b *strings.Builder, h *run, o Options, f *experiment.Fitted) {
	b.WriteString("## Reproduce\n\n```sh\n")
	args := []string{"nightshift promote --study " + h.study.Name, "--final " + o.Final}
	if o.Trial != 0 {
		args = append(args, fmt.Sprintf("--trial %d", o.Trial))
	}
	args = append(args, "--registry "+o.Registry.Dir, "--name "+o.Name)
	fmt.Fprintf(b, "%s   # with the study's journal (--db)\n", strings.Join(args, " "))
	if o.Command != "" {
		fmt.Fprintf(b, "# as run: %s\n", o.Command)
	}
	b.WriteString("```\n\nFiles: `final.json` (members and weights), `schema.json`, `members/NN/` (each member's model: `model.txt` LightGBM v3 text, or `model.json`; `pipeline.json` when it has a feature pipeline), `version.json`.\n")
	kinds := map[string]bool{}
	for _, m := range f.Members {
		kinds[m.Kind] = true
	}
	ks := make([]string, 0, len(kinds))
	for k := range kinds {
		ks = append(ks, k)
	}
	slices.Sort(ks)
	fmt.Fprintf(b, "Model kinds: %s.\n", strings.Join(ks, ", "))
}

// writeCardFile writes the card and syncs it; the version directory it
// sits in becomes visible only complete.
func writeCardFile(path, text string) error {
	fh, err := os.Create(path)
	if err != nil {
		return err
	}
	w := bufio.NewWriter(fh)
	w.WriteString(text)
	if err = w.Flush(); err == nil {
		err = fh.Sync()
	}
	if cerr := fh.Close(); err == nil {
		err = cerr
	}
	return err
}
