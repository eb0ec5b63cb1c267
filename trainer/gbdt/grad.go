package gbdt

import "math"

// The log-loss gradient pass (BinaryLogloss::GetGradients in LightGBM's
// src/objective/binary_objective.hpp with sigmoid = 1): for a row with label
// y, lab = +1 (y = 1) or -1 (y = 0) and class weight w,
//
//	resp = -lab / (1 + exp(lab*score)), gradient = resp*w,
//	hessian = |resp|*(1-|resp|)*w,
//
// stored as float32 (LightGBM's score_t). math.Exp took 13 ns a call on
// the benchmark machine, most of the pass; here e**x is computed in line:
// x is clamped to [-700, 700] (beyond it 1/(1+e**x) is within 1e-304 of 0
// or 1, which no float32 tells apart), then e**x = 2**k * p(r) with k =
// round(x*log2(e)), r = x - k*ln(2) in two parts (|r| <= ln(2)/2) and p
// the degree-12 Taylor polynomial of e**r (truncation below 2e-16, so
// within a few float64 ulps of math.Exp; the float32 results agree with
// math.Exp's except in a tiny fraction of roundings). On amd64 with AVX2
// an assembly kernel does the same operations four rows at a time; every
// product is rounded on its own (no fused multiply-add, hence the float64
// conversions below), so the kernel and gradientRow give the same bits.
const (
	gradLog2e = 0x1.71547652b82fep+0  // log2(e)
	gradLn2Hi = 0x1.62e42fee00000p-1  // ln(2), high part: k*gradLn2Hi is exact
	gradLn2Lo = 0x1.a39ef35793c76p-33 // ln(2) - gradLn2Hi
	gradC12   = 0x1.1eed8eff8d898p-29 // 1/12!
	gradC11   = 0x1.ae64567f544e4p-26
	gradC10   = 0x1.27e4fb7789f5cp-22
	gradC9    = 0x1.71de3a556c734p-19
	gradC8    = 0x1.a01a01a01a01ap-16
	gradC7    = 0x1.a01a01a01a01ap-13
	gradC6    = 0x1.6c16c16c16c17p-10
	gradC5    = 0x1.1111111111111p-7
	gradC4    = 0x1.5555555555555p-5
	gradC3    = 0x1.5555555555555p-3
	gradC2    = 0x1.0000000000000p-1 // 1/2!
)

// gradientRow is one row of the gradient pass (label 0 or 1, class
// weights w0 and w1). The score must not be NaN.
func gradientRow(score, label, w0, w1 float64) [2]float32 {
	lab, w := -1.0, w0
	if label == 1 {
		lab, w = 1, w1
	}
	x := min(max(lab*score, -700), 700)
	k := math.RoundToEven(float64(x * gradLog2e))
	r := float64(x-float64(k*gradLn2Hi)) - float64(k*gradLn2Lo)
	p := gradC12
	for _, c := range [...]float64{gradC11, gradC10, gradC9, gradC8, gradC7, gradC6, gradC5, gradC4, gradC3, gradC2, 1, 1} {
		p = float64(p*r) + c
	}
	e := p * math.Float64frombits(uint64(int64(k)+1023)<<52)
	resp := -lab / (1 + e)
	a := math.Abs(resp)
	return [2]float32{float32(resp * w), float32(float64(a*(1-a)) * w)}
}

// gradientsGo is the portable gradient pass over rows 0..len(score)-1.
func gradientsGo(score, labels []float64, out [][2]float32, w0, w1 float64) {
	labels, out = labels[:len(score)], out[:len(score)]
	for i, s := range score {
		out[i] = gradientRow(s, labels[i], w0, w1)
	}
}
