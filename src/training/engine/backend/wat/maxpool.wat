;; MaxPoolGrad for the common case, four channels at a time: 2x2 windows at stride 2 without padding, given the
;; forward pass's pooled maxima y. Each window sends its dy to the first of its four values (row-major) equal to y, and
;; 0 to the other three; every value a window covers is written, so dx needs no clearing there (a last odd row or
;; column that no window covers is the caller's to clear). A window where some value exceeds y, y is NaN or -Infinity,
;; or no value equals y is counted and not trusted: the caller then computes the whole gradient its general way.
;; Results are those of the JS kernel bit for bit: dx = 0 + dy where the gradient lands (as `dx[at] += dy` onto a
;; cleared dx: a -0 dy becomes +0), +0 elsewhere.
(module
  (import "env" "memory" (memory 1))

  ;; maxPoolGrad2x2(x, y, dy, dx, batch, outH, outW, inH, inW, channels) → windows not trusted (channel groups of 4)
  ;; x, dx: batch × inH × inW × channels; y, dy: batch × outH × outW × channels (byte addresses; channels % 4 == 0).
  (func (export "maxPoolGrad2x2")
    (param $x i32) (param $y i32) (param $dy i32) (param $dx i32) (param $batch i32) (param $outH i32)
    (param $outW i32) (param $inH i32) (param $inW i32) (param $c i32) (result i32)
    (local $n i32) (local $oh i32) (local $ow i32) (local $k i32)
    (local $cb i32) (local $row i32) (local $xp i32) (local $dxp i32) (local $yp i32) (local $gp i32) (local $off i32)
    (local $bad i32)
    (local $yv v128) (local $g v128) (local $a v128) (local $b v128) (local $e v128) (local $f v128)
    (local $ma v128) (local $mb v128) (local $me v128) (local $mf v128) (local $taken v128) (local $ok v128)
    (local.set $cb (i32.shl (local.get $c) (i32.const 2)))
    (local.set $row (i32.mul (local.get $inW) (local.get $cb)))
    (local.set $yp (local.get $y))
    (local.set $gp (local.get $dy))
    (block $batch_done
      (loop $next_n
        (br_if $batch_done (i32.ge_u (local.get $n) (local.get $batch)))
        (local.set $oh (i32.const 0))
        (block $rows_done
          (loop $next_oh
            (br_if $rows_done (i32.ge_u (local.get $oh) (local.get $outH)))
            ;; the window row's first value: ((n * inH + 2 oh) * inW) * channels floats in
            (local.set $off (i32.mul
              (i32.add (i32.mul (local.get $n) (local.get $inH)) (i32.shl (local.get $oh) (i32.const 1)))
              (local.get $row)))
            (local.set $xp (i32.add (local.get $x) (local.get $off)))
            (local.set $dxp (i32.add (local.get $dx) (local.get $off)))
            (local.set $ow (i32.const 0))
            (block $cols_done
              (loop $next_ow
                (br_if $cols_done (i32.ge_u (local.get $ow) (local.get $outW)))
                (local.set $k (i32.const 0))
                (block $channels_done
                  (loop $next_k
                    (br_if $channels_done (i32.ge_u (local.get $k) (local.get $cb)))
                    (local.set $yv (v128.load align=4 (i32.add (local.get $yp) (local.get $k))))
                    (local.set $g (v128.load align=4 (i32.add (local.get $gp) (local.get $k))))
                    (local.set $a (v128.load align=4 (i32.add (local.get $xp) (local.get $k))))
                    (local.set $b (v128.load align=4 (i32.add (i32.add (local.get $xp) (local.get $cb)) (local.get $k))))
                    (local.set $e (v128.load align=4 (i32.add (i32.add (local.get $xp) (local.get $row)) (local.get $k))))
                    (local.set $f (v128.load align=4
                      (i32.add (i32.add (i32.add (local.get $xp) (local.get $row)) (local.get $cb)) (local.get $k))))
                    ;; the first value equal to y takes the gradient
                    (local.set $ma (f32x4.eq (local.get $a) (local.get $yv)))
                    (local.set $mb (v128.andnot (f32x4.eq (local.get $b) (local.get $yv)) (local.get $ma)))
                    (local.set $taken (v128.or (local.get $ma) (local.get $mb)))
                    (local.set $me (v128.andnot (f32x4.eq (local.get $e) (local.get $yv)) (local.get $taken)))
                    (local.set $taken (v128.or (local.get $taken) (local.get $me)))
                    (local.set $mf (v128.andnot (f32x4.eq (local.get $f) (local.get $yv)) (local.get $taken)))
                    (local.set $taken (v128.or (local.get $taken) (local.get $mf)))
                    ;; trusted: y is above -Infinity, no value exceeds it (NaN compares false), one equals it
                    (local.set $ok (v128.and
                      (v128.and
                        (v128.and (f32x4.le (local.get $a) (local.get $yv)) (f32x4.le (local.get $b) (local.get $yv)))
                        (v128.and (f32x4.le (local.get $e) (local.get $yv)) (f32x4.le (local.get $f) (local.get $yv))))
                      (v128.and (local.get $taken)
                        (f32x4.gt (local.get $yv) (v128.const f32x4 -inf -inf -inf -inf)))))
                    (if (i32.eqz (i32x4.all_true (local.get $ok)))
                      (then (local.set $bad (i32.add (local.get $bad) (i32.const 1)))))
                    ;; 0 + (dy or 0): a -0 dy lands as +0, as `dx[at] += dy` onto a cleared dx
                    (v128.store align=4 (i32.add (local.get $dxp) (local.get $k))
                      (f32x4.add (v128.const f32x4 0 0 0 0) (v128.and (local.get $g) (local.get $ma))))
                    (v128.store align=4 (i32.add (i32.add (local.get $dxp) (local.get $cb)) (local.get $k))
                      (f32x4.add (v128.const f32x4 0 0 0 0) (v128.and (local.get $g) (local.get $mb))))
                    (v128.store align=4 (i32.add (i32.add (local.get $dxp) (local.get $row)) (local.get $k))
                      (f32x4.add (v128.const f32x4 0 0 0 0) (v128.and (local.get $g) (local.get $me))))
                    (v128.store align=4
                      (i32.add (i32.add (i32.add (local.get $dxp) (local.get $row)) (local.get $cb)) (local.get $k))
                      (f32x4.add (v128.const f32x4 0 0 0 0) (v128.and (local.get $g) (local.get $mf))))
                    (local.set $k (i32.add (local.get $k) (i32.const 16)))
                    (br $next_k)))
                (local.set $xp (i32.add (local.get $xp) (i32.shl (local.get $cb) (i32.const 1))))
                (local.set $dxp (i32.add (local.get $dxp) (i32.shl (local.get $cb) (i32.const 1))))
                (local.set $yp (i32.add (local.get $yp) (local.get $cb)))
                (local.set $gp (i32.add (local.get $gp) (local.get $cb)))
                (local.set $ow (i32.add (local.get $ow) (i32.const 1)))
                (br $next_ow)))
            (local.set $oh (i32.add (local.get $oh) (i32.const 1)))
            (br $next_oh)))
        (local.set $n (i32.add (local.get $n) (i32.const 1)))
        (br $next_n)))
    (local.get $bad))
)
