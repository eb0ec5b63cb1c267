package studyview

import (
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/nightshift-ml/nightshift/journal"
)

// HoldoutReads is what `status` says of a study's holdout reads: how many,
// of which standing, the verdict (the first read's final model) and a
// sentence saying what the figures are worth.
type HoldoutReads struct {
	Reads   int             `json:"reads"`
	Rereads int             `json:"rereads"` // later reads that scored a new model: optimistic
	Repeats int             `json:"repeats"` // later reads that scored only models an earlier read had
	Verdict *HoldoutVerdict `json:"verdict"` // null before the first read
	Note    string          `json:"note"`
}

// HoldoutVerdict is the first read's final model and its figure on the
// study's metric.
type HoldoutVerdict struct {
	Read   uint64 `json:"read"`
	Time   string `json:"time"`
	Final  string `json:"final"`
	Trials string `json:"trials"` // "#8 0.48, #2 0.52", or "#8"
	Metric string `json:"metric"`
	Score  Num    `json:"score"`
	SE     Num    `json:"se"`
}

// SummarizeHoldoutReads sums up a study's reads (in journal order).
func SummarizeHoldoutReads(reads []journal.HoldoutRead) HoldoutReads {
	out := HoldoutReads{Reads: len(reads), Note: HoldoutNote(reads)}
	for _, r := range reads {
		switch r.Standing {
		case journal.ReadReread:
			out.Rereads++
		case journal.ReadRepeat:
			out.Repeats++
		}
	}
	if len(reads) > 0 && len(reads[0].Models) > 0 {
		r, m := reads[0], reads[0].Models[0]
		metric := r.Metric
		if metric == "" {
			metric = MetricAUC
		}
		fig, ok := m.Metrics[metric]
		if !ok {
			fig = journal.Figure{Value: math.NaN(), SE: math.NaN()}
		}
		out.Verdict = &HoldoutVerdict{Read: r.ID, Time: r.Time.UTC().Format(time.RFC3339), Final: m.Final, Trials: DescribeHoldoutParts(m.Parts),
			Metric: metric, Score: Num(fig.Value), SE: Num(fig.SE)}
	}
	return out
}

// HoldoutNote says in one sentence what a study's holdout figures are
// worth: "" before the first read; the verdict alone; or how many times the
// holdout was read, which later reads are optimistic re-reads and which
// only repeated an earlier read's models.
func HoldoutNote(reads []journal.HoldoutRead) string {
	switch len(reads) {
	case 0:
		return ""
	case 1:
		return "the holdout has been read once: read 1 is the study's verdict"
	}
	var rereads, repeats []string
	for _, r := range reads[1:] {
		switch r.Standing {
		case journal.ReadRepeat:
			repeats = append(repeats, fmt.Sprintf("read %d scored exactly the models of read %d (same specs and seeds) and saw nothing new", r.ID, r.RepeatOf))
		default:
			rereads = append(rereads, fmt.Sprint(r.ID))
		}
	}
	var b strings.Builder
	fmt.Fprintf(&b, "the holdout has been read %d times", len(reads))
	switch {
	case len(repeats) == 0:
		b.WriteString("; figures after the first are optimistic")
	default:
		b.WriteString("; " + strings.Join(repeats, "; "))
		switch len(rereads) {
		case 0:
			b.WriteString(": read 1, the verdict, stands")
		case 1:
			fmt.Fprintf(&b, "; the figures of read %s are optimistic", rereads[0])
		default:
			fmt.Fprintf(&b, "; the figures of reads %s are optimistic", strings.Join(rereads, ", "))
		}
	}
	return b.String()
}

// DescribeHoldoutParts is a model's trials: "#8" for one trial, "#8 0.48,
// #2 0.52" for an ensemble.
func DescribeHoldoutParts(parts []journal.HoldoutPart) string {
	if len(parts) == 1 {
		return fmt.Sprintf("#%d", parts[0].Trial)
	}
	var b strings.Builder
	for i, p := range parts {
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "#%d %.2f", p.Trial, p.Weight)
	}
	return b.String()
}
