package dsl

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/nightshift-ml/nightshift/features"
)

func checkFrame() *features.Frame {
	return frameOf(
		numCol("amount", 1, 2, 3),
		numCol("balance", 1, 2, 3),
		catCol("merchant", "m1", "m2", "m1"),
		textCol("text", "hello there", "buy now", "ok"),
		strCol("id", features.Identifier, "i1", "i2", "i3"),
		timeCol("ts", 0, 1, 2),
		catCol("label", "0", "1", "0"),
		numCol("chargeback", 0, 1, 0),
	)
}

func TestCheckRejectsWithPositionAndHint(t *testing.T) {
	opt := CheckOptions{Target: "label", Leaks: []string{"chargeback"}}
	tests := []specCase{
		{"log1p(amout)", 1, 7, `unknown column "amout"`, `did you mean "amount"?`, ErrUnknownColumn},
		{"x = ratio(amount, balanse)", 1, 19, `unknown column "balanse"`, `did you mean "balance"?`, ErrUnknownColumn},
		{"drop(merchent)", 1, 1, `unknown column "merchent"`, `did you mean "merchant"?`, ErrUnknownColumn},
		{"log1p(merchant)", 1, 7, "log1p(x=...): merchant is categorical, want numeric", "count(merchant)", ErrType},
		{"count(amount)", 1, 7, "count(c=...): amount is numeric, want categorical", "category(amount)", ErrType},
		{"amount + text", 1, 10, "'+' needs a numeric operand, text is text", "length(text)", ErrType},
		{"hour(merchant)", 1, 6, "merchant is categorical, want datetime", "", ErrType},
		{"text", 1, 1, "raw text column", "length(t)", ErrType},
		{"id", 1, 1, "raw identifier column", "count(id)", ErrType},
		{"target_mean(label)", 1, 13, `reads the target column "label"`, "target_mean(c)", ErrLeak},
		{"x = amount + 0 * count(label)", 1, 24, `reads the target column "label"`, "", ErrLeak},
		{"log1p(chargeback)", 1, 7, `"chargeback", which the profile flagged as leaking`, "", ErrLeak},
		{"group_count(merchant, time=amount, window=\"1h\") ; group_mean(amount, merchant, window=\"1d\")", 1, 51, `window="1d" needs time=<column>`, "", ErrArgument},
		{"group_count(merchant, time=text)", 1, 28, "want datetime or numeric seconds", "", ErrType},
		{"group_mean(amount)", 1, 1, "group_mean without by= is over all rows and needs time=<column>", "signature: group_mean(x numeric, [by categorical]", ErrArgument},
		{`group_count(window="1h")`, 1, 1, `group_count: window="1h" needs time=<column>`, "", ErrArgument},
		{"amount = log1p(amount)", 1, 1, `output column "amount" is defined twice`, "drop(amount)", ErrArgument},
		{"a = log1p(amount); a = sqrt(amount)", 1, 20, `output column "a" is defined twice`, "", ErrArgument},
		{"clip(amount, 5, 1)", 1, 1, "clip: lo 5 is greater than hi 1", "", ErrArgument},
		{"log1p(tokens(text))", 1, 7, "tokens(text) is sparse", "whole item", ErrType},
		{"log1p(\"x\" )", 1, 7, "want a numeric expression", "", ErrArgument},
		// row ops: each argument is checked like any numeric argument
		{"sum(amount, merchant)", 1, 13, "sum(...): merchant is categorical, want numeric", "count(merchant)", ErrType},
		{"mean(amount, text, balance)", 1, 14, "mean(...): text is text, want numeric", "length(text)", ErrType},
		{"wsum(amount, id, weights=[1, 2])", 1, 14, "wsum(...): id is categorical, want numeric", "count(id)", ErrType},
		{"max(amount, balanse)", 1, 13, `unknown column "balanse"`, `did you mean "balance"?`, ErrUnknownColumn},
		{"sum(amount, label)", 1, 13, `reads the target column "label"`, "target_mean(c)", ErrLeak},
		{"min(chargeback, amount)", 1, 5, `"chargeback", which the profile flagged as leaking`, "", ErrLeak},
		{"sum(amount, tokens(text))", 1, 13, "tokens(text) is sparse", "whole item", ErrType},
		{"amount + [1, 2]", 1, 10, "unexpected list [1, 2]", "sum(a, b, c)", ErrType},
	}
	for _, tc := range tests {
		spec, err := Parse(tc.src)
		if err == nil {
			_, err = Check(spec, checkFrame(), opt)
		}
		assertSpecError(t, tc, err)
	}
}

func TestCheckReportsEveryError(t *testing.T) {
	_, err := Check(MustParse("log1p(amout); count(merchnt)"), checkFrame(), CheckOptions{})
	var l ErrorList
	if !errors.As(err, &l) || len(l) != 2 {
		t.Fatalf("got %v, want two errors", err)
	}
	if !strings.Contains(err.Error(), "amout") || !strings.Contains(err.Error(), "merchnt") {
		t.Errorf("message %q should name both columns", err)
	}
}

func TestPassThroughRules(t *testing.T) {
	plan, err := Check(MustParse("drop(balance); n = count(merchant); length(text)"), checkFrame(), CheckOptions{Target: "label", Leaks: []string{"chargeback"}})
	if err != nil {
		t.Fatal(err)
	}
	// numeric, categorical and datetime pass; text, identifier, target, leak and dropped do not.
	if want := []string{"amount", "merchant", "ts"}; !slices.Equal(plan.PassThrough, want) {
		t.Errorf("pass-through %q, want %q", plan.PassThrough, want)
	}
	var outs []string
	for _, o := range plan.Outputs {
		outs = append(outs, o.Name+":"+o.Type.String())
	}
	if want := []string{"amount:numeric", "merchant:categorical", "ts:numeric", "length(text):numeric", "n:numeric"}; !slices.Equal(outs, want) {
		t.Errorf("outputs %q, want %q", outs, want)
	}
	if want := []string{"amount", "merchant", "text", "ts"}; !slices.Equal(plan.Reads, want) {
		t.Errorf("reads %q, want %q", plan.Reads, want)
	}
	if want := []string{"balance"}; !slices.Equal(plan.Dropped, want) {
		t.Errorf("dropped %q", plan.Dropped)
	}
	// drop of the base column lets an item take its name
	if _, err := Check(MustParse("drop(amount); amount = log1p(amount)"), checkFrame(), CheckOptions{}); err != nil {
		t.Errorf("replacing a dropped column: %v", err)
	}
}

func TestCostEstimateAndLimits(t *testing.T) {
	rows := 1000
	v := make([]float64, rows)
	txt := make([]string, rows)
	for i := range v {
		v[i] = float64(i)
		txt[i] = "one two three four"
	}
	f := frameOf(numCol("a", v...), numCol("b", v...), textCol("t", txt...))
	plan, err := Check(MustParse("log1p(a); bin(a, 8); tokens(t, buckets=1024)"), f, CheckOptions{})
	if err != nil {
		t.Fatal(err)
	}
	c := plan.Cost
	// 2 pass-through + 2 items dense; 4 words → 7 tokens per row.
	if c.Columns != 4 || c.SparseWidth != 1024 || c.SparseNNZ != 7000 || c.Time != CostSort {
		t.Errorf("cost = %+v", c)
	}
	if want := int64(8*4*rows + 12*7000 + 8*(rows+1)); c.Bytes != want {
		t.Errorf("bytes = %d, want %d", c.Bytes, want)
	}
	_, err = Check(MustParse("log1p(a)"), f, CheckOptions{Limits: Limits{MaxColumns: 2}})
	if !errors.Is(err, ErrCost) || !strings.Contains(err.Error(), "makes 3 dense columns, over the limit of 2") {
		t.Errorf("column limit: %v", err)
	}
	_, err = Check(MustParse("log1p(a)"), f, CheckOptions{Limits: Limits{MaxBytes: 1000}})
	if !errors.Is(err, ErrCost) || !strings.Contains(err.Error(), "estimated memory 23.4 KiB") {
		t.Errorf("byte limit: %v", err)
	}
	_, err = Check(MustParse("tokens(t, buckets=65536)"), f, CheckOptions{Limits: Limits{MaxSparseWidth: 4096}})
	if !errors.Is(err, ErrCost) || !strings.Contains(err.Error(), "65536 columns wide, over the limit of 4096") {
		t.Errorf("sparse limit: %v", err)
	}
}
