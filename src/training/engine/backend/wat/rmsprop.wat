;; One pass per variable for RMSprop as optim/rmsprop.ts defines it (TensorFlow's rule), over float32 arrays in the
;; wasm backend's own memory (imported as env.memory; addresses are byte offsets, counts are elements). The same
;; float32 operations in the same order as its tf ops, so the same bits; the scalars arrive as f32.
;;   s′ = s·ρ + (g·g)·(1−ρ)       centered: mg′ = mg·ρ + g·(1−ρ), and s′ − mg′·mg′ in place of s′ below
;;   step = (g·lr) / √(s′ + ε)     w′ = w − step, or with momentum: mom′ = mom·μ + step, w′ = w − mom′
;; Pointers of the slots a configuration lacks (mg, mom) are not read: `centered` and `withMomentum` say which.
;; Compiled by `npm run build:wasm` (wabt's wat2wasm, SIMD) into rmspropWasm.ts; wasmFusedUpdate.ts binds it.
(module
  (import "env" "memory" (memory 1))

  (func (export "rmsprop")
    (param $w i32) (param $g i32) (param $s i32) (param $mg i32) (param $mom i32)
    (param $wOut i32) (param $sOut i32) (param $mgOut i32) (param $momOut i32) (param $n i32)
    (param $centered i32) (param $withMomentum i32)
    (param $rho f32) (param $c f32) (param $lr f32) (param $eps f32) (param $mu f32)
    (local $i i32) (local $end i32)
    (local $gv v128) (local $sv v128) (local $mgv v128) (local $stepv v128)
    (local $rhov v128) (local $cv v128) (local $lrv v128) (local $epsv v128) (local $muv v128)
    (local $gs f32) (local $ss f32) (local $mgs f32) (local $steps f32)
    (local.set $rhov (f32x4.splat (local.get $rho)))
    (local.set $cv (f32x4.splat (local.get $c)))
    (local.set $lrv (f32x4.splat (local.get $lr)))
    (local.set $epsv (f32x4.splat (local.get $eps)))
    (local.set $muv (f32x4.splat (local.get $mu)))
    (local.set $end (i32.shl (i32.and (local.get $n) (i32.const -4)) (i32.const 2)))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $i) (local.get $end)))
        (local.set $gv (v128.load align=4 (i32.add (local.get $g) (local.get $i))))
        (local.set $sv (f32x4.add
          (f32x4.mul (v128.load align=4 (i32.add (local.get $s) (local.get $i))) (local.get $rhov))
          (f32x4.mul (f32x4.mul (local.get $gv) (local.get $gv)) (local.get $cv))))
        (v128.store align=4 (i32.add (local.get $sOut) (local.get $i)) (local.get $sv))
        (if (local.get $centered)
          (then
            (local.set $mgv (f32x4.add
              (f32x4.mul (v128.load align=4 (i32.add (local.get $mg) (local.get $i))) (local.get $rhov))
              (f32x4.mul (local.get $gv) (local.get $cv))))
            (v128.store align=4 (i32.add (local.get $mgOut) (local.get $i)) (local.get $mgv))
            (local.set $sv (f32x4.sub (local.get $sv) (f32x4.mul (local.get $mgv) (local.get $mgv))))))
        (local.set $stepv (f32x4.div
          (f32x4.mul (local.get $gv) (local.get $lrv))
          (f32x4.sqrt (f32x4.add (local.get $sv) (local.get $epsv)))))
        (if (local.get $withMomentum)
          (then
            (local.set $stepv (f32x4.add
              (f32x4.mul (v128.load align=4 (i32.add (local.get $mom) (local.get $i))) (local.get $muv))
              (local.get $stepv)))
            (v128.store align=4 (i32.add (local.get $momOut) (local.get $i)) (local.get $stepv))))
        (v128.store align=4 (i32.add (local.get $wOut) (local.get $i))
          (f32x4.sub (v128.load align=4 (i32.add (local.get $w) (local.get $i))) (local.get $stepv)))
        (local.set $i (i32.add (local.get $i) (i32.const 16)))
        (br $next)))
    (local.set $end (i32.shl (local.get $n) (i32.const 2)))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $i) (local.get $end)))
        (local.set $gs (f32.load (i32.add (local.get $g) (local.get $i))))
        (local.set $ss (f32.add
          (f32.mul (f32.load (i32.add (local.get $s) (local.get $i))) (local.get $rho))
          (f32.mul (f32.mul (local.get $gs) (local.get $gs)) (local.get $c))))
        (f32.store (i32.add (local.get $sOut) (local.get $i)) (local.get $ss))
        (if (local.get $centered)
          (then
            (local.set $mgs (f32.add
              (f32.mul (f32.load (i32.add (local.get $mg) (local.get $i))) (local.get $rho))
              (f32.mul (local.get $gs) (local.get $c))))
            (f32.store (i32.add (local.get $mgOut) (local.get $i)) (local.get $mgs))
            (local.set $ss (f32.sub (local.get $ss) (f32.mul (local.get $mgs) (local.get $mgs))))))
        (local.set $steps (f32.div
          (f32.mul (local.get $gs) (local.get $lr))
          (f32.sqrt (f32.add (local.get $ss) (local.get $eps)))))
        (if (local.get $withMomentum)
          (then
            (local.set $steps (f32.add
              (f32.mul (f32.load (i32.add (local.get $mom) (local.get $i))) (local.get $mu))
              (local.get $steps)))
            (f32.store (i32.add (local.get $momOut) (local.get $i)) (local.get $steps))))
        (f32.store (i32.add (local.get $wOut) (local.get $i))
          (f32.sub (f32.load (i32.add (local.get $w) (local.get $i))) (local.get $steps)))
        (local.set $i (i32.add (local.get $i) (i32.const 4)))
        (br $next))))
)
