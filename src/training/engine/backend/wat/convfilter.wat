;; Conv2D's filter gradient as one implicit GEMM over the wasm backend's memory, without im2col and without packing:
;; dW[r, o] = Σ_pixels x[pixel + offset(r)] · dy[pixel, o], where a row r = (fh, fw, c) of the filter reads x at a
;; fixed byte offset from each output pixel's top-left input value (the caller pads x, so every tap is in bounds).
;; Four rows × eight output channels (two vectors) are kept in registers over all output pixels of an image; an
;; image's sums are added onto dW, so the caller clears dW first. Rows are taken four at a time (the caller pads the
;; row table and dW to a multiple of 4 rows); output channels eight at a time, then four. Every sum runs over the
;; pixels in order, image by image: the results do not depend on anything but the inputs.
;; Compiled by `npm run build:wasm` (wabt's wat2wasm, SIMD) into convfilterWasm.ts; wasmConvFilterGrad.ts binds it.
(module
  (import "env" "memory" (memory 1))

  ;; filterGrad(x, dy, dw, rowOff, rowBlocks, outC, images, outH, outW, xImage, xRow, xCol)
  ;; x: the padded input (byte address); dy: images × outH × outW × outC; dw: (4 rowBlocks) × outC, rows of outC;
  ;; rowOff: 4 rowBlocks i32 byte offsets into an image of x; outC % 4 == 0; xImage, xRow, xCol: the bytes from one
  ;; image, output row and output column of x to the next.
  (func (export "filterGrad")
    (param $x i32) (param $dy i32) (param $dw i32) (param $rowOff i32) (param $rowBlocks i32) (param $outC i32)
    (param $images i32) (param $outH i32) (param $outW i32) (param $xImage i32) (param $xRow i32) (param $xCol i32)
    (local $pixel i32) (local $dyImage i32) (local $n i32) (local $rb i32) (local $cb i32) (local $oh i32)
    (local $ow i32) (local $xn i32) (local $dyn i32) (local $xp i32) (local $dyp i32)
    (local $o0 i32) (local $o1 i32) (local $o2 i32) (local $o3 i32)
    (local $w0 i32) (local $w1 i32) (local $w2 i32) (local $w3 i32)
    (local $a v128) (local $d0 v128) (local $d1 v128)
    (local $c00 v128) (local $c01 v128) (local $c10 v128) (local $c11 v128)
    (local $c20 v128) (local $c21 v128) (local $c30 v128) (local $c31 v128)
    (local.set $pixel (i32.shl (local.get $outC) (i32.const 2)))
    (local.set $dyImage (i32.mul (i32.mul (local.get $outH) (local.get $outW)) (local.get $pixel)))
    (block $images_done
      (loop $next_n
        (br_if $images_done (i32.ge_u (local.get $n) (local.get $images)))
        (local.set $xn (i32.add (local.get $x) (i32.mul (local.get $n) (local.get $xImage))))
        (local.set $dyn (i32.add (local.get $dy) (i32.mul (local.get $n) (local.get $dyImage))))
        (local.set $rb (i32.const 0))
        (block $rows_done
          (loop $next_rb
            (br_if $rows_done (i32.ge_u (local.get $rb) (local.get $rowBlocks)))
            (local.set $o0 (i32.add (local.get $xn) (i32.load (i32.add (local.get $rowOff) (i32.shl (local.get $rb) (i32.const 4))))))
            (local.set $o1 (i32.add (local.get $xn) (i32.load offset=4 (i32.add (local.get $rowOff) (i32.shl (local.get $rb) (i32.const 4))))))
            (local.set $o2 (i32.add (local.get $xn) (i32.load offset=8 (i32.add (local.get $rowOff) (i32.shl (local.get $rb) (i32.const 4))))))
            (local.set $o3 (i32.add (local.get $xn) (i32.load offset=12 (i32.add (local.get $rowOff) (i32.shl (local.get $rb) (i32.const 4))))))
            (local.set $w0 (i32.add (local.get $dw) (i32.mul (i32.shl (local.get $rb) (i32.const 2)) (local.get $pixel))))
            (local.set $w1 (i32.add (local.get $w0) (local.get $pixel)))
            (local.set $w2 (i32.add (local.get $w1) (local.get $pixel)))
            (local.set $w3 (i32.add (local.get $w2) (local.get $pixel)))
            (local.set $cb (i32.const 0))
            ;; eight output channels at a time
            (block $eights_done
              (loop $next_eight
                (br_if $eights_done (i32.gt_u (i32.add (local.get $cb) (i32.const 32)) (local.get $pixel)))
                (local.set $c00 (v128.load align=4 (i32.add (local.get $w0) (local.get $cb))))
                (local.set $c01 (v128.load offset=16 align=4 (i32.add (local.get $w0) (local.get $cb))))
                (local.set $c10 (v128.load align=4 (i32.add (local.get $w1) (local.get $cb))))
                (local.set $c11 (v128.load offset=16 align=4 (i32.add (local.get $w1) (local.get $cb))))
                (local.set $c20 (v128.load align=4 (i32.add (local.get $w2) (local.get $cb))))
                (local.set $c21 (v128.load offset=16 align=4 (i32.add (local.get $w2) (local.get $cb))))
                (local.set $c30 (v128.load align=4 (i32.add (local.get $w3) (local.get $cb))))
                (local.set $c31 (v128.load offset=16 align=4 (i32.add (local.get $w3) (local.get $cb))))
                (local.set $dyp (i32.add (local.get $dyn) (local.get $cb)))
                (local.set $oh (i32.const 0))
                (block $eight_rows_done
                  (loop $eight_next_oh
                    (br_if $eight_rows_done (i32.ge_u (local.get $oh) (local.get $outH)))
                    (local.set $xp (i32.mul (local.get $oh) (local.get $xRow)))
                    (local.set $ow (local.get $outW))
                    (loop $eight_next_ow
                      (local.set $d0 (v128.load align=4 (local.get $dyp)))
                      (local.set $d1 (v128.load offset=16 align=4 (local.get $dyp)))
                      (local.set $a (v128.load32_splat (i32.add (local.get $o0) (local.get $xp))))
                      (local.set $c00 (f32x4.add (local.get $c00) (f32x4.mul (local.get $a) (local.get $d0))))
                      (local.set $c01 (f32x4.add (local.get $c01) (f32x4.mul (local.get $a) (local.get $d1))))
                      (local.set $a (v128.load32_splat (i32.add (local.get $o1) (local.get $xp))))
                      (local.set $c10 (f32x4.add (local.get $c10) (f32x4.mul (local.get $a) (local.get $d0))))
                      (local.set $c11 (f32x4.add (local.get $c11) (f32x4.mul (local.get $a) (local.get $d1))))
                      (local.set $a (v128.load32_splat (i32.add (local.get $o2) (local.get $xp))))
                      (local.set $c20 (f32x4.add (local.get $c20) (f32x4.mul (local.get $a) (local.get $d0))))
                      (local.set $c21 (f32x4.add (local.get $c21) (f32x4.mul (local.get $a) (local.get $d1))))
                      (local.set $a (v128.load32_splat (i32.add (local.get $o3) (local.get $xp))))
                      (local.set $c30 (f32x4.add (local.get $c30) (f32x4.mul (local.get $a) (local.get $d0))))
                      (local.set $c31 (f32x4.add (local.get $c31) (f32x4.mul (local.get $a) (local.get $d1))))
                      (local.set $xp (i32.add (local.get $xp) (local.get $xCol)))
                      (local.set $dyp (i32.add (local.get $dyp) (local.get $pixel)))
                      (local.set $ow (i32.sub (local.get $ow) (i32.const 1)))
                      (br_if $eight_next_ow (local.get $ow)))
                    (local.set $oh (i32.add (local.get $oh) (i32.const 1)))
                    (br $eight_next_oh)))
                (v128.store align=4 (i32.add (local.get $w0) (local.get $cb)) (local.get $c00))
                (v128.store offset=16 align=4 (i32.add (local.get $w0) (local.get $cb)) (local.get $c01))
                (v128.store align=4 (i32.add (local.get $w1) (local.get $cb)) (local.get $c10))
                (v128.store offset=16 align=4 (i32.add (local.get $w1) (local.get $cb)) (local.get $c11))
                (v128.store align=4 (i32.add (local.get $w2) (local.get $cb)) (local.get $c20))
                (v128.store offset=16 align=4 (i32.add (local.get $w2) (local.get $cb)) (local.get $c21))
                (v128.store align=4 (i32.add (local.get $w3) (local.get $cb)) (local.get $c30))
                (v128.store offset=16 align=4 (i32.add (local.get $w3) (local.get $cb)) (local.get $c31))
                (local.set $cb (i32.add (local.get $cb) (i32.const 32)))
                (br $next_eight)))
            ;; four output channels left over
            (if (i32.le_u (i32.add (local.get $cb) (i32.const 16)) (local.get $pixel))
              (then
                (local.set $c00 (v128.load align=4 (i32.add (local.get $w0) (local.get $cb))))
                (local.set $c10 (v128.load align=4 (i32.add (local.get $w1) (local.get $cb))))
                (local.set $c20 (v128.load align=4 (i32.add (local.get $w2) (local.get $cb))))
                (local.set $c30 (v128.load align=4 (i32.add (local.get $w3) (local.get $cb))))
                (local.set $dyp (i32.add (local.get $dyn) (local.get $cb)))
                (local.set $oh (i32.const 0))
                (block $four_rows_done
                  (loop $four_next_oh
                    (br_if $four_rows_done (i32.ge_u (local.get $oh) (local.get $outH)))
                    (local.set $xp (i32.mul (local.get $oh) (local.get $xRow)))
                    (local.set $ow (local.get $outW))
                    (loop $four_next_ow
                      (local.set $d0 (v128.load align=4 (local.get $dyp)))
                      (local.set $c00 (f32x4.add (local.get $c00)
                        (f32x4.mul (v128.load32_splat (i32.add (local.get $o0) (local.get $xp))) (local.get $d0))))
                      (local.set $c10 (f32x4.add (local.get $c10)
                        (f32x4.mul (v128.load32_splat (i32.add (local.get $o1) (local.get $xp))) (local.get $d0))))
                      (local.set $c20 (f32x4.add (local.get $c20)
                        (f32x4.mul (v128.load32_splat (i32.add (local.get $o2) (local.get $xp))) (local.get $d0))))
                      (local.set $c30 (f32x4.add (local.get $c30)
                        (f32x4.mul (v128.load32_splat (i32.add (local.get $o3) (local.get $xp))) (local.get $d0))))
                      (local.set $xp (i32.add (local.get $xp) (local.get $xCol)))
                      (local.set $dyp (i32.add (local.get $dyp) (local.get $pixel)))
                      (local.set $ow (i32.sub (local.get $ow) (i32.const 1)))
                      (br_if $four_next_ow (local.get $ow)))
                    (local.set $oh (i32.add (local.get $oh) (i32.const 1)))
                    (br $four_next_oh)))
                (v128.store align=4 (i32.add (local.get $w0) (local.get $cb)) (local.get $c00))
                (v128.store align=4 (i32.add (local.get $w1) (local.get $cb)) (local.get $c10))
                (v128.store align=4 (i32.add (local.get $w2) (local.get $cb)) (local.get $c20))
                (v128.store align=4 (i32.add (local.get $w3) (local.get $cb)) (local.get $c30))))
            (local.set $rb (i32.add (local.get $rb) (i32.const 1)))
            (br $next_rb)))
        (local.set $n (i32.add (local.get $n) (i32.const 1)))
        (br $next_n)))
  )
)
