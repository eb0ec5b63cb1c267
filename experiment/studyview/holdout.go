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
	if r, ok := journal.Verdict(reads); ok && len(r.Models) > 0 {
		m := r.Models[0]
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
// holdout was read, which reads are optimistic re-reads (as-of reads among
// them: what the study would have built earlier) and which only repeated
// an earlier read's models.
func HoldoutNote(reads []journal.HoldoutRead) string {
	var asOf []string
	for _, r := range reads {
		if r.AsOf > 0 {
			asOf = append(asOf, fmt.Sprintf("%d (as of %s of search)", r.ID, r.AsOf))
		}
	}
	if len(asOf) > 0 {
		return asOfNote(reads, asOf)
	}
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
			repeats = append(repeats, repeatText(r))
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
		default:
			b.WriteString("; " + optimisticText(rereads))
		}
	}
	return b.String()
}

// asOfNote is HoldoutNote for a study with as-of reads (asOf names
// them): those are re-reads, and the verdict is the first full read, if
// any.
func asOfNote(reads []journal.HoldoutRead, asOf []string) string {
	var b strings.Builder
	if len(reads) == 1 {
		b.WriteString("the holdout has been read once")
	} else {
		fmt.Fprintf(&b, "the holdout has been read %d times", len(reads))
	}
	b.WriteString("; as-of reads, never the verdict: " + strings.Join(asOf, ", "))
	if v, ok := journal.Verdict(reads); ok {
		fmt.Fprintf(&b, "; read %d is the verdict", v.ID)
	} else {
		b.WriteString("; no full read yet, so no verdict")
	}
	var rereads []string
	for _, r := range reads {
		switch r.Standing {
		case journal.ReadRepeat:
			b.WriteString("; " + repeatText(r))
		case journal.ReadReread:
			rereads = append(rereads, fmt.Sprint(r.ID))
		}
	}
	b.WriteString("; " + optimisticText(rereads))
	return b.String()
}

func repeatText(r journal.HoldoutRead) string {
	return fmt.Sprintf("read %d scored exactly the models of read %d (same specs and seeds) and saw nothing new", r.ID, r.RepeatOf)
}

func optimisticText(rereads []string) string {
	if len(rereads) == 1 {
		return fmt.Sprintf("the figures of read %s are optimistic", rereads[0])
	}
	return fmt.Sprintf("the figures of reads %s are optimistic", strings.Join(rereads, ", "))
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
