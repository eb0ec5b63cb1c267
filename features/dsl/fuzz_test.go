package dsl

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/nightshift-ml/nightshift/features"
)

// FuzzParse checks that no input panics the parser, the checker or a fit on
// a small frame; that every error carries a valid position; and that the
// canonical form of any accepted spec is a fixed point with a stable hash.
func FuzzParse(f *testing.F) {
	for _, s := range []string{
		"log1p(amount); count(merchant)",
		"a = ratio(x, y)\nb = clip(x, -1, 2.5) # note",
		"target_mean(c, smoothing=20); cross(c, d, max_levels=5); rare(c, 3); hash(c, 8)",
		`group_count(c, window="1h30m", time=ts); group_mean(x, by=c, time=ts)`,
		`contains(t, "fr\"ee"); regex_count(t, "[0-9]+"); tokens(t, buckets=64)`,
		"`odd name` = -(x + y) * 2 / (x - 1)",
		"hour(ts); weekday(ts); day(ts); month(ts); epoch(ts); since(ts, ts)",
		"bin(x, 4); rank(y); is_missing(t); fill(x, 0); pow(x, -2); drop(y)",
		"s = sum(x, y, 1); mean(y, x); m = min(x, hour(ts)); max(x, y, count(c)); w = wsum(y, x, weights=[-1.5, 2e3])",
		"wsum(x, y, weights=[1]); sum(x); sum([x, y]); [1, 2]; wsum(x, y, weights=[1, 2", "sum(sum(x, y), sum(y, x))",
		"((((x))))", "log1p(", "x = ", "`", `"`, "1e999", "drop(drop(x))",
	} {
		f.Add(s)
	}
	f.Fuzz(fuzzOne)
}

func fuzzFrame() *features.Frame {
	return frameOf(
		numCol("x", 1, -2, nan, 4, 0),
		numCol("y", 0, 3, 1, nan, 2),
		catCol("c", "a", "b", "", "a", "c"),
		catCol("d", "u", "", "v", "u", "v"),
		textCol("t", "free WIN http://a.b", "", "hi 2 u", "£5 now", "ok"),
		timeCol("ts", 0, 3600, 7200, nan, 3600),
	)
}

// fuzzOne is one fuzz execution.
func fuzzOne(t *testing.T, src string) {
	done := make(chan struct{})
	defer close(done)
	go func() {
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			panic(fmt.Sprintf("spec took over 10s: %q", src))
		}
	}()
	spec, err := Parse(src)
	if err != nil {
		checkPositions(t, src, err)
		return
	}
	c := spec.Canonical()
	again, err := Parse(c)
	if err != nil {
		t.Fatalf("canonical %q of %q does not parse: %v", c, src, err)
	}
	if again.Canonical() != c || again.Hash() != spec.Hash() {
		t.Fatalf("canonical form is not a fixed point: %q → %q", c, again.Canonical())
	}
	frame := fuzzFrame()
	if _, err := Check(spec, frame, CheckOptions{}); err != nil {
		checkPositions(t, src, err)
		return
	}
	p, _, err := Fit(context.Background(), spec, frame, []float64{1, 0, 0, 1, 0}, FitOptions{Folds: 2})
	if err != nil {
		return
	}
	if _, err := p.Apply(context.Background(), frame); err != nil {
		t.Fatalf("Apply after Fit of %q: %v", src, err)
	}
}

func checkPositions(t *testing.T, src string, err error) {
	t.Helper()
	var list ErrorList
	var one *Error
	var all []*Error
	switch {
	case errors.As(err, &list):
		all = list
	case errors.As(err, &one):
		all = []*Error{one}
	default:
		t.Fatalf("%q: error without a position: %v", src, err)
	}
	for _, e := range all {
		p := e.Pos
		if p.Line < 1 || p.Column < 1 || p.Offset < 0 || p.Offset > len(src) {
			t.Fatalf("%q: bad position %+v in %v", src, p, e)
		}
		if utf8.ValidString(src) && posAt(src, p.Offset) != p {
			t.Fatalf("%q: position %+v inconsistent with offset", src, p)
		}
		if e.Msg == "" {
			t.Fatalf("%q: empty message", src)
		}
	}
}

// FuzzUnmarshalPipeline feeds damaged pipeline JSON (it is input at
// prediction time): reading it must fail cleanly or give a pipeline whose
// Apply does not panic.
func FuzzUnmarshalPipeline(f *testing.F) {
	frame := fuzzFrame()
	for _, src := range []string{
		"b = bin(x, 3); r = rank(y); m = target_mean(c, smoothing=1); x2 = cross(c, d)",
		`g = group_mean(x, c, window="1h", time=ts); n = group_nunique(d, c, time=ts); k = count(d); q = rare(c, 2)`,
		"tokens(t, buckets=16); length(t); h = hash(d, 4)",
		"s = sum(x, y, bin(x, 3)); w = wsum(x, y, weights=[0.5, -2]); r = rank(mean(x, y)); m = max(x, y); n = min(x, y)",
	} {
		p, _, err := Fit(context.Background(), MustParse(src), frame, []float64{1, 0, 0, 1, 0}, FitOptions{Folds: 2})
		if err != nil {
			f.Fatal(err)
		}
		data, err := json.Marshal(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var p Pipeline
		if err := json.Unmarshal(data, &p); err != nil {
			return
		}
		if _, err := p.Apply(context.Background(), frame); err != nil && !strings.Contains(err.Error(), "column") {
			t.Fatalf("Apply of a pipeline that loaded: %v", err)
		}
	})
}
