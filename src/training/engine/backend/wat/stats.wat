;; The step statistics' long reductions over float32 arrays in the wasm backend's own memory (imported as
;; env.memory; addresses are byte offsets, counts are elements). update and shifted (what only measurement reads)
;; sum in float32 within blocks of 32 values (8 vectors of 4 lanes: each lane adds 8 terms), then in float64 across
;; blocks and over the tail of n mod 32 values: a relative error near float32's own (~1e-7) at a third to half of the
;; instructions of promoting every value to float64. measureKernel.ts's JS loops do the same additions in the same
;; order (Math.fround), so both give the same bits. sumsq (gradient clipping reads it) stays float64 throughout.
;; Results beyond one are left in the globals r0, r1, r2. The counts (tails, dead units) compare float32 values.
;; shiftedDead gives a relu layer's moments and dead units in one pass over its output, with shifted's exact sums.
;; Compiled by `npm run build:wasm` (wabt's wat2wasm, SIMD) into statsWasm.ts; wasmStats.ts binds it.
(module
  (import "env" "memory" (memory 1))

  (global $r0 (export "r0") (mut f64) (f64.const 0))
  (global $r1 (export "r1") (mut f64) (f64.const 0))
  (global $r2 (export "r2") (mut f64) (f64.const 0))

  ;; widen(a) → a's four float32 lanes as two float64 pairs added: (a0 + a2, a1 + a3)
  (func $widen (param $a v128) (result v128)
    (f64x2.add
      (f64x2.promote_low_f32x4 (local.get $a))
      (f64x2.promote_low_f32x4 (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $a) (local.get $a)))))

  ;; lanes(s) → s0 + s1
  (func $lanes (param $s v128) (result f64)
    (f64.add (f64x2.extract_lane 0 (local.get $s)) (f64x2.extract_lane 1 (local.get $s))))

  ;; sumsq(p, n) → Σ x², every value promoted to float64 (two f64x2 accumulators over the first n & ~3 values,
  ;; then a scalar tail): gradient clipping divides by this norm, so training depends on its last bits
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
    (local $i i32) (local $end i32) (local $blk i32)
    (local $va v128) (local $vb v128) (local $d v128)
    (local $aa v128) (local $ab v128) (local $ad v128) (local $sa v128) (local $sb v128) (local $sd v128)
    (local $xa f64) (local $xb f64) (local $fa f64) (local $fb f64) (local $fd f64) (local $x f64)
    (local.set $end (i32.shl (i32.and (local.get $n) (i32.const -32)) (i32.const 2)))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $i) (local.get $end)))
        (local.set $aa (v128.const i32x4 0 0 0 0))
        (local.set $ab (v128.const i32x4 0 0 0 0))
        (local.set $ad (v128.const i32x4 0 0 0 0))
        (local.set $blk (i32.add (local.get $i) (i32.const 128)))
        (loop $in
          (local.set $va (v128.load align=4 (i32.add (local.get $pa) (local.get $i))))
          (local.set $vb (v128.load align=4 (i32.add (local.get $pb) (local.get $i))))
          (local.set $d (f32x4.sub (local.get $va) (local.get $vb)))
          (local.set $aa (f32x4.add (f32x4.mul (local.get $va) (local.get $va)) (local.get $aa)))
          (local.set $ab (f32x4.add (f32x4.mul (local.get $vb) (local.get $vb)) (local.get $ab)))
          (local.set $ad (f32x4.add (f32x4.mul (local.get $d) (local.get $d)) (local.get $ad)))
          (local.set $i (i32.add (local.get $i) (i32.const 16)))
          (br_if $in (i32.lt_u (local.get $i) (local.get $blk))))
        (local.set $sa (f64x2.add (local.get $sa) (call $widen (local.get $aa))))
        (local.set $sb (f64x2.add (local.get $sb) (call $widen (local.get $ab))))
        (local.set $sd (f64x2.add (local.get $sd) (call $widen (local.get $ad))))
        (br $next)))
    (local.set $fa (call $lanes (local.get $sa)))
    (local.set $fb (call $lanes (local.get $sb)))
    (local.set $fd (call $lanes (local.get $sd)))
    (local.set $end (i32.shl (local.get $n) (i32.const 2)))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $i) (local.get $end)))
        (local.set $xa (f64.promote_f32 (f32.load (i32.add (local.get $pa) (local.get $i)))))
        (local.set $xb (f64.promote_f32 (f32.load (i32.add (local.get $pb) (local.get $i)))))
        (local.set $x (f64.sub (local.get $xa) (local.get $xb)))
        (local.set $fd (f64.add (f64.mul (local.get $x) (local.get $x)) (local.get $fd)))
        (local.set $fa (f64.add (f64.mul (local.get $xa) (local.get $xa)) (local.get $fa)))
        (local.set $fb (f64.add (f64.mul (local.get $xb) (local.get $xb)) (local.get $fb)))
        (local.set $i (i32.add (local.get $i) (i32.const 4)))
        (br $next)))
    (global.set $r0 (local.get $fa))
    (global.set $r1 (local.get $fb))
    (global.set $r2 (local.get $fd)))

  ;; The running float64 sums of shifted and shiftedDead (lanes: the blocks' lanes 0 + 2 and 1 + 3), between helpers.
  (global $s1 (mut v128) (v128.const i64x2 0 0))
  (global $s2 (mut v128) (v128.const i64x2 0 0))

  ;; shifted(p, n, c): r0, r1 ← Σ (x − c), Σ (x − c)² (the moments in one pass, shifted by c, a float32 value of the
  ;; array: x − c is exact for x near c, so a tiny spread around a large mean keeps its digits)
  (func (export "shifted") (param $p i32) (param $n i32) (param $c f64)
    (local $end i32) (local $cv v128)
    (local.set $cv (f32x4.splat (f32.demote_f64 (local.get $c))))
    (local.set $end (i32.shl (i32.and (local.get $n) (i32.const -32)) (i32.const 2)))
    (global.set $s1 (v128.const i64x2 0 0))
    (global.set $s2 (v128.const i64x2 0 0))
    (call $groups (local.get $p) (i32.const 0) (i32.and (local.get $end) (i32.const -512)) (local.get $cv))
    (call $blocks (local.get $p) (i32.and (local.get $end) (i32.const -512)) (local.get $end) (local.get $cv))
    (call $finish (local.get $p) (local.get $end) (local.get $n) (local.get $c)))

  ;; shiftedDead(p, rows, u, c, bound, chunkRows, masks) → how many of the u units have no value above bound, with
  ;; r0, r1 as shifted(p, rows × u, c) gives them (the same additions in the same order): the moments and relu's dead
  ;; units of one tensor in one pass over memory. The tensor goes by in chunks of chunkRows rows (a multiple of 512
  ;; bytes, small enough to stay in the L1 cache): each chunk is summed, then its rows are read again from the cache
  ;; for the dead units, until every unit has been seen alive. masks: u × 4 bytes of scratch (lane k: unit k alive).
  (func (export "shiftedDead") (param $p i32) (param $rows i32) (param $u i32) (param $c f64) (param $bound f32)
    (param $chunkRows i32) (param $masks i32) (result i32)
    (local $width i32) (local $n i32) (local $end i32) (local $groupsEnd i32) (local $chunk i32) (local $i i32)
    (local $j i32) (local $alive i32) (local $cv v128) (local $bv v128)
    (local.set $width (i32.shl (local.get $u) (i32.const 2)))
    (local.set $n (i32.mul (local.get $rows) (local.get $u)))
    (local.set $end (i32.shl (i32.and (local.get $n) (i32.const -32)) (i32.const 2)))
    (local.set $groupsEnd (i32.and (local.get $end) (i32.const -512)))
    (local.set $chunk (i32.mul (local.get $chunkRows) (local.get $width)))
    (local.set $cv (f32x4.splat (f32.demote_f64 (local.get $c))))
    (local.set $bv (f32x4.splat (local.get $bound)))
    (global.set $s1 (v128.const i64x2 0 0))
    (global.set $s2 (v128.const i64x2 0 0))
    (block $cleared
      (loop $clear
        (br_if $cleared (i32.ge_u (local.get $j) (local.get $width)))
        (v128.store (i32.add (local.get $masks) (local.get $j)) (v128.const i64x2 0 0))
        (local.set $j (i32.add (local.get $j) (i32.const 16)))
        (br $clear)))
    (block $chunks_done
      (loop $next_chunk
        (br_if $chunks_done (i32.gt_u (i32.add (local.get $i) (local.get $chunk)) (local.get $groupsEnd)))
        (call $groups (local.get $p) (local.get $i) (i32.add (local.get $i) (local.get $chunk)) (local.get $cv))
        (if (i32.eqz (local.get $alive))
          (then
            (call $aliveRows (i32.add (local.get $p) (local.get $i)) (local.get $chunkRows) (local.get $width)
              (local.get $bv) (local.get $masks))
            (local.set $alive (call $allAlive (local.get $masks) (local.get $width)))))
        (local.set $i (i32.add (local.get $i) (local.get $chunk)))
        (br $next_chunk)))
    ;; the rest: sums as shifted ends, and the rows from $i on (it is at a row's start) for the dead units
    (call $groups (local.get $p) (local.get $i) (local.get $groupsEnd) (local.get $cv))
    (call $blocks (local.get $p) (local.get $groupsEnd) (local.get $end) (local.get $cv))
    (call $finish (local.get $p) (local.get $end) (local.get $n) (local.get $c))
    (if (i32.eqz (local.get $alive))
      (then
        (call $aliveRows (i32.add (local.get $p) (local.get $i))
          (i32.sub (local.get $rows) (i32.div_u (local.get $i) (local.get $width))) (local.get $width)
          (local.get $bv) (local.get $masks))))
    (call $deadCount (local.get $masks) (local.get $width)))

  ;; groups(p, i, end, cv): $s1, $s2 += the float32 blocks of 32 values over bytes [i, end) (end − i a multiple of
  ;; 512), four blocks at a time: their float32 chains are independent, so their additions' latency overlaps; they
  ;; are added to the float64 sums in order, the same additions as one block at a time
  (func $groups (param $p i32) (param $i i32) (param $end i32) (param $cv v128)
    (local $blk i32) (local $v v128) (local $s1 v128) (local $s2 v128)
    (local $a1 v128) (local $a2 v128) (local $b1 v128) (local $b2 v128)
    (local $c1 v128) (local $c2 v128) (local $d1 v128) (local $d2 v128)
    (local.set $s1 (global.get $s1))
    (local.set $s2 (global.get $s2))
    (block $fours_done
      (loop $next_four
        (br_if $fours_done (i32.gt_u (i32.add (local.get $i) (i32.const 512)) (local.get $end)))
        (local.set $a1 (v128.const i32x4 0 0 0 0))
        (local.set $a2 (v128.const i32x4 0 0 0 0))
        (local.set $b1 (v128.const i32x4 0 0 0 0))
        (local.set $b2 (v128.const i32x4 0 0 0 0))
        (local.set $c1 (v128.const i32x4 0 0 0 0))
        (local.set $c2 (v128.const i32x4 0 0 0 0))
        (local.set $d1 (v128.const i32x4 0 0 0 0))
        (local.set $d2 (v128.const i32x4 0 0 0 0))
        (local.set $blk (i32.add (local.get $i) (i32.const 128)))
        (loop $in
          (local.set $v (f32x4.sub (v128.load align=4 (i32.add (local.get $p) (local.get $i))) (local.get $cv)))
          (local.set $a1 (f32x4.add (local.get $v) (local.get $a1)))
          (local.set $a2 (f32x4.add (f32x4.mul (local.get $v) (local.get $v)) (local.get $a2)))
          (local.set $v (f32x4.sub (v128.load offset=128 align=4 (i32.add (local.get $p) (local.get $i))) (local.get $cv)))
          (local.set $b1 (f32x4.add (local.get $v) (local.get $b1)))
          (local.set $b2 (f32x4.add (f32x4.mul (local.get $v) (local.get $v)) (local.get $b2)))
          (local.set $v (f32x4.sub (v128.load offset=256 align=4 (i32.add (local.get $p) (local.get $i))) (local.get $cv)))
          (local.set $c1 (f32x4.add (local.get $v) (local.get $c1)))
          (local.set $c2 (f32x4.add (f32x4.mul (local.get $v) (local.get $v)) (local.get $c2)))
          (local.set $v (f32x4.sub (v128.load offset=384 align=4 (i32.add (local.get $p) (local.get $i))) (local.get $cv)))
          (local.set $d1 (f32x4.add (local.get $v) (local.get $d1)))
          (local.set $d2 (f32x4.add (f32x4.mul (local.get $v) (local.get $v)) (local.get $d2)))
          (local.set $i (i32.add (local.get $i) (i32.const 16)))
          (br_if $in (i32.lt_u (local.get $i) (local.get $blk))))
        (local.set $s1 (f64x2.add (local.get $s1) (call $widen (local.get $a1))))
        (local.set $s1 (f64x2.add (local.get $s1) (call $widen (local.get $b1))))
        (local.set $s1 (f64x2.add (local.get $s1) (call $widen (local.get $c1))))
        (local.set $s1 (f64x2.add (local.get $s1) (call $widen (local.get $d1))))
        (local.set $s2 (f64x2.add (local.get $s2) (call $widen (local.get $a2))))
        (local.set $s2 (f64x2.add (local.get $s2) (call $widen (local.get $b2))))
        (local.set $s2 (f64x2.add (local.get $s2) (call $widen (local.get $c2))))
        (local.set $s2 (f64x2.add (local.get $s2) (call $widen (local.get $d2))))
        (local.set $i (i32.add (local.get $i) (i32.const 384)))
        (br $next_four)))
    (global.set $s1 (local.get $s1))
    (global.set $s2 (local.get $s2)))

  ;; blocks(p, i, end, cv): $s1, $s2 += the blocks of 32 values over bytes [i, end), one at a time
  (func $blocks (param $p i32) (param $i i32) (param $end i32) (param $cv v128)
    (local $blk i32) (local $v v128) (local $a1 v128) (local $a2 v128)
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $i) (local.get $end)))
        (local.set $a1 (v128.const i32x4 0 0 0 0))
        (local.set $a2 (v128.const i32x4 0 0 0 0))
        (local.set $blk (i32.add (local.get $i) (i32.const 128)))
        (loop $in
          (local.set $v (f32x4.sub (v128.load align=4 (i32.add (local.get $p) (local.get $i))) (local.get $cv)))
          (local.set $a1 (f32x4.add (local.get $v) (local.get $a1)))
          (local.set $a2 (f32x4.add (f32x4.mul (local.get $v) (local.get $v)) (local.get $a2)))
          (local.set $i (i32.add (local.get $i) (i32.const 16)))
          (br_if $in (i32.lt_u (local.get $i) (local.get $blk))))
        (global.set $s1 (f64x2.add (global.get $s1) (call $widen (local.get $a1))))
        (global.set $s2 (f64x2.add (global.get $s2) (call $widen (local.get $a2))))
        (br $next))))

  ;; finish(p, i, n, c): r0, r1 ← the lanes of $s1, $s2 plus the last values from byte i to value n in float64
  (func $finish (param $p i32) (param $i i32) (param $n i32) (param $c f64)
    (local $end i32) (local $f1 f64) (local $f2 f64) (local $x f64)
    (local.set $f1 (call $lanes (global.get $s1)))
    (local.set $f2 (call $lanes (global.get $s2)))
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

  ;; aliveRows(at, rows, width, bv, masks): each unit's mask lanes |= (x > bound) over `rows` rows of `width` bytes,
  ;; down the columns: sixteen units at a time in registers, then four
  (func $aliveRows (param $at i32) (param $rows i32) (param $width i32) (param $bv v128) (param $masks i32)
    (local $g i32) (local $p i32) (local $end i32) (local $m v128) (local $m1 v128) (local $m2 v128) (local $m3 v128)
    (block $sixteens_done
      (loop $next_sixteen
        (br_if $sixteens_done (i32.gt_u (i32.add (local.get $g) (i32.const 64)) (local.get $width)))
        (local.set $m (v128.load (i32.add (local.get $masks) (local.get $g))))
        (local.set $m1 (v128.load offset=16 (i32.add (local.get $masks) (local.get $g))))
        (local.set $m2 (v128.load offset=32 (i32.add (local.get $masks) (local.get $g))))
        (local.set $m3 (v128.load offset=48 (i32.add (local.get $masks) (local.get $g))))
        (local.set $p (i32.add (local.get $at) (local.get $g)))
        (local.set $end (i32.add (local.get $p) (i32.mul (local.get $rows) (local.get $width))))
        (block $done
          (loop $next
            (br_if $done (i32.ge_u (local.get $p) (local.get $end)))
            (local.set $m (v128.or (local.get $m) (f32x4.gt (v128.load align=4 (local.get $p)) (local.get $bv))))
            (local.set $m1 (v128.or (local.get $m1) (f32x4.gt (v128.load offset=16 align=4 (local.get $p)) (local.get $bv))))
            (local.set $m2 (v128.or (local.get $m2) (f32x4.gt (v128.load offset=32 align=4 (local.get $p)) (local.get $bv))))
            (local.set $m3 (v128.or (local.get $m3) (f32x4.gt (v128.load offset=48 align=4 (local.get $p)) (local.get $bv))))
            (local.set $p (i32.add (local.get $p) (local.get $width)))
            (br $next)))
        (v128.store (i32.add (local.get $masks) (local.get $g)) (local.get $m))
        (v128.store offset=16 (i32.add (local.get $masks) (local.get $g)) (local.get $m1))
        (v128.store offset=32 (i32.add (local.get $masks) (local.get $g)) (local.get $m2))
        (v128.store offset=48 (i32.add (local.get $masks) (local.get $g)) (local.get $m3))
        (local.set $g (i32.add (local.get $g) (i32.const 64)))
        (br $next_sixteen)))
    (block $fours_done
      (loop $next_four
        (br_if $fours_done (i32.ge_u (local.get $g) (local.get $width)))
        (local.set $m (v128.load (i32.add (local.get $masks) (local.get $g))))
        (local.set $p (i32.add (local.get $at) (local.get $g)))
        (local.set $end (i32.add (local.get $p) (i32.mul (local.get $rows) (local.get $width))))
        (block $done
          (loop $next
            (br_if $done (i32.ge_u (local.get $p) (local.get $end)))
            (local.set $m (v128.or (local.get $m) (f32x4.gt (v128.load align=4 (local.get $p)) (local.get $bv))))
            (local.set $p (i32.add (local.get $p) (local.get $width)))
            (br $next)))
        (v128.store (i32.add (local.get $masks) (local.get $g)) (local.get $m))
        (local.set $g (i32.add (local.get $g) (i32.const 16)))
        (br $next_four))))

  ;; allAlive(masks, width) → 1 when every unit's mask is set
  (func $allAlive (param $masks i32) (param $width i32) (result i32)
    (local $j i32) (local $m v128)
    (local.set $m (v128.const i32x4 -1 -1 -1 -1))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $j) (local.get $width)))
        (local.set $m (v128.and (local.get $m) (v128.load (i32.add (local.get $masks) (local.get $j)))))
        (local.set $j (i32.add (local.get $j) (i32.const 16)))
        (br $next)))
    (i32x4.all_true (local.get $m)))

  ;; deadCount(masks, width) → how many units' masks are not set
  (func $deadCount (param $masks i32) (param $width i32) (result i32)
    (local $j i32) (local $count i32)
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $j) (local.get $width)))
        (local.set $count (i32.add (local.get $count)
          (call $deadLanes (v128.load (i32.add (local.get $masks) (local.get $j))))))
        (local.set $j (i32.add (local.get $j) (i32.const 16)))
        (br $next)))
    (local.get $count))

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

  ;; deadAtOrBelow(p, rows, u, bound) → how many of the u units (the last axis of a rows × u array; u a multiple of
  ;; 4) have no value above bound (float32 compares: NaN is not above). Sixteen units at a time (then four), down
  ;; their columns: a group stops at the row where all of its units have been seen above the bound (live units stop
  ;; early; only a group with a dead unit reads its columns to the end, in one pass over those rows).
  (func (export "deadAtOrBelow") (param $p i32) (param $rows i32) (param $u i32) (param $bound f32) (result i32)
    (local $g i32) (local $width i32) (local $at i32) (local $end i32) (local $bv v128) (local $m v128)
    (local $m1 v128) (local $m2 v128) (local $m3 v128)
    (local $count i32)
    (local.set $width (i32.shl (local.get $u) (i32.const 2)))
    (local.set $bv (f32x4.splat (local.get $bound)))
    ;; sixteen units down the rows together (one pass over the rows' memory), stopping when all sixteen are alive
    (block $sixteens_done
      (loop $next_sixteen
        (br_if $sixteens_done (i32.gt_u (i32.add (local.get $g) (i32.const 64)) (local.get $width)))
        (local.set $at (i32.add (local.get $p) (local.get $g)))
        (local.set $end (i32.add (local.get $at) (i32.mul (local.get $rows) (local.get $width))))
        (local.set $m (v128.const i32x4 0 0 0 0))
        (local.set $m1 (v128.const i32x4 0 0 0 0))
        (local.set $m2 (v128.const i32x4 0 0 0 0))
        (local.set $m3 (v128.const i32x4 0 0 0 0))
        (block $done
          (loop $next
            (br_if $done (i32.ge_u (local.get $at) (local.get $end)))
            (local.set $m (v128.or (local.get $m) (f32x4.gt (v128.load align=4 (local.get $at)) (local.get $bv))))
            (local.set $m1 (v128.or (local.get $m1) (f32x4.gt (v128.load offset=16 align=4 (local.get $at)) (local.get $bv))))
            (local.set $m2 (v128.or (local.get $m2) (f32x4.gt (v128.load offset=32 align=4 (local.get $at)) (local.get $bv))))
            (local.set $m3 (v128.or (local.get $m3) (f32x4.gt (v128.load offset=48 align=4 (local.get $at)) (local.get $bv))))
            (br_if $done (i32x4.all_true
              (v128.and (v128.and (local.get $m) (local.get $m1)) (v128.and (local.get $m2) (local.get $m3)))))
            (local.set $at (i32.add (local.get $at) (local.get $width)))
            (br $next)))
        (local.set $count (i32.add (local.get $count)
          (i32.add
            (i32.add (call $deadLanes (local.get $m)) (call $deadLanes (local.get $m1)))
            (i32.add (call $deadLanes (local.get $m2)) (call $deadLanes (local.get $m3))))))
        (local.set $g (i32.add (local.get $g) (i32.const 64)))
        (br $next_sixteen)))
    ;; then four at a time
    (block $groups_done
      (loop $next_group
        (br_if $groups_done (i32.ge_u (local.get $g) (local.get $width)))
        (local.set $at (i32.add (local.get $p) (local.get $g)))
        (local.set $end (i32.add (local.get $at) (i32.mul (local.get $rows) (local.get $width))))
        (local.set $m (v128.const i32x4 0 0 0 0))
        (block $done
          (loop $next
            (br_if $done (i32.ge_u (local.get $at) (local.get $end)))
            (local.set $m (v128.or (local.get $m) (f32x4.gt (v128.load align=4 (local.get $at)) (local.get $bv))))
            (br_if $done (i32x4.all_true (local.get $m)))
            (local.set $at (i32.add (local.get $at) (local.get $width)))
            (br $next)))
        (local.set $count (i32.add (local.get $count) (call $deadLanes (local.get $m))))
        (local.set $g (i32.add (local.get $g) (i32.const 16)))
        (br $next_group)))
    (local.get $count))

  ;; deadLanes(m) → how many of m's lanes are still 0 (never alive): i32x4.eq gives −1 there
  (func $deadLanes (param $m v128) (result i32)
    (local.set $m (i32x4.eq (local.get $m) (v128.const i32x4 0 0 0 0)))
    (i32.sub (i32.const 0)
      (i32.add
        (i32.add (i32x4.extract_lane 0 (local.get $m)) (i32x4.extract_lane 1 (local.get $m)))
        (i32.add (i32x4.extract_lane 2 (local.get $m)) (i32x4.extract_lane 3 (local.get $m))))))
)
