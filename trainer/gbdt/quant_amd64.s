//go:build !purego

#include "textflag.h"

// The quantized histogram kernels (quant.go): a bin is a packed integer
// pair (gradient high, hessian low) and a row adds its packed pair with one
// integer ADD to memory, for k = 1, 2 or 4 features per pass over the rows.
// Integer sums do not depend on the order of the adds, so these give the
// same bins as gatherQGo and contigQGo.
//
// Arguments: hs *[4]*bins, cols *[4]*uint8, rows *int32, vals *T, n int.
// gather: for i in [0, n): hs[j][cols[j][rows[i]]] += vals[i].
// contig (no rows): hs[j][cols[j][i]] += vals[i].

#define LOADK4 \
	MOVQ hs+0(FP), AX; MOVQ 0(AX), DI; MOVQ 8(AX), R13; MOVQ 16(AX), R14; MOVQ 24(AX), R15; \
	MOVQ cols+8(FP), AX; MOVQ 0(AX), SI; MOVQ 8(AX), R10; MOVQ 16(AX), R11; MOVQ 24(AX), R12

#define LOADK2 \
	MOVQ hs+0(FP), AX; MOVQ 0(AX), DI; MOVQ 8(AX), R13; \
	MOVQ cols+8(FP), AX; MOVQ 0(AX), SI; MOVQ 8(AX), R10

#define LOADK1 \
	MOVQ hs+0(FP), AX; MOVQ 0(AX), DI; \
	MOVQ cols+8(FP), AX; MOVQ 0(AX), SI

// ADD64 / ADD32: bin cols[j][AX] of histogram h gets DX.
#define ADD64(col, h) MOVBQZX (col)(AX*1), BX; ADDQ DX, (h)(BX*8)
#define ADD32(col, h) MOVBQZX (col)(AX*1), BX; ADDL DX, (h)(BX*4)

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
	ADD32(SI, DI)
	ADD32(R10, R13)
	ADD32(R11, R14)
	ADD32(R12, R15)
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
