//go:build !purego

#include "textflag.h"

// Constants of the gradient kernel, each repeated four times (one YMM
// register): 1, -1, the clamp -700 and 700, log2(e), ln(2) split in a high
// part (low 32 bits zero, so k*ln2Hi is exact) and a low part, the float64
// sign mask, the exponent bias 1023, then 1/k! for k = 12 down to 2. The
// same constants are in grad.go.
DATA gradk<>+0(SB)/8, $0x3ff0000000000000
DATA gradk<>+8(SB)/8, $0x3ff0000000000000
DATA gradk<>+16(SB)/8, $0x3ff0000000000000
DATA gradk<>+24(SB)/8, $0x3ff0000000000000
DATA gradk<>+32(SB)/8, $0xbff0000000000000
DATA gradk<>+40(SB)/8, $0xbff0000000000000
DATA gradk<>+48(SB)/8, $0xbff0000000000000
DATA gradk<>+56(SB)/8, $0xbff0000000000000
DATA gradk<>+64(SB)/8, $0xc085e00000000000
DATA gradk<>+72(SB)/8, $0xc085e00000000000
DATA gradk<>+80(SB)/8, $0xc085e00000000000
DATA gradk<>+88(SB)/8, $0xc085e00000000000
DATA gradk<>+96(SB)/8, $0x4085e00000000000
DATA gradk<>+104(SB)/8, $0x4085e00000000000
DATA gradk<>+112(SB)/8, $0x4085e00000000000
DATA gradk<>+120(SB)/8, $0x4085e00000000000
DATA gradk<>+128(SB)/8, $0x3ff71547652b82fe
DATA gradk<>+136(SB)/8, $0x3ff71547652b82fe
DATA gradk<>+144(SB)/8, $0x3ff71547652b82fe
DATA gradk<>+152(SB)/8, $0x3ff71547652b82fe
DATA gradk<>+160(SB)/8, $0x3fe62e42fee00000
DATA gradk<>+168(SB)/8, $0x3fe62e42fee00000
DATA gradk<>+176(SB)/8, $0x3fe62e42fee00000
DATA gradk<>+184(SB)/8, $0x3fe62e42fee00000
DATA gradk<>+192(SB)/8, $0x3dea39ef35793c76
DATA gradk<>+200(SB)/8, $0x3dea39ef35793c76
DATA gradk<>+208(SB)/8, $0x3dea39ef35793c76
DATA gradk<>+216(SB)/8, $0x3dea39ef35793c76
DATA gradk<>+224(SB)/8, $0x7fffffffffffffff
DATA gradk<>+232(SB)/8, $0x7fffffffffffffff
DATA gradk<>+240(SB)/8, $0x7fffffffffffffff
DATA gradk<>+248(SB)/8, $0x7fffffffffffffff
DATA gradk<>+256(SB)/8, $1023
DATA gradk<>+264(SB)/8, $1023
DATA gradk<>+272(SB)/8, $1023
DATA gradk<>+280(SB)/8, $1023
DATA gradk<>+288(SB)/8, $0x3e21eed8eff8d898
DATA gradk<>+296(SB)/8, $0x3e21eed8eff8d898
DATA gradk<>+304(SB)/8, $0x3e21eed8eff8d898
DATA gradk<>+312(SB)/8, $0x3e21eed8eff8d898
DATA gradk<>+320(SB)/8, $0x3e5ae64567f544e4
DATA gradk<>+328(SB)/8, $0x3e5ae64567f544e4
DATA gradk<>+336(SB)/8, $0x3e5ae64567f544e4
DATA gradk<>+344(SB)/8, $0x3e5ae64567f544e4
DATA gradk<>+352(SB)/8, $0x3e927e4fb7789f5c
DATA gradk<>+360(SB)/8, $0x3e927e4fb7789f5c
DATA gradk<>+368(SB)/8, $0x3e927e4fb7789f5c
DATA gradk<>+376(SB)/8, $0x3e927e4fb7789f5c
DATA gradk<>+384(SB)/8, $0x3ec71de3a556c734
DATA gradk<>+392(SB)/8, $0x3ec71de3a556c734
DATA gradk<>+400(SB)/8, $0x3ec71de3a556c734
DATA gradk<>+408(SB)/8, $0x3ec71de3a556c734
DATA gradk<>+416(SB)/8, $0x3efa01a01a01a01a
DATA gradk<>+424(SB)/8, $0x3efa01a01a01a01a
DATA gradk<>+432(SB)/8, $0x3efa01a01a01a01a
DATA gradk<>+440(SB)/8, $0x3efa01a01a01a01a
DATA gradk<>+448(SB)/8, $0x3f2a01a01a01a01a
DATA gradk<>+456(SB)/8, $0x3f2a01a01a01a01a
DATA gradk<>+464(SB)/8, $0x3f2a01a01a01a01a
DATA gradk<>+472(SB)/8, $0x3f2a01a01a01a01a
DATA gradk<>+480(SB)/8, $0x3f56c16c16c16c17
DATA gradk<>+488(SB)/8, $0x3f56c16c16c16c17
DATA gradk<>+496(SB)/8, $0x3f56c16c16c16c17
DATA gradk<>+504(SB)/8, $0x3f56c16c16c16c17
DATA gradk<>+512(SB)/8, $0x3f81111111111111
DATA gradk<>+520(SB)/8, $0x3f81111111111111
DATA gradk<>+528(SB)/8, $0x3f81111111111111
DATA gradk<>+536(SB)/8, $0x3f81111111111111
DATA gradk<>+544(SB)/8, $0x3fa5555555555555
DATA gradk<>+552(SB)/8, $0x3fa5555555555555
DATA gradk<>+560(SB)/8, $0x3fa5555555555555
DATA gradk<>+568(SB)/8, $0x3fa5555555555555
DATA gradk<>+576(SB)/8, $0x3fc5555555555555
DATA gradk<>+584(SB)/8, $0x3fc5555555555555
DATA gradk<>+592(SB)/8, $0x3fc5555555555555
DATA gradk<>+600(SB)/8, $0x3fc5555555555555
DATA gradk<>+608(SB)/8, $0x3fe0000000000000
DATA gradk<>+616(SB)/8, $0x3fe0000000000000
DATA gradk<>+624(SB)/8, $0x3fe0000000000000
DATA gradk<>+632(SB)/8, $0x3fe0000000000000
GLOBL gradk<>(SB), RODATA|NOPTR, $640

// func gradientsAVX2(score *float64, labels *float64, out *[2]float32, n int, w *[2]float64)
//
// Four rows at a time, the operations of gradientRow (grad.go) in the same
// order and rounding, so both give the same bits: x = lab*score clamped to
// [-700, 700]; e**x = 2**k * p(r) with k = round(x*log2(e)), r = x -
// k*ln2Hi - k*ln2Lo and p the degree-12 Taylor polynomial (Horner); resp =
// -lab/(1+e**x); gradient resp*w, hessian |resp|*(1-|resp|)*w, rounded to
// float32 and stored as pairs. n must be a multiple of 4. No FMA: fused
// products would round differently from the Go code.
TEXT ·gradientsAVX2(SB), NOSPLIT, $0-40
	MOVQ score+0(FP), SI
	MOVQ labels+8(FP), DX
	MOVQ out+16(FP), DI
	MOVQ n+24(FP), CX
	MOVQ w+32(FP), AX
	VBROADCASTSD 0(AX), Y14
	VBROADCASTSD 8(AX), Y15
	VMOVUPD gradk<>+0(SB), Y13
	VMOVUPD gradk<>+32(SB), Y12
	SHRQ $2, CX
	JZ   gdone

gloop:
	VMOVUPD  (DX), Y0
	VCMPPD   $0, Y13, Y0, Y1          // label == 1
	VBLENDVPD Y1, Y13, Y12, Y2        // lab = label == 1 ? 1 : -1
	VBLENDVPD Y1, Y15, Y14, Y3        // w = label == 1 ? w1 : w0
	VMULPD   (SI), Y2, Y4             // x = lab * score
	VMAXPD   gradk<>+64(SB), Y4, Y4
	VMINPD   gradk<>+96(SB), Y4, Y4
	VMULPD   gradk<>+128(SB), Y4, Y5
	VROUNDPD $0, Y5, Y5               // k, to nearest even
	VMULPD   gradk<>+160(SB), Y5, Y6
	VSUBPD   Y6, Y4, Y4
	VMULPD   gradk<>+192(SB), Y5, Y6
	VSUBPD   Y6, Y4, Y4               // r
	VMOVUPD  gradk<>+288(SB), Y7
	VMULPD   Y4, Y7, Y7
	VADDPD   gradk<>+320(SB), Y7, Y7
	VMULPD   Y4, Y7, Y7
	VADDPD   gradk<>+352(SB), Y7, Y7
	VMULPD   Y4, Y7, Y7
	VADDPD   gradk<>+384(SB), Y7, Y7
	VMULPD   Y4, Y7, Y7
	VADDPD   gradk<>+416(SB), Y7, Y7
	VMULPD   Y4, Y7, Y7
	VADDPD   gradk<>+448(SB), Y7, Y7
	VMULPD   Y4, Y7, Y7
	VADDPD   gradk<>+480(SB), Y7, Y7
	VMULPD   Y4, Y7, Y7
	VADDPD   gradk<>+512(SB), Y7, Y7
	VMULPD   Y4, Y7, Y7
	VADDPD   gradk<>+544(SB), Y7, Y7
	VMULPD   Y4, Y7, Y7
	VADDPD   gradk<>+576(SB), Y7, Y7
	VMULPD   Y4, Y7, Y7
	VADDPD   gradk<>+608(SB), Y7, Y7
	VMULPD   Y4, Y7, Y7
	VADDPD   Y13, Y7, Y7              // + 1/1!
	VMULPD   Y4, Y7, Y7
	VADDPD   Y13, Y7, Y7              // + 1/0!
	VCVTPD2DQY Y5, X8
	VPMOVSXDQ X8, Y8
	VPADDQ   gradk<>+256(SB), Y8, Y8
	VPSLLQ   $52, Y8, Y8              // 2**k
	VMULPD   Y8, Y7, Y7               // e**x
	VADDPD   Y13, Y7, Y7              // 1 + e**x
	VXORPD   Y9, Y9, Y9
	VSUBPD   Y2, Y9, Y9               // -lab
	VDIVPD   Y7, Y9, Y9               // resp
	VANDPD   gradk<>+224(SB), Y9, Y10      // |resp|
	VMULPD   Y3, Y9, Y9               // gradient
	VSUBPD   Y10, Y13, Y11
	VMULPD   Y11, Y10, Y10
	VMULPD   Y3, Y10, Y10             // hessian
	VCVTPD2PSY Y9, X9
	VCVTPD2PSY Y10, X10
	VUNPCKLPS X10, X9, X11
	VUNPCKHPS X10, X9, X6
	VMOVUPS  X11, (DI)
	VMOVUPS  X6, 16(DI)
	ADDQ     $32, SI
	ADDQ     $32, DX
	ADDQ     $32, DI
	DECQ     CX
	JNZ      gloop

gdone:
	VZEROUPPER
	RET

// func gradientsAVX512(score *float64, labels *float64, out *[2]float32, n int, w *[2]float64)
//
// gradientsAVX2 eight rows at a time (n a multiple of 8), the same
// operations lane by lane, so the same bits; the constants stay in
// registers (Z11-Z31, Z1).
TEXT ·gradientsAVX512(SB), NOSPLIT, $0-40
	MOVQ score+0(FP), SI
	MOVQ labels+8(FP), DX
	MOVQ out+16(FP), DI
	MOVQ n+24(FP), CX
	MOVQ w+32(FP), AX
	VBROADCASTSD 0(AX), Z30           // w0
	VBROADCASTSD 8(AX), Z31           // w1
	VBROADCASTSD gradk<>+0(SB), Z29   // 1
	VBROADCASTSD gradk<>+32(SB), Z28  // -1
	VBROADCASTSD gradk<>+64(SB), Z27  // -700
	VBROADCASTSD gradk<>+96(SB), Z26  // 700
	VBROADCASTSD gradk<>+128(SB), Z25 // log2(e)
	VBROADCASTSD gradk<>+160(SB), Z24 // ln2Hi
	VBROADCASTSD gradk<>+192(SB), Z23 // ln2Lo
	VPBROADCASTQ gradk<>+224(SB), Z1  // sign mask
	VPBROADCASTQ gradk<>+256(SB), Z22 // 1023
	VBROADCASTSD gradk<>+288(SB), Z21 // 1/12!
	VBROADCASTSD gradk<>+320(SB), Z20
	VBROADCASTSD gradk<>+352(SB), Z19
	VBROADCASTSD gradk<>+384(SB), Z18
	VBROADCASTSD gradk<>+416(SB), Z17
	VBROADCASTSD gradk<>+448(SB), Z16
	VBROADCASTSD gradk<>+480(SB), Z15
	VBROADCASTSD gradk<>+512(SB), Z14
	VBROADCASTSD gradk<>+544(SB), Z13
	VBROADCASTSD gradk<>+576(SB), Z12
	VBROADCASTSD gradk<>+608(SB), Z11 // 1/2!
	SHRQ $3, CX
	JZ   zdone

zloop:
	VMOVUPD   (DX), Z0
	VCMPPD    $0, Z29, Z0, K1         // label == 1
	VBLENDMPD Z29, Z28, K1, Z2        // lab = label == 1 ? 1 : -1
	VBLENDMPD Z31, Z30, K1, Z3        // w = label == 1 ? w1 : w0
	VMULPD    (SI), Z2, Z4            // x = lab * score
	VMAXPD    Z27, Z4, Z4
	VMINPD    Z26, Z4, Z4
	VMULPD    Z25, Z4, Z5
	VRNDSCALEPD $0, Z5, Z5            // k, to nearest even
	VMULPD    Z24, Z5, Z6
	VSUBPD    Z6, Z4, Z4
	VMULPD    Z23, Z5, Z6
	VSUBPD    Z6, Z4, Z4              // r
	VMULPD    Z4, Z21, Z7
	VADDPD    Z20, Z7, Z7
	VMULPD    Z4, Z7, Z7
	VADDPD    Z19, Z7, Z7
	VMULPD    Z4, Z7, Z7
	VADDPD    Z18, Z7, Z7
	VMULPD    Z4, Z7, Z7
	VADDPD    Z17, Z7, Z7
	VMULPD    Z4, Z7, Z7
	VADDPD    Z16, Z7, Z7
	VMULPD    Z4, Z7, Z7
	VADDPD    Z15, Z7, Z7
	VMULPD    Z4, Z7, Z7
	VADDPD    Z14, Z7, Z7
	VMULPD    Z4, Z7, Z7
	VADDPD    Z13, Z7, Z7
	VMULPD    Z4, Z7, Z7
	VADDPD    Z12, Z7, Z7
	VMULPD    Z4, Z7, Z7
	VADDPD    Z11, Z7, Z7
	VMULPD    Z4, Z7, Z7
	VADDPD    Z29, Z7, Z7             // + 1/1!
	VMULPD    Z4, Z7, Z7
	VADDPD    Z29, Z7, Z7             // + 1/0!
	VCVTPD2DQ Z5, Y8
	VPMOVSXDQ Y8, Z8
	VPADDQ    Z22, Z8, Z8
	VPSLLQ    $52, Z8, Z8             // 2**k
	VMULPD    Z8, Z7, Z7              // e**x
	VADDPD    Z29, Z7, Z7             // 1 + e**x
	VPXORQ    Z9, Z9, Z9
	VSUBPD    Z2, Z9, Z9              // -lab
	VDIVPD    Z7, Z9, Z9              // resp
	VPANDQ    Z1, Z9, Z0              // |resp|
	VMULPD    Z3, Z9, Z9              // gradient
	VSUBPD    Z0, Z29, Z6
	VMULPD    Z6, Z0, Z0
	VMULPD    Z3, Z0, Z0              // hessian
	VCVTPD2PS Z9, Y9
	VCVTPD2PS Z0, Y0
	VUNPCKLPS Y0, Y9, Y6              // rows 0, 1 | 4, 5
	VUNPCKHPS Y0, Y9, Y8              // rows 2, 3 | 6, 7
	VMOVUPS   X6, (DI)
	VMOVUPS   X8, 16(DI)
	VEXTRACTF128 $1, Y6, 32(DI)
	VEXTRACTF128 $1, Y8, 48(DI)
	ADDQ      $64, SI
	ADDQ      $64, DX
	ADDQ      $64, DI
	DECQ      CX
	JNZ       zloop

zdone:
	VZEROUPPER
	RET
