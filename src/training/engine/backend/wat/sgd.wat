;; One pass per variable for SGD, with momentum and Nesterov momentum (tf.train.sgd and tf.train.momentum, whose
;; rules optim/optimizer.ts uses), over float32 arrays in the wasm backend's own memory (imported as env.memory;
;; addresses are byte offsets, counts are elements). The same float32 operations in the same order as those
;; optimizers' tf ops, so the same bits; c = −lr and m = momentum arrive as f32, as their scalar tensors are.
;; Compiled by `npm run build:wasm` (wabt's wat2wasm, SIMD) into sgdWasm.ts; wasmFusedUpdate.ts binds it.
(module
  (import "env" "memory" (memory 1))

  ;; sgd: w′ = c·g + w
  (func (export "sgd") (param $w i32) (param $g i32) (param $wOut i32) (param $n i32) (param $c f32)
    (local $i i32) (local $end i32) (local $cv v128)
    (local.set $cv (f32x4.splat (local.get $c)))
    (local.set $end (i32.shl (i32.and (local.get $n) (i32.const -4)) (i32.const 2)))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $i) (local.get $end)))
        (v128.store align=4 (i32.add (local.get $wOut) (local.get $i))
          (f32x4.add
            (f32x4.mul (local.get $cv) (v128.load align=4 (i32.add (local.get $g) (local.get $i))))
            (v128.load align=4 (i32.add (local.get $w) (local.get $i)))))
        (local.set $i (i32.add (local.get $i) (i32.const 16)))
        (br $next)))
    (local.set $end (i32.shl (local.get $n) (i32.const 2)))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $i) (local.get $end)))
        (f32.store (i32.add (local.get $wOut) (local.get $i))
          (f32.add
            (f32.mul (local.get $c) (f32.load (i32.add (local.get $g) (local.get $i))))
            (f32.load (i32.add (local.get $w) (local.get $i)))))
        (local.set $i (i32.add (local.get $i) (i32.const 4)))
        (br $next))))

  ;; momentum: a′ = m·a + g, then w′ = c·a′ + w, or with Nesterov w′ = c·(g + a′·m) + w
  (func (export "momentum")
    (param $w i32) (param $g i32) (param $a i32) (param $wOut i32) (param $aOut i32) (param $n i32)
    (param $m f32) (param $c f32) (param $nesterov i32)
    (local $i i32) (local $end i32)
    (local $gv v128) (local $av v128) (local $mv v128) (local $cv v128)
    (local $gs f32) (local $as f32)
    (local.set $mv (f32x4.splat (local.get $m)))
    (local.set $cv (f32x4.splat (local.get $c)))
    (local.set $end (i32.shl (i32.and (local.get $n) (i32.const -4)) (i32.const 2)))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $i) (local.get $end)))
        (local.set $gv (v128.load align=4 (i32.add (local.get $g) (local.get $i))))
        (local.set $av (f32x4.add
          (f32x4.mul (local.get $mv) (v128.load align=4 (i32.add (local.get $a) (local.get $i))))
          (local.get $gv)))
        (v128.store align=4 (i32.add (local.get $aOut) (local.get $i)) (local.get $av))
        (v128.store align=4 (i32.add (local.get $wOut) (local.get $i))
          (f32x4.add
            (f32x4.mul (local.get $cv)
              (if (result v128) (local.get $nesterov)
                (then (f32x4.add (local.get $gv) (f32x4.mul (local.get $av) (local.get $mv))))
                (else (local.get $av))))
            (v128.load align=4 (i32.add (local.get $w) (local.get $i)))))
        (local.set $i (i32.add (local.get $i) (i32.const 16)))
        (br $next)))
    (local.set $end (i32.shl (local.get $n) (i32.const 2)))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $i) (local.get $end)))
        (local.set $gs (f32.load (i32.add (local.get $g) (local.get $i))))
        (local.set $as (f32.add
          (f32.mul (local.get $m) (f32.load (i32.add (local.get $a) (local.get $i))))
          (local.get $gs)))
        (f32.store (i32.add (local.get $aOut) (local.get $i)) (local.get $as))
        (f32.store (i32.add (local.get $wOut) (local.get $i))
          (f32.add
            (f32.mul (local.get $c)
              (if (result f32) (local.get $nesterov)
                (then (f32.add (local.get $gs) (f32.mul (local.get $as) (local.get $m))))
                (else (local.get $as))))
            (f32.load (i32.add (local.get $w) (local.get $i)))))
        (local.set $i (i32.add (local.get $i) (i32.const 4)))
        (br $next))))
)
