//go:build !purego

#include "textflag.h"

// The quantized histogram kernels (quant.go): a bin is a packed integer
// pair (gradient high, hessian low) and a row adds its packed pair with one
// integer ADD to memory, for k = 1, 2, 3 or 4 features per pass over the rows.
// Integer sums do not depend on the order of the adds, so these give the
// same bins as gatherQGo and contigQGo.
//
// Arguments: hs *[4]*bins, cols *[4]*uint8, rows *int32, vals *T, n int.
// gather: for i in [0, n): hs[j][cols[j][rows[i]]] += vals[i].
// contig (no rows): hs[j][cols[j][i]] += vals[i].

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

// ADD64 / ADD32: bin cols[j][AX] of histogram h gets DX.
#define ADD64(col, h) MOVBQZX (col)(AX*1), BX; ADDQ DX, (h)(BX*8)
#define ADD32(col, h) MOVBQZX (col)(AX*1), BX; ADDL DX, (h)(BX*4)
#define ADD32X4 ADD32(SI, DI); ADD32(R10, R13); ADD32(R11, R14); ADD32(R12, R15)

// func qgather64x4(hs *[4]*[256]int64, cols *[4]*uint8, rows *int32, vals *int64, n int)
TEXT ·qgather64x4(SB), NOSPLIT, $0-40
	LOADK4
	MOVQ rows+16(FP), R8
	MOVQ vals+24(FP), R9
	MOVQ n+32(FP), CX
	TESTQ CX, CX
	JLE  done
loop:
	MOVLQSX (R8), AX
	MOVQ    (R9), DX
	ADD64(SI, DI)
	ADD64(R10, R13)
	ADD64(R11, R14)
	ADD64(R12, R15)
	ADDQ $4, R8
	ADDQ $8, R9
	DECQ CX
	JNZ  loop
done:
	RET

// func qgather64x2(hs *[4]*[256]int64, cols *[4]*uint8, rows *int32, vals *int64, n int)
TEXT ·qgather64x2(SB), NOSPLIT, $0-40
	LOADK2
	MOVQ rows+16(FP), R8
	MOVQ vals+24(FP), R9
	MOVQ n+32(FP), CX
	TESTQ CX, CX
	JLE  done
loop:
	MOVLQSX (R8), AX
	MOVQ    (R9), DX
	ADD64(SI, DI)
	ADD64(R10, R13)
	ADDQ $4, R8
	ADDQ $8, R9
	DECQ CX
	JNZ  loop
done:
	RET

// func qgather64x1(hs *[4]*[256]int64, cols *[4]*uint8, rows *int32, vals *int64, n int)
TEXT ·qgather64x1(SB), NOSPLIT, $0-40
	LOADK1
	MOVQ rows+16(FP), R8
	MOVQ vals+24(FP), R9
	MOVQ n+32(FP), CX
	TESTQ CX, CX
	JLE  done
loop:
	MOVLQSX (R8), AX
	MOVQ    (R9), DX
	ADD64(SI, DI)
	ADDQ $4, R8
	ADDQ $8, R9
	DECQ CX
	JNZ  loop
done:
	RET

// func qgather32x4(hs *[4]*[256]int32, cols *[4]*uint8, rows *int32, vals *int32, n int)
TEXT ·qgather32x4(SB), NOSPLIT, $0-40
	LOADK4
	MOVQ rows+16(FP), R8
	MOVQ vals+24(FP), R9
	MOVQ n+32(FP), CX
	TESTQ CX, CX
	JLE  done
loop:
	MOVLQSX (R8), AX
	MOVL    (R9), DX
	ADD32X4
	ADDQ $4, R8
	ADDQ $4, R9
	DECQ CX
	JNZ  loop
done:
	RET

// func qgather32x2(hs *[4]*[256]int32, cols *[4]*uint8, rows *int32, vals *int32, n int)
TEXT ·qgather32x2(SB), NOSPLIT, $0-40
	LOADK2
	MOVQ rows+16(FP), R8
	MOVQ vals+24(FP), R9
	MOVQ n+32(FP), CX
	TESTQ CX, CX
	JLE  done
loop:
	MOVLQSX (R8), AX
	MOVL    (R9), DX
	ADD32(SI, DI)
	ADD32(R10, R13)
	ADDQ $4, R8
	ADDQ $4, R9
	DECQ CX
	JNZ  loop
done:
	RET

// func qgather32x1(hs *[4]*[256]int32, cols *[4]*uint8, rows *int32, vals *int32, n int)
TEXT ·qgather32x1(SB), NOSPLIT, $0-40
	LOADK1
	MOVQ rows+16(FP), R8
	MOVQ vals+24(FP), R9
	MOVQ n+32(FP), CX
	TESTQ CX, CX
	JLE  done
loop:
	MOVLQSX (R8), AX
	MOVL    (R9), DX
	ADD32(SI, DI)
	ADDQ $4, R8
	ADDQ $4, R9
	DECQ CX
	JNZ  loop
done:
	RET

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

// func qgather64x3(hs *[4]*[256]int64, cols *[4]*uint8, rows *int32, vals *int64, n int)
TEXT ·qgather64x3(SB), NOSPLIT, $0-40
	LOADK3
	MOVQ rows+16(FP), R8
	MOVQ vals+24(FP), R9
	MOVQ n+32(FP), CX
	TESTQ CX, CX
	JLE  done
loop:
	MOVLQSX (R8), AX
	MOVQ    (R9), DX
	ADD64(SI, DI)
	ADD64(R10, R13)
	ADD64(R11, R14)
	ADDQ $4, R8
	ADDQ $8, R9
	DECQ CX
	JNZ  loop
done:
	RET

// func qgather32x3(hs *[4]*[256]int32, cols *[4]*uint8, rows *int32, vals *int32, n int)
TEXT ·qgather32x3(SB), NOSPLIT, $0-40
	LOADK3
	MOVQ rows+16(FP), R8
	MOVQ vals+24(FP), R9
	MOVQ n+32(FP), CX
	TESTQ CX, CX
	JLE  done
loop:
	MOVLQSX (R8), AX
	MOVL    (R9), DX
	ADD32(SI, DI)
	ADD32(R10, R13)
	ADD32(R11, R14)
	ADDQ $4, R8
	ADDQ $4, R9
	DECQ CX
	JNZ  loop
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

// func discretizeAVX512(q *int64, gh *[2]float32, n int, a *discretizeArgs)
// discretizeRows with stochastic rounding, 8 rows per pass (n a multiple
// of 8): splitmix64's finaliser of each row's hash input, its high and low
// 32 bits as uniforms, gradient*ig plus the uniform with the gradient's
// sign, hessian*ih plus the other, each product and sum rounded on its own
// (no FMA), truncated, clamped and packed.
TEXT ·discretizeAVX512(SB), NOSPLIT, $0-32
	MOVQ q+0(FP), DI
	MOVQ gh+8(FP), SI
	MOVQ n+16(FP), CX
	MOVQ a+24(FP), AX
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
	ADDQ $64, SI
	ADDQ $64, DI
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

// func qgather32x4p(hs *[4]*[256]int32, cols *[4]*uint8, rows *int32, vals *int32, n int)
// qgather32x4 for sparse leaves: each row first prefetches the four bins of
// the row 16 ahead (rows[i+16] must be readable), whose cache lines the
// hardware prefetcher does not guess when rows are far apart.
TEXT ·qgather32x4p(SB), NOSPLIT, $0-40
	LOADK4
	MOVQ rows+16(FP), R8
	MOVQ vals+24(FP), R9
	MOVQ n+32(FP), CX
	TESTQ CX, CX
	JLE  done
loop:
	MOVLQSX 64(R8), DX
	PREFETCHT0 (SI)(DX*1)
	PREFETCHT0 (R10)(DX*1)
	PREFETCHT0 (R11)(DX*1)
	PREFETCHT0 (R12)(DX*1)
	MOVLQSX (R8), AX
	MOVL    (R9), DX
	ADD32X4
	ADDQ $4, R8
	ADDQ $4, R9
	DECQ CX
	JNZ  loop
done:
	RET
