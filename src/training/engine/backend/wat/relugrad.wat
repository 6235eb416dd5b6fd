;; Relu's gradient in one pass: dx = dy · step(x), step(x) = 1 where x > 0, NaN where x is NaN, else 0 — the stock
;; gradient's Step then Multiply, with the same multiplication, so the same bits (a -0 where dy < 0 and x ≤ 0, NaN
;; where dy is ±Infinity or NaN and x ≤ 0), without writing and reading back step(x).
;; Compiled by `npm run build:wasm` (wabt's wat2wasm, SIMD) into relugradWasm.ts; wasmReluGrad.ts binds it.
(module
  (import "env" "memory" (memory 1))

  ;; reluGrad(x, dy, dx, n): byte addresses of n float32 values each
  (func (export "reluGrad") (param $x i32) (param $dy i32) (param $dx i32) (param $n i32)
    (local $i i32) (local $end i32) (local $v v128) (local $s f32)
    (local.set $end (i32.shl (i32.and (local.get $n) (i32.const -4)) (i32.const 2)))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $i) (local.get $end)))
        (local.set $v (v128.load align=4 (i32.add (local.get $x) (local.get $i))))
        (v128.store align=4 (i32.add (local.get $dx) (local.get $i))
          (f32x4.mul
            (v128.load align=4 (i32.add (local.get $dy) (local.get $i)))
            ;; NaN lanes keep x (NaN); the others 1 or 0
            (v128.bitselect
              (local.get $v)
              (v128.and (f32x4.gt (local.get $v) (v128.const f32x4 0 0 0 0)) (v128.const f32x4 1 1 1 1))
              (f32x4.ne (local.get $v) (local.get $v)))))
        (local.set $i (i32.add (local.get $i) (i32.const 16)))
        (br $next)))
    (local.set $end (i32.shl (local.get $n) (i32.const 2)))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $i) (local.get $end)))
        (local.set $s (f32.load (i32.add (local.get $x) (local.get $i))))
        (local.set $s
          (select (local.get $s)
            (select (f32.const 1) (f32.const 0) (f32.gt (local.get $s) (f32.const 0)))
            (f32.ne (local.get $s) (local.get $s))))
        (f32.store (i32.add (local.get $dx) (local.get $i))
          (f32.mul (f32.load (i32.add (local.get $dy) (local.get $i))) (local.get $s)))
        (local.set $i (i32.add (local.get $i) (i32.const 4)))
        (br $next)))
  )
)
