//go:build !purego

#include "textflag.h"

// The quantized histogram kernels (quant.go): a bin is a packed integer
// pair (gradient high, hessian low) and a row adds its packed pair with one
// integer ADD to memory. Integer sums do not depend on the order of the
// adds, so these give the same bins as contigQGo and rowsQGo.
//
// contig, for k = 1, 2, 3 or 4 features per pass over consecutive rows:
// hs[j][cols[j][i]] += vals[i] for i in [0, n); arguments hs *[4]*bins,
// cols *[4]*uint8, vals *int64, n int.
//
// rows (qrows64, qrows32), for the rows of any other leaf, reading the
// row-major bins: row r's bins of k consecutive features are
// mat[r*stride : r*stride+k] (one or two cache lines, where the columns
// would take k: a leaf's rows are spread over the whole table, so the
// columns read every cache line of their span whatever the leaf's size),
// feature j's bins are h's 256 bins from byte j*2048, and the row's pair
// is q16[r], 16 bits (quantizer.q16: int8 gradient high, uint8 hessian
// low), unpacked to an int64 pair (an int32 pair in qrows32):
// for i in [0, n): r = rows[i]; for j in [0, k): h_j[mat[r*stride+j]] += pair(q16[r]).
// Each row first prefetches the bins and the pair of the row
// prefetchAhead (16) rows ahead, which must be readable. Arguments:
// h *int64, mat *uint8, stride, k int, rows *int32, q16 *uint16, n int.

#define LOADK4 \
	MOVQ hs+0(FP), AX; MOVQ 0(AX), DI; MOVQ 8(AX), R13; MOVQ 16(AX), R14; MOVQ 24(AX), R15; \
	MOVQ cols+8(FP), AX; MOVQ 0(AX), SI; MOVQ 8(AX), R10; MOVQ 16(AX), R11; MOVQ 24(AX), R12

#define LOADK3 \
	MOVQ hs+0(FP), AX; MOVQ 0(AX), DI; MOVQ 8(AX), R13; MOVQ 16(AX), R14; \
	MOVQ cols+8(FP), AX; MOVQ 0(AX), SI; MOVQ 8(AX), R10; MOVQ 16(AX), R11

#define LOADK2 \
	MOVQ hs+0(FP), AX; MOVQ 0(AX), DI; MOVQ 8(AX), R13; \
	MOVQ cols+8(FP), AX; MOVQ 0(AX), SI; MOVQ 8(AX), R10

#define LOADK1 \
	MOVQ hs+0(FP), AX; MOVQ 0(AX), DI; \
	MOVQ cols+8(FP), AX; MOVQ 0(AX), SI

// ADD64: bin cols[j][AX] of histogram h gets DX.
#define ADD64(col, h) MOVBQZX (col)(AX*1), BX; ADDQ DX, (h)(BX*8)

// ROWSETUP: DI = h, SI = mat, R12 = stride, R14 = k/4, R15 = k%4, R8 = rows,
// R9 = q16, R11 = the end of rows.
#define ROWSETUP \
	MOVQ h+0(FP), DI; MOVQ mat+8(FP), SI; MOVQ stride+16(FP), R12; \
	MOVQ k+24(FP), R14; MOVQ R14, R15; SHRQ $2, R14; ANDQ $3, R15; \
	MOVQ rows+32(FP), R8; MOVQ q16+40(FP), R9; MOVQ n+48(FP), R11; \
	LEAQ (R8)(R11*4), R11

// ROWHEAD: prefetches row i+16's pair and bins (the cache lines of the
// row's first and last bytes: at a stride of 30, nearly half the rows
// straddle two lines; on 800k rows the second prefetch took 2-14 % off
// BenchmarkQuantLeaf at every step); for r = rows[i] (R8): DX =
// the gradient (sign-extended), R10 = the hessian, BX = &mat[r*stride],
// R13 = h, CX = k/4.
#define ROWHEAD \
	MOVLQSX 64(R8), AX; PREFETCHT0 (R9)(AX*2); IMULQ R12, AX; PREFETCHT0 (SI)(AX*1); LEAQ (SI)(AX*1), BX; PREFETCHT0 -1(BX)(R12*1); \
	MOVLQSX (R8), AX; MOVBQSX 1(R9)(AX*2), DX; MOVBQZX 0(R9)(AX*2), R10; \
	IMULQ R12, AX; LEAQ (SI)(AX*1), BX; \
	MOVQ DI, R13; MOVQ R14, CX

// func qcontig64x4(hs *[4]*[256]int64, cols *[4]*uint8, vals *int64, n int)
TEXT ·qcontig64x4(SB), NOSPLIT, $0-32
	LOADK4
	MOVQ vals+16(FP), R9
	MOVQ n+24(FP), CX
	TESTQ CX, CX
	JLE  done
	XORQ AX, AX
loop:
	MOVQ (R9)(AX*8), DX
	ADD64(SI, DI)
	ADD64(R10, R13)
	ADD64(R11, R14)
	ADD64(R12, R15)
	INCQ AX
	CMPQ AX, CX
	JLT  loop
done:
	RET

// func qcontig64x2(hs *[4]*[256]int64, cols *[4]*uint8, vals *int64, n int)
TEXT ·qcontig64x2(SB), NOSPLIT, $0-32
	LOADK2
	MOVQ vals+16(FP), R9
	MOVQ n+24(FP), CX
	TESTQ CX, CX
	JLE  done
	XORQ AX, AX
loop:
	MOVQ (R9)(AX*8), DX
	ADD64(SI, DI)
	ADD64(R10, R13)
	INCQ AX
	CMPQ AX, CX
	JLT  loop
done:
	RET

// func qcontig64x1(hs *[4]*[256]int64, cols *[4]*uint8, vals *int64, n int)
TEXT ·qcontig64x1(SB), NOSPLIT, $0-32
	LOADK1
	MOVQ vals+16(FP), R9
	MOVQ n+24(FP), CX
	TESTQ CX, CX
	JLE  done
	XORQ AX, AX
loop:
	MOVQ (R9)(AX*8), DX
	ADD64(SI, DI)
	INCQ AX
	CMPQ AX, CX
	JLT  loop
done:
	RET

// func qcontig64x3(hs *[4]*[256]int64, cols *[4]*uint8, vals *int64, n int)
TEXT ·qcontig64x3(SB), NOSPLIT, $0-32
	LOADK3
	MOVQ vals+16(FP), R9
	MOVQ n+24(FP), CX
	TESTQ CX, CX
	JLE  done
	XORQ AX, AX
loop:
	MOVQ (R9)(AX*8), DX
	ADD64(SI, DI)
	ADD64(R10, R13)
	ADD64(R11, R14)
	INCQ AX
	CMPQ AX, CX
	JLT  loop
done:
	RET

// The even and odd float32 lanes of 8 (gradient, hessian) pairs.
DATA evenodd<>+0(SB)/4, $0
DATA evenodd<>+4(SB)/4, $2
DATA evenodd<>+8(SB)/4, $4
DATA evenodd<>+12(SB)/4, $6
DATA evenodd<>+16(SB)/4, $8
DATA evenodd<>+20(SB)/4, $10
DATA evenodd<>+24(SB)/4, $12
DATA evenodd<>+28(SB)/4, $14
DATA evenodd<>+32(SB)/4, $0
DATA evenodd<>+36(SB)/4, $0
DATA evenodd<>+40(SB)/4, $0
DATA evenodd<>+44(SB)/4, $0
DATA evenodd<>+48(SB)/4, $0
DATA evenodd<>+52(SB)/4, $0
DATA evenodd<>+56(SB)/4, $0
DATA evenodd<>+60(SB)/4, $0
DATA evenodd<>+64(SB)/4, $1
DATA evenodd<>+68(SB)/4, $3
DATA evenodd<>+72(SB)/4, $5
DATA evenodd<>+76(SB)/4, $7
DATA evenodd<>+80(SB)/4, $9
DATA evenodd<>+84(SB)/4, $11
DATA evenodd<>+88(SB)/4, $13
DATA evenodd<>+92(SB)/4, $15
DATA evenodd<>+96(SB)/4, $0
DATA evenodd<>+100(SB)/4, $0
DATA evenodd<>+104(SB)/4, $0
DATA evenodd<>+108(SB)/4, $0
DATA evenodd<>+112(SB)/4, $0
DATA evenodd<>+116(SB)/4, $0
DATA evenodd<>+120(SB)/4, $0
DATA evenodd<>+124(SB)/4, $0
GLOBL evenodd<>(SB), RODATA|NOPTR, $128

// func discretizeAVX512(q *int64, q16 *uint16, gh *[2]float32, n int, a *discretizeArgs)
// discretizeRows with stochastic rounding, 8 rows per pass (n a multiple
// of 8): splitmix64's finaliser of each row's hash input, its high and low
// 32 bits as uniforms, gradient*ig plus the uniform with the gradient's
// sign, hessian*ih plus the other, each product and sum rounded on its own
// (no FMA), truncated, clamped and packed.
TEXT ·discretizeAVX512(SB), NOSPLIT, $0-40
	MOVQ q+0(FP), DI
	MOVQ q16+8(FP), DX
	MOVQ gh+16(FP), SI
	MOVQ n+24(FP), CX
	MOVQ a+32(FP), AX
	TESTQ CX, CX
	JLE  ddone
	VMOVDQU64    0(AX), Z0  // hash inputs
	VPBROADCASTQ 64(AX), Z1 // ig
	VPBROADCASTQ 72(AX), Z2 // ih
	VPBROADCASTQ 80(AX), Z3 // half
	VPXORQ       Z4, Z4, Z4
	VPSUBQ       Z3, Z4, Z4 // -half
	VPBROADCASTQ 88(AX), Z5 // hmax
	VPBROADCASTQ 96(AX), Z6 // 8 * rowStride
	MOVQ         $0xbf58476d1ce4e5b9, BX
	VPBROADCASTQ BX, Z7
	MOVQ         $0x94d049bb133111eb, BX
	VPBROADCASTQ BX, Z8
	MOVQ         $0x3df0000000000000, BX // 2^-32
	VPBROADCASTQ BX, Z9
	MOVQ         $0x8000000000000000, BX // float64 sign
	VPBROADCASTQ BX, Z10
	MOVQ         $0xffffffff, BX
	VPBROADCASTQ BX, Z11
	VMOVDQU32    evenodd<>+0(SB), Z12
	VMOVDQU32    evenodd<>+64(SB), Z13
dloop:
	// r = mix64(hash input)
	VPSRLQ  $30, Z0, Z14
	VPXORQ  Z0, Z14, Z14
	VPMULLQ Z7, Z14, Z14
	VPSRLQ  $27, Z14, Z15
	VPXORQ  Z14, Z15, Z14
	VPMULLQ Z8, Z14, Z14
	VPSRLQ  $31, Z14, Z15
	VPXORQ  Z14, Z15, Z14
	VPADDQ  Z6, Z0, Z0
	// ug = float64(r>>32) * 2^-32, uh = float64(uint32(r)) * 2^-32
	VPSRLQ    $32, Z14, Z15
	VCVTQQ2PD Z15, Z15
	VMULPD    Z9, Z15, Z15
	VPANDQ    Z11, Z14, Z14
	VCVTQQ2PD Z14, Z14
	VMULPD    Z9, Z14, Z14
	// the 8 gradients and hessians as float64
	VMOVUPS   (SI), Z16
	VPERMD    Z16, Z12, Z17
	VCVTPS2PD Y17, Z17
	VPERMD    Z16, Z13, Z18
	VCVTPS2PD Y18, Z18
	// gradient: trunc(g*ig + copysign(ug, g*ig)), clamped to [-half, half]
	VMULPD     Z1, Z17, Z17
	VPANDQ     Z10, Z17, Z19
	VPORQ      Z19, Z15, Z15
	VADDPD     Z15, Z17, Z17
	VCVTTPD2QQ Z17, Z17
	VPMAXSQ    Z4, Z17, Z17
	VPMINSQ    Z3, Z17, Z17
	VPSLLQ     $32, Z17, Z17
	// hessian: min(trunc(h*ih + uh), hmax)
	VMULPD     Z2, Z18, Z18
	VADDPD     Z14, Z18, Z18
	VCVTTPD2QQ Z18, Z18
	VPMINSQ    Z5, Z18, Z18
	VPADDQ     Z18, Z17, Z17
	VMOVDQU64  Z17, (DI)
	// q16 (pack16): the gradient's low byte over the hessian's
	VPSRLQ     $24, Z17, Z19
	VPORQ      Z18, Z19, Z19
	VPMOVQW    Z19, X19
	VMOVDQU64  X19, (DX)
	ADDQ $64, SI
	ADDQ $64, DI
	ADDQ $16, DX
	SUBQ $8, CX
	JNZ  dloop
	VZEROUPPER
ddone:
	RET

// func maxAbsAVX512(gh *[2]float32, n int, m *[2]uint32)
// m[0], m[1] raised to the largest gradient and hessian bits without the
// sign over n (a multiple of 8) pairs: 16 lanes of unsigned maxima, even
// lanes gradients and odd lanes hessians, folded at the end.
TEXT ·maxAbsAVX512(SB), NOSPLIT, $0-24
	MOVQ gh+0(FP), SI
	MOVQ n+8(FP), CX
	MOVQ m+16(FP), DI
	VPBROADCASTQ (DI), Z0 // m[0], m[1] in every even and odd lane
	MOVL         $0x7fffffff, BX
	VPBROADCASTD BX, Z1
	TESTQ CX, CX
	JLE   mfold
mloop:
	VPANDD  (SI), Z1, Z2
	VPMAXUD Z2, Z0, Z0
	ADDQ    $64, SI
	SUBQ    $8, CX
	JNZ     mloop
mfold:
	// 16 lanes -> 2: halves folded (pairs stay in even/odd position)
	VEXTRACTI64X4 $1, Z0, Y2
	VPMAXUD       Y2, Y0, Y0
	VEXTRACTI128  $1, Y0, X2
	VPMAXUD       X2, X0, X0
	VPSHUFD       $0x0e, X0, X2
	VPMAXUD       X2, X0, X0
	VMOVQ         X0, (DI)
	VZEROUPPER
	RET

// ROWADD: feature j's bin of the row (BX) gets the pair DX, with the add
// instruction and bin size of the width (ADDQ, 8 or ADDL, 4).
#define ROWADD(add, size, j, off) MOVBQZX j(BX), R10; add DX, off(R13)(R10*size)

// ROWFEATS: the row's k features (CX = k/4 runs of four, then R15 singles),
// then the next row until R11. Its labels are the function's own.
#define ROWFEATS(add, size) \
	TESTQ CX, CX; JZ rest; \
quad: \
	ROWADD(add, size, 0, 0); ROWADD(add, size, 1, 2048); ROWADD(add, size, 2, 4096); ROWADD(add, size, 3, 6144); \
	ADDQ $4, BX; ADDQ $8192, R13; DECQ CX; JNZ quad; \
rest: \
	MOVQ R15, CX; TESTQ CX, CX; JZ next; \
one: \
	ROWADD(add, size, 0, 0); INCQ BX; ADDQ $2048, R13; DECQ CX; JNZ one; \
next: \
	ADDQ $4, R8; CMPQ R8, R11; JB row

// func qrows64(h *int64, mat *uint8, stride, k int, rows *int32, q16 *uint16, n int)
TEXT ·qrows64(SB), NOSPLIT, $0-56
	ROWSETUP
	CMPQ R8, R11
	JAE  done
row:
	ROWHEAD
	SHLQ $32, DX
	ADDQ R10, DX
	ROWFEATS(ADDQ, 8)
done:
	RET

// func qrows32(h *int64, mat *uint8, stride, k int, rows *int32, q16 *uint16, n int)
// int32 bins (qhist32: a feature's first 1024 bytes) of int32 pairs, as
// narrow makes them: gradient << 16 + hessian.
TEXT ·qrows32(SB), NOSPLIT, $0-56
	ROWSETUP
	CMPQ R8, R11
	JAE  done
row:
	ROWHEAD
	SHLL $16, DX
	ADDL R10, DX
	ROWFEATS(ADDL, 4)
done:
	RET
