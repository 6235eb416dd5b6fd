;; One pass per variable for the Adam family's update (optim/adamFamily.ts) and tf.train.adam's, over float32
;; arrays in the wasm backend's own memory (imported as env.memory; addresses are byte offsets, counts are
;; elements). Every result is computed with the same float32 operations in the same order as the rule's tf ops
;; (each op rounds to float32), so the fused step gives the same bits as the unfused one. The scalars arrive as f32, as the ops' scalar tensors are.
;; Inputs are read and new arrays written (w′, m′, v′, vMax′ are fresh outputs: tensors stay immutable).
;; Compiled by `npm run build:wasm` (wabt's wat2wasm, SIMD) into adamWasm.ts; wasmAdamUpdate.ts binds it.
(module
  (import "env" "memory" (memory 1))

  ;; Adam, AdamW and AMSGrad (torch.optim.Adam / AdamW):
  ;;   m′ = m·b1 + g·c1      v′ = v·b2 + (g·g)·c2      s = amsgrad ? max(vMax, v′) : v′  (vMax′ = s)
  ;;   w′ = w·decay − (m′ / (√s / sbc2 + eps))·step
  ;; with c1 = 1 − β1, c2 = 1 − β2, sbc2 = √(1 − β2^t), step = lr / (1 − β1^t), decay = 1 − lr·λ (1: no decay).
  (func (export "adam")
    (param $w i32) (param $g i32) (param $m i32) (param $v i32) (param $vmax i32)
    (param $wOut i32) (param $mOut i32) (param $vOut i32) (param $vmaxOut i32)
    (param $n i32) (param $amsgrad i32)
    (param $b1 f32) (param $c1 f32) (param $b2 f32) (param $c2 f32)
    (param $sbc2 f32) (param $eps f32) (param $step f32) (param $decay f32)
    (local $i i32) (local $end i32)
    (local $gv v128) (local $mv v128) (local $vv v128)
    (local $b1v v128) (local $c1v v128) (local $b2v v128) (local $c2v v128)
    (local $sbc2v v128) (local $epsv v128) (local $stepv v128) (local $decayv v128)
    (local $gs f32) (local $ms f32) (local $vs f32)
    (local.set $b1v (f32x4.splat (local.get $b1)))
    (local.set $c1v (f32x4.splat (local.get $c1)))
    (local.set $b2v (f32x4.splat (local.get $b2)))
    (local.set $c2v (f32x4.splat (local.get $c2)))
    (local.set $sbc2v (f32x4.splat (local.get $sbc2)))
    (local.set $epsv (f32x4.splat (local.get $eps)))
    (local.set $stepv (f32x4.splat (local.get $step)))
    (local.set $decayv (f32x4.splat (local.get $decay)))
    ;; Four at a time over the first n & ~3 elements.
    (local.set $end (i32.shl (i32.and (local.get $n) (i32.const -4)) (i32.const 2)))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $i) (local.get $end)))
        (local.set $gv (v128.load align=4 (i32.add (local.get $g) (local.get $i))))
        (local.set $mv (f32x4.add
          (f32x4.mul (v128.load align=4 (i32.add (local.get $m) (local.get $i))) (local.get $b1v))
          (f32x4.mul (local.get $gv) (local.get $c1v))))
        (v128.store align=4 (i32.add (local.get $mOut) (local.get $i)) (local.get $mv))
        (local.set $vv (f32x4.add
          (f32x4.mul (v128.load align=4 (i32.add (local.get $v) (local.get $i))) (local.get $b2v))
          (f32x4.mul (f32x4.mul (local.get $gv) (local.get $gv)) (local.get $c2v))))
        (v128.store align=4 (i32.add (local.get $vOut) (local.get $i)) (local.get $vv))
        (if (local.get $amsgrad)
          (then
            (local.set $vv (f32x4.max (v128.load align=4 (i32.add (local.get $vmax) (local.get $i))) (local.get $vv)))
            (v128.store align=4 (i32.add (local.get $vmaxOut) (local.get $i)) (local.get $vv))))
        (v128.store align=4 (i32.add (local.get $wOut) (local.get $i))
          (f32x4.sub
            (f32x4.mul (v128.load align=4 (i32.add (local.get $w) (local.get $i))) (local.get $decayv))
            (f32x4.mul
              (f32x4.div (local.get $mv)
                (f32x4.add (f32x4.div (f32x4.sqrt (local.get $vv)) (local.get $sbc2v)) (local.get $epsv)))
              (local.get $stepv))))
        (local.set $i (i32.add (local.get $i) (i32.const 16)))
        (br $next)))
    ;; The last n mod 4 one at a time, the same operations.
    (local.set $end (i32.shl (local.get $n) (i32.const 2)))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $i) (local.get $end)))
        (local.set $gs (f32.load (i32.add (local.get $g) (local.get $i))))
        (local.set $ms (f32.add
          (f32.mul (f32.load (i32.add (local.get $m) (local.get $i))) (local.get $b1))
          (f32.mul (local.get $gs) (local.get $c1))))
        (f32.store (i32.add (local.get $mOut) (local.get $i)) (local.get $ms))
        (local.set $vs (f32.add
          (f32.mul (f32.load (i32.add (local.get $v) (local.get $i))) (local.get $b2))
          (f32.mul (f32.mul (local.get $gs) (local.get $gs)) (local.get $c2))))
        (f32.store (i32.add (local.get $vOut) (local.get $i)) (local.get $vs))
        (if (local.get $amsgrad)
          (then
            (local.set $vs (f32.max (f32.load (i32.add (local.get $vmax) (local.get $i))) (local.get $vs)))
            (f32.store (i32.add (local.get $vmaxOut) (local.get $i)) (local.get $vs))))
        (f32.store (i32.add (local.get $wOut) (local.get $i))
          (f32.sub
            (f32.mul (f32.load (i32.add (local.get $w) (local.get $i))) (local.get $decay))
            (f32.mul
              (f32.div (local.get $ms) (f32.add (f32.div (f32.sqrt (local.get $vs)) (local.get $sbc2)) (local.get $eps)))
              (local.get $step))))
        (local.set $i (i32.add (local.get $i) (i32.const 4)))
        (br $next))))

  ;; NAdam (torch.optim.NAdam's documented rule), with d = √v′ / sbc2 + eps:
  ;;   m′ and v′ as Adam      w′ = w − ((g / d)·k1 + (m′ / d)·k2)
  ;; with k1 = lr·(1 − μ_t) / (1 − Πμ), k2 = lr·μ_{t+1} / (1 − Πμ·μ_{t+1}).
  (func (export "nadam")
    (param $w i32) (param $g i32) (param $m i32) (param $v i32)
    (param $wOut i32) (param $mOut i32) (param $vOut i32) (param $n i32)
    (param $b1 f32) (param $c1 f32) (param $b2 f32) (param $c2 f32)
    (param $sbc2 f32) (param $eps f32) (param $k1 f32) (param $k2 f32)
    (local $i i32) (local $end i32)
    (local $gv v128) (local $mv v128) (local $vv v128) (local $dv v128)
    (local $b1v v128) (local $c1v v128) (local $b2v v128) (local $c2v v128)
    (local $sbc2v v128) (local $epsv v128) (local $k1v v128) (local $k2v v128)
    (local $gs f32) (local $ms f32) (local $vs f32) (local $ds f32)
    (local.set $b1v (f32x4.splat (local.get $b1)))
    (local.set $c1v (f32x4.splat (local.get $c1)))
    (local.set $b2v (f32x4.splat (local.get $b2)))
    (local.set $c2v (f32x4.splat (local.get $c2)))
    (local.set $sbc2v (f32x4.splat (local.get $sbc2)))
    (local.set $epsv (f32x4.splat (local.get $eps)))
    (local.set $k1v (f32x4.splat (local.get $k1)))
    (local.set $k2v (f32x4.splat (local.get $k2)))
    (local.set $end (i32.shl (i32.and (local.get $n) (i32.const -4)) (i32.const 2)))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $i) (local.get $end)))
        (local.set $gv (v128.load align=4 (i32.add (local.get $g) (local.get $i))))
        (local.set $mv (f32x4.add
          (f32x4.mul (v128.load align=4 (i32.add (local.get $m) (local.get $i))) (local.get $b1v))
          (f32x4.mul (local.get $gv) (local.get $c1v))))
        (v128.store align=4 (i32.add (local.get $mOut) (local.get $i)) (local.get $mv))
        (local.set $vv (f32x4.add
          (f32x4.mul (v128.load align=4 (i32.add (local.get $v) (local.get $i))) (local.get $b2v))
          (f32x4.mul (f32x4.mul (local.get $gv) (local.get $gv)) (local.get $c2v))))
        (v128.store align=4 (i32.add (local.get $vOut) (local.get $i)) (local.get $vv))
        (local.set $dv (f32x4.add (f32x4.div (f32x4.sqrt (local.get $vv)) (local.get $sbc2v)) (local.get $epsv)))
        (v128.store align=4 (i32.add (local.get $wOut) (local.get $i))
          (f32x4.sub
            (v128.load align=4 (i32.add (local.get $w) (local.get $i)))
            (f32x4.add
              (f32x4.mul (f32x4.div (local.get $gv) (local.get $dv)) (local.get $k1v))
              (f32x4.mul (f32x4.div (local.get $mv) (local.get $dv)) (local.get $k2v)))))
        (local.set $i (i32.add (local.get $i) (i32.const 16)))
        (br $next)))
    (local.set $end (i32.shl (local.get $n) (i32.const 2)))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $i) (local.get $end)))
        (local.set $gs (f32.load (i32.add (local.get $g) (local.get $i))))
        (local.set $ms (f32.add
          (f32.mul (f32.load (i32.add (local.get $m) (local.get $i))) (local.get $b1))
          (f32.mul (local.get $gs) (local.get $c1))))
        (f32.store (i32.add (local.get $mOut) (local.get $i)) (local.get $ms))
        (local.set $vs (f32.add
          (f32.mul (f32.load (i32.add (local.get $v) (local.get $i))) (local.get $b2))
          (f32.mul (f32.mul (local.get $gs) (local.get $gs)) (local.get $c2))))
        (f32.store (i32.add (local.get $vOut) (local.get $i)) (local.get $vs))
        (local.set $ds (f32.add (f32.div (f32.sqrt (local.get $vs)) (local.get $sbc2)) (local.get $eps)))
        (f32.store (i32.add (local.get $wOut) (local.get $i))
          (f32.sub
            (f32.load (i32.add (local.get $w) (local.get $i)))
            (f32.add
              (f32.mul (f32.div (local.get $gs) (local.get $ds)) (local.get $k1))
              (f32.mul (f32.div (local.get $ms) (local.get $ds)) (local.get $k2)))))
        (local.set $i (i32.add (local.get $i) (i32.const 4)))
        (br $next))))

  ;; AdaMax (torch.optim.Adamax): m′ as Adam, u′ = max(u·b2, |g| + eps), w′ = w − (m′ / u′)·step.
  (func (export "adamax")
    (param $w i32) (param $g i32) (param $m i32) (param $u i32)
    (param $wOut i32) (param $mOut i32) (param $uOut i32) (param $n i32)
    (param $b1 f32) (param $c1 f32) (param $b2 f32) (param $eps f32) (param $step f32)
    (local $i i32) (local $end i32)
    (local $gv v128) (local $mv v128) (local $uv v128)
    (local $b1v v128) (local $c1v v128) (local $b2v v128) (local $epsv v128) (local $stepv v128)
    (local $gs f32) (local $ms f32) (local $us f32)
    (local.set $b1v (f32x4.splat (local.get $b1)))
    (local.set $c1v (f32x4.splat (local.get $c1)))
    (local.set $b2v (f32x4.splat (local.get $b2)))
    (local.set $epsv (f32x4.splat (local.get $eps)))
    (local.set $stepv (f32x4.splat (local.get $step)))
    (local.set $end (i32.shl (i32.and (local.get $n) (i32.const -4)) (i32.const 2)))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $i) (local.get $end)))
        (local.set $gv (v128.load align=4 (i32.add (local.get $g) (local.get $i))))
        (local.set $mv (f32x4.add
          (f32x4.mul (v128.load align=4 (i32.add (local.get $m) (local.get $i))) (local.get $b1v))
          (f32x4.mul (local.get $gv) (local.get $c1v))))
        (v128.store align=4 (i32.add (local.get $mOut) (local.get $i)) (local.get $mv))
        (local.set $uv (f32x4.max
          (f32x4.mul (v128.load align=4 (i32.add (local.get $u) (local.get $i))) (local.get $b2v))
          (f32x4.add (f32x4.abs (local.get $gv)) (local.get $epsv))))
        (v128.store align=4 (i32.add (local.get $uOut) (local.get $i)) (local.get $uv))
        (v128.store align=4 (i32.add (local.get $wOut) (local.get $i))
          (f32x4.sub
            (v128.load align=4 (i32.add (local.get $w) (local.get $i)))
            (f32x4.mul (f32x4.div (local.get $mv) (local.get $uv)) (local.get $stepv))))
        (local.set $i (i32.add (local.get $i) (i32.const 16)))
        (br $next)))
    (local.set $end (i32.shl (local.get $n) (i32.const 2)))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $i) (local.get $end)))
        (local.set $gs (f32.load (i32.add (local.get $g) (local.get $i))))
        (local.set $ms (f32.add
          (f32.mul (f32.load (i32.add (local.get $m) (local.get $i))) (local.get $b1))
          (f32.mul (local.get $gs) (local.get $c1))))
        (f32.store (i32.add (local.get $mOut) (local.get $i)) (local.get $ms))
        (local.set $us (f32.max
          (f32.mul (f32.load (i32.add (local.get $u) (local.get $i))) (local.get $b2))
          (f32.add (f32.abs (local.get $gs)) (local.get $eps))))
        (f32.store (i32.add (local.get $uOut) (local.get $i)) (local.get $us))
        (f32.store (i32.add (local.get $wOut) (local.get $i))
          (f32.sub
            (f32.load (i32.add (local.get $w) (local.get $i)))
            (f32.mul (f32.div (local.get $ms) (local.get $us)) (local.get $step))))
        (local.set $i (i32.add (local.get $i) (i32.const 4)))
        (br $next))))

  ;; tf.train.adam's rule (TensorFlow.js's AdamOptimizer, plain Adam's optimizer), in its own order of operations:
  ;;   m′ = m·b1 + g·c1      v′ = v·b2 + (g·g)·c2      w′ = ((m′ / a1) / (√(v′ / a2) + eps))·negLr + w
  ;; with a1 = 1 − β1^t and a2 = 1 − β2^t as its float32 running products give them, negLr = −lr.
  (func (export "tfAdam")
    (param $w i32) (param $g i32) (param $m i32) (param $v i32)
    (param $wOut i32) (param $mOut i32) (param $vOut i32) (param $n i32)
    (param $b1 f32) (param $c1 f32) (param $b2 f32) (param $c2 f32)
    (param $a1 f32) (param $a2 f32) (param $eps f32) (param $negLr f32)
    (local $i i32) (local $end i32)
    (local $gv v128) (local $mv v128) (local $vv v128)
    (local $b1v v128) (local $c1v v128) (local $b2v v128) (local $c2v v128)
    (local $a1v v128) (local $a2v v128) (local $epsv v128) (local $negLrv v128)
    (local $gs f32) (local $ms f32) (local $vs f32)
    (local.set $b1v (f32x4.splat (local.get $b1)))
    (local.set $c1v (f32x4.splat (local.get $c1)))
    (local.set $b2v (f32x4.splat (local.get $b2)))
    (local.set $c2v (f32x4.splat (local.get $c2)))
    (local.set $a1v (f32x4.splat (local.get $a1)))
    (local.set $a2v (f32x4.splat (local.get $a2)))
    (local.set $epsv (f32x4.splat (local.get $eps)))
    (local.set $negLrv (f32x4.splat (local.get $negLr)))
    (local.set $end (i32.shl (i32.and (local.get $n) (i32.const -4)) (i32.const 2)))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $i) (local.get $end)))
        (local.set $gv (v128.load align=4 (i32.add (local.get $g) (local.get $i))))
        (local.set $mv (f32x4.add
          (f32x4.mul (v128.load align=4 (i32.add (local.get $m) (local.get $i))) (local.get $b1v))
          (f32x4.mul (local.get $gv) (local.get $c1v))))
        (v128.store align=4 (i32.add (local.get $mOut) (local.get $i)) (local.get $mv))
        (local.set $vv (f32x4.add
          (f32x4.mul (v128.load align=4 (i32.add (local.get $v) (local.get $i))) (local.get $b2v))
          (f32x4.mul (f32x4.mul (local.get $gv) (local.get $gv)) (local.get $c2v))))
        (v128.store align=4 (i32.add (local.get $vOut) (local.get $i)) (local.get $vv))
        (v128.store align=4 (i32.add (local.get $wOut) (local.get $i))
          (f32x4.add
            (f32x4.mul
              (f32x4.div
                (f32x4.div (local.get $mv) (local.get $a1v))
                (f32x4.add (f32x4.sqrt (f32x4.div (local.get $vv) (local.get $a2v))) (local.get $epsv)))
              (local.get $negLrv))
            (v128.load align=4 (i32.add (local.get $w) (local.get $i)))))
        (local.set $i (i32.add (local.get $i) (i32.const 16)))
        (br $next)))
    (local.set $end (i32.shl (local.get $n) (i32.const 2)))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $i) (local.get $end)))
        (local.set $gs (f32.load (i32.add (local.get $g) (local.get $i))))
        (local.set $ms (f32.add
          (f32.mul (f32.load (i32.add (local.get $m) (local.get $i))) (local.get $b1))
          (f32.mul (local.get $gs) (local.get $c1))))
        (f32.store (i32.add (local.get $mOut) (local.get $i)) (local.get $ms))
        (local.set $vs (f32.add
          (f32.mul (f32.load (i32.add (local.get $v) (local.get $i))) (local.get $b2))
          (f32.mul (f32.mul (local.get $gs) (local.get $gs)) (local.get $c2))))
        (f32.store (i32.add (local.get $vOut) (local.get $i)) (local.get $vs))
        (f32.store (i32.add (local.get $wOut) (local.get $i))
          (f32.add
            (f32.mul
              (f32.div
                (f32.div (local.get $ms) (local.get $a1))
                (f32.add (f32.sqrt (f32.div (local.get $vs) (local.get $a2))) (local.get $eps)))
              (local.get $negLr))
            (f32.load (i32.add (local.get $w) (local.get $i)))))
        (local.set $i (i32.add (local.get $i) (i32.const 4)))
        (br $next))))
)
