;; The step statistics' long reductions over float32 arrays in the wasm backend's own memory (imported as
;; env.memory; addresses are byte offsets, counts are elements). Sums are float64: each float32 is promoted, as the
;; JS loops in measureKernel.ts do; only the order of the additions differs (two f64x2 accumulators per sum over
;; the first n & ~3 elements, then a scalar tail). Results beyond one are left in the globals r0, r1, r2.
;; Compiled by `npm run build:wasm` (wabt's wat2wasm, SIMD) into statsWasm.ts; wasmStats.ts binds it.
(module
  (import "env" "memory" (memory 1))

  (global $r0 (export "r0") (mut f64) (f64.const 0))
  (global $r1 (export "r1") (mut f64) (f64.const 0))
  (global $r2 (export "r2") (mut f64) (f64.const 0))

  ;; sumsq(p, n) → Σ x²
  (func (export "sumsq") (param $p i32) (param $n i32) (result f64)
    (local $i i32) (local $end i32)
    (local $lo v128) (local $hi v128) (local $v v128) (local $t v128)
    (local $s f64) (local $x f64)
    ;; Four at a time: lanes 0–1 into $lo, lanes 2–3 into $hi.
    (local.set $end (i32.shl (i32.and (local.get $n) (i32.const -4)) (i32.const 2)))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $i) (local.get $end)))
        (local.set $v (v128.load align=4 (i32.add (local.get $p) (local.get $i))))
        (local.set $t (f64x2.promote_low_f32x4 (local.get $v)))
        (local.set $lo (f64x2.add (f64x2.mul (local.get $t) (local.get $t)) (local.get $lo)))
        (local.set $t (f64x2.promote_low_f32x4
          (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $v) (local.get $v))))
        (local.set $hi (f64x2.add (f64x2.mul (local.get $t) (local.get $t)) (local.get $hi)))
        (local.set $i (i32.add (local.get $i) (i32.const 16)))
        (br $next)))
    (local.set $t (f64x2.add (local.get $lo) (local.get $hi)))
    (local.set $s (f64.add (f64x2.extract_lane 0 (local.get $t)) (f64x2.extract_lane 1 (local.get $t))))
    ;; The last n mod 4 one at a time.
    (local.set $end (i32.shl (local.get $n) (i32.const 2)))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $i) (local.get $end)))
        (local.set $x (f64.promote_f32 (f32.load (i32.add (local.get $p) (local.get $i)))))
        (local.set $s (f64.add (f64.mul (local.get $x) (local.get $x)) (local.get $s)))
        (local.set $i (i32.add (local.get $i) (i32.const 4)))
        (br $next)))
    (local.get $s))

  ;; update(a, b, n): r0, r1, r2 ← Σ a², Σ b², Σ (a − b)²
  (func (export "update") (param $pa i32) (param $pb i32) (param $n i32)
    (local $i i32) (local $end i32)
    (local $va v128) (local $vb v128) (local $ta v128) (local $tb v128)
    (local $sa v128) (local $sb v128) (local $sd v128) (local $t v128)
    (local $xa f64) (local $xb f64) (local $fa f64) (local $fb f64) (local $fd f64) (local $d f64)
    (local.set $end (i32.shl (i32.and (local.get $n) (i32.const -4)) (i32.const 2)))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $i) (local.get $end)))
        (local.set $va (v128.load align=4 (i32.add (local.get $pa) (local.get $i))))
        (local.set $vb (v128.load align=4 (i32.add (local.get $pb) (local.get $i))))
        ;; lanes 0–1
        (local.set $ta (f64x2.promote_low_f32x4 (local.get $va)))
        (local.set $tb (f64x2.promote_low_f32x4 (local.get $vb)))
        (local.set $t (f64x2.sub (local.get $ta) (local.get $tb)))
        (local.set $sd (f64x2.add (f64x2.mul (local.get $t) (local.get $t)) (local.get $sd)))
        (local.set $sa (f64x2.add (f64x2.mul (local.get $ta) (local.get $ta)) (local.get $sa)))
        (local.set $sb (f64x2.add (f64x2.mul (local.get $tb) (local.get $tb)) (local.get $sb)))
        ;; lanes 2–3
        (local.set $ta (f64x2.promote_low_f32x4
          (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $va) (local.get $va))))
        (local.set $tb (f64x2.promote_low_f32x4
          (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $vb) (local.get $vb))))
        (local.set $t (f64x2.sub (local.get $ta) (local.get $tb)))
        (local.set $sd (f64x2.add (f64x2.mul (local.get $t) (local.get $t)) (local.get $sd)))
        (local.set $sa (f64x2.add (f64x2.mul (local.get $ta) (local.get $ta)) (local.get $sa)))
        (local.set $sb (f64x2.add (f64x2.mul (local.get $tb) (local.get $tb)) (local.get $sb)))
        (local.set $i (i32.add (local.get $i) (i32.const 16)))
        (br $next)))
    (local.set $fa (f64.add (f64x2.extract_lane 0 (local.get $sa)) (f64x2.extract_lane 1 (local.get $sa))))
    (local.set $fb (f64.add (f64x2.extract_lane 0 (local.get $sb)) (f64x2.extract_lane 1 (local.get $sb))))
    (local.set $fd (f64.add (f64x2.extract_lane 0 (local.get $sd)) (f64x2.extract_lane 1 (local.get $sd))))
    (local.set $end (i32.shl (local.get $n) (i32.const 2)))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $i) (local.get $end)))
        (local.set $xa (f64.promote_f32 (f32.load (i32.add (local.get $pa) (local.get $i)))))
        (local.set $xb (f64.promote_f32 (f32.load (i32.add (local.get $pb) (local.get $i)))))
        (local.set $d (f64.sub (local.get $xa) (local.get $xb)))
        (local.set $fd (f64.add (f64.mul (local.get $d) (local.get $d)) (local.get $fd)))
        (local.set $fa (f64.add (f64.mul (local.get $xa) (local.get $xa)) (local.get $fa)))
        (local.set $fb (f64.add (f64.mul (local.get $xb) (local.get $xb)) (local.get $fb)))
        (local.set $i (i32.add (local.get $i) (i32.const 4)))
        (br $next)))
    (global.set $r0 (local.get $fa))
    (global.set $r1 (local.get $fb))
    (global.set $r2 (local.get $fd)))

  ;; shifted(p, n, c): r0, r1 ← Σ (x − c), Σ (x − c)² (the moments in one pass, shifted for accuracy)
  (func (export "shifted") (param $p i32) (param $n i32) (param $c f64)
    (local $i i32) (local $end i32)
    (local $cv v128) (local $v v128) (local $t v128) (local $s1 v128) (local $s2 v128)
    (local $f1 f64) (local $f2 f64) (local $x f64)
    (local.set $cv (f64x2.splat (local.get $c)))
    (local.set $end (i32.shl (i32.and (local.get $n) (i32.const -4)) (i32.const 2)))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $i) (local.get $end)))
        (local.set $v (v128.load align=4 (i32.add (local.get $p) (local.get $i))))
        (local.set $t (f64x2.sub (f64x2.promote_low_f32x4 (local.get $v)) (local.get $cv)))
        (local.set $s1 (f64x2.add (local.get $t) (local.get $s1)))
        (local.set $s2 (f64x2.add (f64x2.mul (local.get $t) (local.get $t)) (local.get $s2)))
        (local.set $t (f64x2.sub
          (f64x2.promote_low_f32x4
            (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $v) (local.get $v)))
          (local.get $cv)))
        (local.set $s1 (f64x2.add (local.get $t) (local.get $s1)))
        (local.set $s2 (f64x2.add (f64x2.mul (local.get $t) (local.get $t)) (local.get $s2)))
        (local.set $i (i32.add (local.get $i) (i32.const 16)))
        (br $next)))
    (local.set $f1 (f64.add (f64x2.extract_lane 0 (local.get $s1)) (f64x2.extract_lane 1 (local.get $s1))))
    (local.set $f2 (f64.add (f64x2.extract_lane 0 (local.get $s2)) (f64x2.extract_lane 1 (local.get $s2))))
    (local.set $end (i32.shl (local.get $n) (i32.const 2)))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $i) (local.get $end)))
        (local.set $x (f64.sub (f64.promote_f32 (f32.load (i32.add (local.get $p) (local.get $i)))) (local.get $c)))
        (local.set $f1 (f64.add (local.get $x) (local.get $f1)))
        (local.set $f2 (f64.add (f64.mul (local.get $x) (local.get $x)) (local.get $f2)))
        (local.set $i (i32.add (local.get $i) (i32.const 4)))
        (br $next)))
    (global.set $r0 (local.get $f1))
    (global.set $r1 (local.get $f2)))

  ;; outside(p, n, lo, hi) → how many x < lo or x > hi (float32 compares)
  (func (export "outside") (param $p i32) (param $n i32) (param $lo f32) (param $hi f32) (result i32)
    (local $i i32) (local $end i32)
    (local $lov v128) (local $hiv v128) (local $acc v128) (local $t v128)
    (local $count i32)
    (local.set $lov (f32x4.splat (local.get $lo)))
    (local.set $hiv (f32x4.splat (local.get $hi)))
    (local.set $end (i32.shl (i32.and (local.get $n) (i32.const -4)) (i32.const 2)))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $i) (local.get $end)))
        (local.set $t (v128.load align=4 (i32.add (local.get $p) (local.get $i))))
        ;; a true lane is −1: subtracting counts it
        (local.set $acc (i32x4.sub (local.get $acc)
          (v128.or (f32x4.lt (local.get $t) (local.get $lov)) (f32x4.gt (local.get $t) (local.get $hiv)))))
        (local.set $i (i32.add (local.get $i) (i32.const 16)))
        (br $next)))
    (local.set $t (i32x4.add (local.get $acc)
      (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $acc) (local.get $acc))))
    (local.set $count (i32.add (i32x4.extract_lane 0 (local.get $t)) (i32x4.extract_lane 1 (local.get $t))))
    (local.set $end (i32.shl (local.get $n) (i32.const 2)))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $i) (local.get $end)))
        (local.set $count (i32.add
          (i32.or
            (f32.lt (f32.load (i32.add (local.get $p) (local.get $i))) (local.get $lo))
            (f32.gt (f32.load (i32.add (local.get $p) (local.get $i))) (local.get $hi)))
          (local.get $count)))
        (local.set $i (i32.add (local.get $i) (i32.const 4)))
        (br $next)))
    (local.get $count))

  ;; outsideInclusive(p, n, lo, hi) → how many x ≤ lo or x ≥ hi (float32 compares)
  (func (export "outsideInclusive") (param $p i32) (param $n i32) (param $lo f32) (param $hi f32) (result i32)
    (local $i i32) (local $end i32)
    (local $lov v128) (local $hiv v128) (local $acc v128) (local $t v128)
    (local $count i32)
    (local.set $lov (f32x4.splat (local.get $lo)))
    (local.set $hiv (f32x4.splat (local.get $hi)))
    (local.set $end (i32.shl (i32.and (local.get $n) (i32.const -4)) (i32.const 2)))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $i) (local.get $end)))
        (local.set $t (v128.load align=4 (i32.add (local.get $p) (local.get $i))))
        (local.set $acc (i32x4.sub (local.get $acc)
          (v128.or (f32x4.le (local.get $t) (local.get $lov)) (f32x4.ge (local.get $t) (local.get $hiv)))))
        (local.set $i (i32.add (local.get $i) (i32.const 16)))
        (br $next)))
    (local.set $t (i32x4.add (local.get $acc)
      (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $acc) (local.get $acc))))
    (local.set $count (i32.add (i32x4.extract_lane 0 (local.get $t)) (i32x4.extract_lane 1 (local.get $t))))
    (local.set $end (i32.shl (local.get $n) (i32.const 2)))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $i) (local.get $end)))
        (local.set $count (i32.add
          (i32.or
            (f32.le (f32.load (i32.add (local.get $p) (local.get $i))) (local.get $lo))
            (f32.ge (f32.load (i32.add (local.get $p) (local.get $i))) (local.get $hi)))
          (local.get $count)))
        (local.set $i (i32.add (local.get $i) (i32.const 4)))
        (br $next)))
    (local.get $count))
)
