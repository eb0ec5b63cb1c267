package gbdt

import (
	"math"
	"slices"
)

// evalMetric scores raw scores of rows against labels: binary_logloss
// (LightGBM's BinaryLoglossMetric, probabilities clipped to [1e-15, 1-1e-15])
// or auc (ties averaged). The log loss is summed in fixed blocks of
// metricBlock rows, the blocks on up to tm.size workers and their sums
// added in order: the same value at any thread count.
func evalMetric(metric string, raw, labels []float64, rows []int, tm *team) float64 {
	threads := tm.size
	if metric == "auc" {
		return aucOf(raw, labels, rows)
	}
	blocks := (len(rows) + metricBlock - 1) / metricBlock
	sums := make([]float64, blocks)
	work := func(lo, hi int) {
		for bl := lo; bl < hi; bl++ {
			var sum float64
			for i := bl * metricBlock; i < min((bl+1)*metricBlock, len(rows)); i++ {
				pr := math.Min(math.Max(sigmoid(raw[i]), 1e-15), 1-1e-15)
				if labels[rows[i]] == 1 {
					sum -= math.Log(pr)
				} else {
					sum -= math.Log(1 - pr)
				}
			}
			sums[bl] = sum
		}
	}
	if threads <= 1 || blocks < 2 {
		work(0, blocks)
	} else {
		tm.chunks(blocks, (blocks+threads-1)/threads, work)
	}
	var sum float64
	for _, v := range sums {
		sum += v
	}
	return sum / float64(len(rows))
}

// metricBlock is the row block evalMetric sums on its own.
const metricBlock = 16384

func betterMetric(metric string, a, b float64) bool {
	if metric == "auc" {
		return a > b
	}
	return a < b
}

// aucOf is the Mann-Whitney AUC with tied scores counted as one half.
func aucOf(raw, labels []float64, rows []int) float64 {
	order := make([]int, len(rows))
	for i := range order {
		order[i] = i
	}
	slices.SortFunc(order, func(a, b int) int {
		switch {
		case raw[a] < raw[b]:
			return -1
		case raw[a] > raw[b]:
			return 1
		}
		return 0
	})
	var pos, neg, rankSum float64
	for i := 0; i < len(order); {
		j := i
		for j < len(order) && raw[order[j]] == raw[order[i]] {
			j++
		}
		mid := float64(i+j+1) / 2 // average 1-based rank of the tie group
		for k := i; k < j; k++ {
			if labels[rows[order[k]]] == 1 {
				rankSum += mid
				pos++
			} else {
				neg++
			}
		}
		i = j
	}
	if pos == 0 || neg == 0 {
		return 0.5
	}
	return (rankSum - pos*(pos+1)/2) / (pos * neg)
}
