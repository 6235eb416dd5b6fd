;; Sums over leading axes (x[rows, inner] → out[inner]) four channels per vector, in row order: each lane adds its
;; channel's values one row after another, rounding to float32 after every addition, so the results are those of the
;; stock kernel's (and wasmChannelSum.ts's JS loop's) sums bit for bit. Sixteen channels go down the rows together
;; (four independent chains, so the additions' latency overlaps), then four at a time; the caller sums the last
;; inner % 4 channels.
;; Compiled by `npm run build:wasm` (wabt's wat2wasm, SIMD) into channelsumWasm.ts; wasmChannelSum.ts binds it.
(module
  (import "env" "memory" (memory 1))

  ;; sumRows(x, rows, inner, out): out[j] = Σ_r x[r·inner + j] for j < inner & ~3 (byte addresses, counts in floats)
  (func (export "sumRows") (param $x i32) (param $rows i32) (param $inner i32) (param $out i32)
    (local $row i32) (local $end i32) (local $j i32) (local $jEnd i32) (local $p i32)
    (local $a v128) (local $b v128) (local $c v128) (local $d v128)
    (local.set $row (i32.shl (local.get $inner) (i32.const 2)))
    (local.set $end (i32.add (local.get $x) (i32.mul (local.get $rows) (local.get $row))))
    (local.set $jEnd (i32.and (local.get $row) (i32.const -16)))
    ;; sixteen channels at a time
    (block $sixteens_done
      (loop $next_sixteen
        (br_if $sixteens_done (i32.gt_u (i32.add (local.get $j) (i32.const 64)) (local.get $jEnd)))
        (local.set $a (v128.const f32x4 0 0 0 0))
        (local.set $b (v128.const f32x4 0 0 0 0))
        (local.set $c (v128.const f32x4 0 0 0 0))
        (local.set $d (v128.const f32x4 0 0 0 0))
        (local.set $p (i32.add (local.get $x) (local.get $j)))
        (block $rows_done
          (loop $next_row
            (br_if $rows_done (i32.ge_u (local.get $p) (local.get $end)))
            (local.set $a (f32x4.add (local.get $a) (v128.load align=4 (local.get $p))))
            (local.set $b (f32x4.add (local.get $b) (v128.load offset=16 align=4 (local.get $p))))
            (local.set $c (f32x4.add (local.get $c) (v128.load offset=32 align=4 (local.get $p))))
            (local.set $d (f32x4.add (local.get $d) (v128.load offset=48 align=4 (local.get $p))))
            (local.set $p (i32.add (local.get $p) (local.get $row)))
            (br $next_row)))
        (v128.store align=4 (i32.add (local.get $out) (local.get $j)) (local.get $a))
        (v128.store offset=16 align=4 (i32.add (local.get $out) (local.get $j)) (local.get $b))
        (v128.store offset=32 align=4 (i32.add (local.get $out) (local.get $j)) (local.get $c))
        (v128.store offset=48 align=4 (i32.add (local.get $out) (local.get $j)) (local.get $d))
        (local.set $j (i32.add (local.get $j) (i32.const 64)))
        (br $next_sixteen)))
    ;; then four at a time
    (block $fours_done
      (loop $next_four
        (br_if $fours_done (i32.ge_u (local.get $j) (local.get $jEnd)))
        (local.set $a (v128.const f32x4 0 0 0 0))
        (local.set $p (i32.add (local.get $x) (local.get $j)))
        (block $rows_done
          (loop $next_row
            (br_if $rows_done (i32.ge_u (local.get $p) (local.get $end)))
            (local.set $a (f32x4.add (local.get $a) (v128.load align=4 (local.get $p))))
            (local.set $p (i32.add (local.get $p) (local.get $row)))
            (br $next_row)))
        (v128.store align=4 (i32.add (local.get $out) (local.get $j)) (local.get $a))
        (local.set $j (i32.add (local.get $j) (i32.const 16)))
        (br $next_four)))
  )
)
