package gbdt

import (
	"math/rand/v2"
	"slices"
	"testing"
)

// kernelInput is random bins and gradients for the kernel tests: rows x nf
// column-major bins (and the same row-major), float32 gradient pairs.
type kernelInput struct {
	cols [][]uint8
	mat  []uint8
	gh   [][2]float32
}

func newKernelInput(rng *rand.Rand, rows, nf int) *kernelInput {
	in := &kernelInput{mat: make([]uint8, rows*nf), gh: make([][2]float32, rows)}
	for j := range nf {
		col := make([]uint8, rows)
		for i := range col {
			col[i] = uint8(rng.IntN(256))
			if j%3 == 0 {
				col[i] %= 5 // few bins: repeated bins back to back
			}
			in.mat[i*nf+j] = col[i]
		}
		in.cols = append(in.cols, col)
	}
	for i := range in.gh {
		in.gh[i] = [2]float32{float32(rng.NormFloat64()), float32(rng.Float64())}
	}
	return in
}

// TestHistKernelsMatchPortableLoops checks every histogram kernel (assembly
// on amd64) against the portable Go loops: sums must be bit-identical,
// since model files must not depend on the platform or on how features are
// grouped.
func TestHistKernelsMatchPortableLoops(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	const rowsN, nf = 5000, 7
	in := newKernelInput(rng, rowsN, nf)
	for _, n := range []int{0, 1, 2, 3, 7, 64, 4999} {
		rows := make([]int32, n)
		og := make([][2]float32, n)
		for i := range rows {
			rows[i] = int32(rng.IntN(rowsN))
		}
		slices.Sort(rows) // as a leaf's rows; n = 64 is sparse enough to prefetch
		for i, r := range rows {
			og[i] = in.gh[r]
		}
		var got, want [maxBins]gradPair
		gather1(&got, in.cols[2], rows, og)
		gather1Go(&want, in.cols[2], rows, og)
		if got != want {
			t.Fatalf("gather1 n=%d: kernel sums differ from the portable loop", n)
		}
		h4 := make([]gradPair, 4*maxBins)
		hs := [4]*[maxBins]gradPair{featHist(h4, 0), featHist(h4, 1), featHist(h4, 2), featHist(h4, 3)}
		cols := [4][]uint8{in.cols[0], in.cols[3], in.cols[5], in.cols[6]}
		w4 := make([]gradPair, 4*maxBins)
		ws := [4]*[maxBins]gradPair{featHist(w4, 0), featHist(w4, 1), featHist(w4, 2), featHist(w4, 3)}
		for k := 1; k <= 4; k++ {
			clear(h4)
			clear(w4)
			gatherK(&hs, &cols, k, rows, og)
			gatherKGo(&ws, &cols, k, rows, og)
			for j := range 4 {
				want = [maxBins]gradPair{}
				if j < k {
					gather1Go(&want, cols[j], rows, og)
				}
				if *hs[j] != want || *ws[j] != want {
					t.Fatalf("gatherK k=%d n=%d feature %d: kernel or gatherKGo sums differ from the one-feature loop", k, n, j)
				}
			}
		}

		first := rowsN - n
		got, want = [maxBins]gradPair{}, [maxBins]gradPair{}
		contig1(&got, in.cols[0][first:], in.gh[first:])
		contig1Go(&want, in.cols[0][first:], in.gh[first:])
		if got != want {
			t.Fatalf("contig1 n=%d: kernel sums differ from the portable loop", n)
		}
		ccols := [4][]uint8{in.cols[1][first:], in.cols[2][first:], in.cols[3][first:], in.cols[4][first:]}
		for k := 1; k <= 4; k++ {
			clear(h4)
			clear(w4)
			contigK(&hs, &ccols, k, in.gh[first:])
			contigKGo(&ws, &ccols, k, in.gh[first:])
			for j := range 4 {
				want = [maxBins]gradPair{}
				if j < k {
					contig1Go(&want, ccols[j], in.gh[first:])
				}
				if *hs[j] != want || *ws[j] != want {
					t.Fatalf("contigK k=%d n=%d feature %d: kernel or contigKGo sums differ from the one-feature loop", k, n, j)
				}
			}
		}

		slicesSortInt32(rows)
		a := make([]gradPair, nf*maxBins)
		b := make([]gradPair, nf*maxBins)
		accumulateRows(a, in.mat, nf, rows, og, 2, 6)
		accumulateRowsGo(b, in.mat, nf, rows, og, 2, 6)
		for i := range a {
			if a[i] != b[i] {
				t.Fatalf("rows n=%d bin %d: kernel %v, Go %v", n, i, a[i], b[i])
			}
		}
		// the row-wise histograms equal the column-wise ones
		for f := 2; f < 6; f++ {
			want = [maxBins]gradPair{}
			gather1Go(&want, in.cols[f], rows, og)
			if *featHist(a, f) != want {
				t.Fatalf("rows n=%d feature %d: row-major sums differ from column sums", n, f)
			}
		}
	}
}

func slicesSortInt32(s []int32) {
	for i := 1; i < len(s); i++ {
		for j := i; j > 0 && s[j] < s[j-1]; j-- {
			s[j], s[j-1] = s[j-1], s[j]
		}
	}
}
