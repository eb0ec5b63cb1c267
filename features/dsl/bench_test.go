package dsl

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"syscall"
	"testing"

	"github.com/nightshift-ml/nightshift/features"
)

// benchFrame is rows × 30 columns: 20 numeric (5% missing), 8 categorical
// (10 to 10,000 levels), a card id with 50,000 levels and a datetime.
func benchFrame(rows int) (*features.Frame, []float64) {
	r := rand.New(rand.NewPCG(1, 2))
	f := &features.Frame{Rows: rows}
	for j := range 20 {
		v := make([]float64, rows)
		for i := range v {
			if r.IntN(20) == 0 {
				v[i] = math.NaN()
			} else {
				v[i] = r.NormFloat64() * float64(j+1)
			}
		}
		f.Columns = append(f.Columns, &features.Column{Name: fmt.Sprintf("n%d", j), Kind: features.Numeric, Num: v})
	}
	card := func(name string, levels int) *features.Column {
		c := &features.Column{Name: name, Kind: features.Categorical, Codes: make([]int32, rows), Levels: make([]string, levels), Counts: make([]int, levels)}
		for l := range c.Levels {
			c.Levels[l] = fmt.Sprintf("%s_%d", name, l)
		}
		for i := range c.Codes {
			code := int32(r.IntN(levels))
			if r.IntN(50) == 0 {
				code = -1
				c.Missing++
			} else {
				c.Counts[code]++
			}
			c.Codes[i] = code
		}
		return c
	}
	for j, levels := range []int{10, 30, 100, 300, 1000, 3000, 10000, 20} {
		f.Columns = append(f.Columns, card(fmt.Sprintf("c%d", j), levels))
	}
	f.Columns = append(f.Columns, card("card", 50000))
	ts := make([]float64, rows)
	y := make([]float64, rows)
	for i := range ts {
		ts[i] = 1.7e9 + float64(r.IntN(86400*90))
		if r.IntN(10) == 0 {
			y[i] = 1
		}
	}
	f.Columns = append(f.Columns, &features.Column{Name: "ts", Kind: features.Datetime, Num: ts})
	return f, y
}

// benchSpec is the 10 transforms of the performance target.
const benchSpec = `l = log1p(abs(n0)); r = ratio(n1, n2); cl = clip(n3, -1, 1); b = bin(n4, 16); m = is_missing(n5)
cnt = count(c6); tm = target_mean(c5); x = cross(c2, c3); g = group_mean(n6, by=card); h = hour(ts)`

// BenchmarkFitApply1M fits the 10 transforms on 1,000,000 rows × 30 columns
// and applies them to the same rows (target: ≤ 1 s on 2 cores).
func BenchmarkFitApply1M(b *testing.B) {
	f, y := benchFrame(1_000_000)
	spec := MustParse(benchSpec)
	ctx := context.Background()
	b.ResetTimer()
	cpu0 := cpuSeconds()
	for range b.N {
		p, out, err := Fit(ctx, spec, f, y, FitOptions{})
		if err != nil {
			b.Fatal(err)
		}
		if _, err := p.Apply(ctx, f); err != nil {
			b.Fatal(err)
		}
		if len(out.Columns) != 30+10 {
			b.Fatalf("%d outputs", len(out.Columns))
		}
	}
	// CPU seconds per op are insensitive to other processes on the machine.
	b.ReportMetric((cpuSeconds()-cpu0)/float64(b.N), "cpu-s/op")
}

// cpuSeconds is this process's user + system CPU time.
func cpuSeconds() float64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return float64(ru.Utime.Sec+ru.Stime.Sec) + float64(ru.Utime.Usec+ru.Stime.Usec)/1e6
}

// BenchmarkPointInTime1M is a windowed velocity and amount aggregate on 1M rows.
func BenchmarkPointInTime1M(b *testing.B) {
	f, _ := benchFrame(1_000_000)
	spec := MustParse(`v = group_count(card, window="1d", time=ts); a = group_mean(n0, card, window="7d", time=ts); drop(card)`)
	ctx := context.Background()
	b.ResetTimer()
	for range b.N {
		p, _, err := Fit(ctx, spec, f, nil, FitOptions{})
		if err != nil {
			b.Fatal(err)
		}
		if _, err := p.Apply(ctx, f); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkRowOps1M totals, averages and weights the 20 numeric columns
// (5% missing each) of 1,000,000 rows, and sums 20 computed parts.
func BenchmarkRowOps1M(b *testing.B) {
	f, _ := benchFrame(1_000_000)
	var cols, parts, weights []string
	for j := range 20 {
		cols = append(cols, fmt.Sprintf("n%d", j))
		parts = append(parts, fmt.Sprintf("abs(n%d)", j))
		weights = append(weights, fmt.Sprintf("%d", j+1))
	}
	args := strings.Join(cols, ", ")
	spec := MustParse(fmt.Sprintf("s = sum(%s); m = mean(%s); w = wsum(%s, weights=[%s]); a = sum(%s)", args, args, args, strings.Join(weights, ", "), strings.Join(parts, ", ")))
	ctx := context.Background()
	b.ResetTimer()
	cpu0 := cpuSeconds()
	for range b.N {
		if _, _, err := Fit(ctx, spec, f, nil, FitOptions{Threads: 1}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric((cpuSeconds()-cpu0)/float64(b.N), "cpu-s/op")
}
