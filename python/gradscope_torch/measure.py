"""A measured step's statistics, fused on the device: every number is computed as a tensor where the model lives,
stacked into one tensor, and read back with ONE ``.tolist()`` (one device → host transfer per measured step).

Per layer (docs/metrics.md, the engine's definitions): ``gradNorm`` (kernel), ``biasGradNorm``, ``weightNorm`` after
the update, ``updateRatio`` = ‖ΔW‖/‖W before‖ (W copied before the update), ``deadUnits`` for the ReLU family (units
whose activation slope is below DEAD_SLOPE for every sample and position of the batch), ``saturation`` for
sigmoid/tanh/hardSigmoid (outputs in the flat tails), ``activationMean``/``activationStd`` of the signal the layer
passes on; ``globalGradNorm`` over every parameter's gradient.

The activations are read by forward hooks during the step's training forward (the last forward with gradients
enabled before ``Monitor.step``): only on steps that are measured.
"""
import math

import torch
from torch.nn import functional as F

from .facts import DEAD_ACTIVATIONS, DEAD_SLOPE, SATURATING_ACTIVATIONS, SELU_ALPHA, SELU_LAMBDA
from .layers import first_tensor


def _norms(tensors):
    if not tensors:
        return []
    if hasattr(torch, "_foreach_norm"):
        return list(torch._foreach_norm(tensors))
    return [torch.linalg.vector_norm(t) for t in tensors]


def _subtract_(into, tensors):
    if hasattr(torch, "_foreach_sub_"):
        torch._foreach_sub_(into, tensors)
    else:
        for a, b in zip(into, tensors):
            a.sub_(b)


# ATen's grain size (at::internal::GRAIN_SIZE): a CPU kernel over more elements than this runs on the OpenMP team.
GRAIN = 32768


def _serial():
    """Whether the monitor's elementwise work on CPU tensors is split into pieces of at most GRAIN elements, each
    below the size at which ATen forks the OpenMP team: with more than one torch thread. The monitor's copies,
    subtractions and sums are a few µs each: forking and joining the team costs about as much wall time, twice the
    CPU time, and on a loaded machine (the other thread waiting for a core) up to a scheduler time slice per kernel.
    The pieces give bit-identical results (elementwise, or whole rows of a reduction)."""
    return torch.get_num_threads() > 1


def _one_thread_pieces(x):
    """Whether a reduction over x (at least GRAIN elements, on CPU) is to be made in pieces (see _serial)."""
    return x.numel() >= GRAIN and x.device.type == "cpu" and _serial()


def pieces(t):
    """t as views of at most GRAIN elements (flat, in order) when it is a contiguous CPU tensor larger than that and
    _serial(); else [t]."""
    if t.numel() <= GRAIN or t.device.type != "cpu" or not t.is_contiguous() or not _serial():
        return [t]
    return list(t.view(-1).split(GRAIN))


def apply_activation(name, x, params, unit_axis):
    """The activation's output for pre-activations x (for functional activations, which no hook sees)."""
    if name == "relu":
        return torch.relu(x)
    if name == "relu6":
        return F.relu6(x)
    if name == "leakyRelu":
        return F.leaky_relu(x, params.get("alpha", 0.01))
    if name == "rrelu":
        return F.leaky_relu(x, (params.get("lower", 1 / 8) + params.get("upper", 1 / 3)) / 2)
    if name == "elu":
        return F.elu(x, params.get("alpha", 1.0))
    if name == "selu":
        return F.selu(x)
    if name == "gelu":
        return F.gelu(x)
    if name == "swish":
        return F.silu(x)
    if name == "mish":
        return x * torch.tanh(F.softplus(x))
    if name == "softplus":
        return F.softplus(x)
    if name == "sigmoid":
        return torch.sigmoid(x)
    if name == "hardSigmoid":
        return F.hardsigmoid(x)
    if name == "tanh":
        return torch.tanh(x)
    if name == "softmax":
        dim = params.get("dim")
        return F.softmax(x, dim=unit_axis if dim is None else dim)
    return x


def activation_slope(name, x, params):
    """The activation's derivative at x, as facts.ts ACTIVATION_FACTS[name].slope computes it."""
    if name == "relu":
        return (x > 0).to(x.dtype)
    if name == "relu6":
        return ((x > 0) & (x < 6)).to(x.dtype)
    if name == "elu":
        return torch.where(x > 0, torch.ones_like(x), params.get("alpha", 1.0) * torch.exp(x))
    if name == "selu":
        return SELU_LAMBDA * torch.where(x > 0, torch.ones_like(x), SELU_ALPHA * torch.exp(x))
    if name == "gelu":
        return 0.5 * (1 + torch.erf(x / math.sqrt(2))) + x * torch.exp(-0.5 * x * x) / math.sqrt(2 * math.pi)
    if name == "swish":
        s = torch.sigmoid(x)
        return s * (1 + x * (1 - s))
    if name == "mish":
        t = torch.tanh(F.softplus(x))
        return t + x * (1 - t * t) * torch.sigmoid(x)
    if name == "softplus":
        return torch.sigmoid(x)
    raise ValueError(f"no slope for {name}")


def _other_axes(x, unit_axis):
    axis = unit_axis % x.dim()
    return tuple(d for d in range(x.dim()) if d != axis)


def dead_units(name, pre, params, unit_axis):
    """Units whose activation slope at the pre-activation is below DEAD_SLOPE for every sample (and position)."""
    axes = _other_axes(pre, unit_axis)
    if name == "relu":  # slope 0 exactly where x ≤ 0: a unit is dead when its largest pre-activation is ≤ 0
        return (pre.amax(dim=axes) <= 0).sum()
    slope = activation_slope(name, pre, params).abs()
    return (slope.amax(dim=axes) < DEAD_SLOPE).sum()


def unit_sums(x, unit_axis):
    """Each unit's sum over the other axes (samples, positions). Over a contiguous view when the units are the last
    axis or axis 1 (N, C, H, W): on CPU that is about twice as fast as one reduction over the strided axes (0, 2, 3)."""
    axis = unit_axis % x.dim()
    if x.is_contiguous():
        if axis == x.dim() - 1:
            rows = x.view(-1, x.shape[-1])
            cols = (GRAIN - 1) // max(rows.shape[0], 1) // 64 * 64
            if cols and _one_thread_pieces(x):
                # blocks of whole columns, a multiple of 64 wide (the kernel's vector lanes see the same columns, so
                # each unit's sum is bit-identical), each below the size at which the reduction forks (see _serial)
                sums = torch.empty(rows.shape[1], dtype=x.dtype, device=x.device)
                for xs, out in zip(rows.split(cols, 1), sums.split(cols)):
                    torch.sum(xs, 0, out=out)
                return sums
            return rows.sum(0)
        if axis == 1:
            per_sample = x[0].numel() if x.shape[0] else 0
            if 0 < per_sample < GRAIN and _one_thread_pieces(x):
                # each (sample, unit)'s sum over positions, a few samples at a time: the same rows as below, summed
                # by the same kernel, one thread (see _serial)
                rows = torch.empty(x.shape[0], x.shape[1], dtype=x.dtype, device=x.device)
                per = (GRAIN - 1) // per_sample  # samples per piece: a reduction over fewer than GRAIN runs serially
                for xs, out in zip(x.split(per), rows.split(per)):
                    torch.sum(xs.view(xs.shape[0], xs.shape[1], -1), 2, out=out)
                return rows.sum(0)
            return x.view(x.shape[0], x.shape[1], -1).sum(2).sum(0)
    return x.sum(dim=_other_axes(x, unit_axis))


def centered_norm(x, total, scratch):
    """‖x − mean‖ for mean = total / x.numel() (total: x's sum as a 0-dim tensor), x − mean written into scratch (a
    buffer kept between steps: no allocation). Two passes around the exact mean keep a tiny spread around a large mean
    exact (a deep sigmoid stack's signal), where E[x²] − E[x]² in float32 would cancel to noise; on CPU it is several
    times faster than torch.var_mean (7 ms → 1 ms on 692k values). std = ‖x − mean‖ / √n."""
    alpha = 1 / x.numel()
    xs = pieces(x)
    if len(xs) == 1:
        torch.sub(x, total, alpha=alpha, out=scratch)
    else:
        for xp, sp in zip(xs, pieces(scratch)):
            torch.sub(xp, total, alpha=alpha, out=sp)
    return torch.linalg.vector_norm(scratch)


def saturated(name, y):
    """How many outputs are in the flat tails (saturation = this / y.numel()): sigmoid outside [0.01, 0.99], tanh
    |y| > 0.99, hardSigmoid at 0 or 1."""
    if name == "sigmoid":
        tail = (y < 0.01) | (y > 0.99)
    elif name == "tanh":
        tail = y.abs() > 0.99
    else:
        tail = (y <= 0) | (y >= 1)
    return torch.count_nonzero(tail)


def _float(x):
    return x if x.dtype in (torch.float32, torch.float64) else x.float()


# A signal whose std was at least WIDE × |mean| at the last measured step gets its std in one pass, from ‖x‖ and the
# mean (E[x²] ≤ (1 + 1/WIDE²) var: the cancellation costs at most a factor 5 of float32 rounding); any other signal,
# and every signal's first measurement, in two passes around the exact mean (centered_norm).
WIDE = 0.5
_RMS = "_rms"  # ‖x‖ / √n, turned into activationStd in measure()


class Measurer:
    """Hooks that keep the measured forward's tensors, the weights before the update, and the fused reduction."""

    def __init__(self, root, layers, parameters):
        self.root = root
        self.layers = layers
        self.parameters = parameters  # every parameter of the model, for the global gradient norm
        self.armed = False  # the next training forward belongs to a measured step
        self.recording = False
        self.captured = {}
        self._counts = {}
        self._current = {}
        self._sites = {}  # module → {call index: [what, ...]}
        self._handles = []
        self._before = None  # copies of every layer's kernel (and recurrent kernel) before the update
        self._before_norms = None  # their norms, when the step that just ended measured the same weights
        self._last_norms = None  # the weight norms the last measured step read back
        self._scratch = {}  # (shape, dtype) → a buffer for x − mean (no fresh allocation per step)
        self._wide = set()  # layers whose last measured signal had std ≥ WIDE × |mean| (one-pass std is exact enough)
        self._moving = [p for layer in layers for p in layer.kernel + layer.recurrent]
        self._pieces_key = self._pieces_of = None
        self._layouts = {}  # (loss is a tensor, which parameters have a gradient, require one) → _layout()

    def install(self):
        for layer in self.layers:
            for site in (layer.signal_at, self._pre_site(layer)):
                if site is not None:
                    module, index, what = site
                    self._sites.setdefault(module, {}).setdefault(index, set()).add(what)
        self._handles.append(self.root.register_forward_pre_hook(self._root_pre))
        self._handles.append(self.root.register_forward_hook(self._root_post))
        for module, by_index in self._sites.items():
            self._handles.append(module.register_forward_pre_hook(self._pre))
            if any("out" in whats for whats in by_index.values()):
                self._handles.append(module.register_forward_hook(self._post))

    @staticmethod
    def _pre_site(layer):
        """Where the layer's pre-activation is read, or None when it is not needed: a relu whose output is read has
        its dead units from the output's per-unit sums (_activation_parts), and holding the input (a conv's output)
        until step() kept megabytes alive through backward, which then got fresh pages from the allocator on every
        measured step (the bench CNN's backward: 3 → 30 ms, 1,450 more page faults per step). An in-place relu's
        copied input ("in-clone") is kept: it also stands in for an earlier output the relu overwrote."""
        pre = layer.pre_at
        if (
            pre is not None
            and pre[2] == "in"
            and layer.activation == "relu"
            and layer.signal_at is not None
            and not layer.signal_from_pre
            and not layer.pre_is_output
        ):
            return None
        return pre

    def remove(self):
        for h in self._handles:
            h.remove()
        self._handles = []

    def seed(self, trace):
        """The traced forward was the first measured step's: take its tensors."""
        for layer in self.layers:
            for site in (layer.signal_at, self._pre_site(layer)):
                if site is not None:
                    t = trace.tensor(site)
                    if t is not None:
                        self.captured[site] = t.detach()
        self._summarise()

    def _root_post(self, module, inputs, output):
        if self.recording:
            self._summarise()

    @torch.no_grad()
    def _summarise(self):
        """The measured forward ended: its activation statistics are queued as 0-dim tensors (read back with the rest
        in measure()) and the tensors they were computed from are let go. Holding them until step() kept megabytes
        alive through backward, which then got fresh pages from the allocator on every measured step (the bench
        CNN's backward: about 3 ms → 30 ms, 1,400 more page faults per step)."""
        parts = []
        plans = [self._activation_parts(layer, parts) for layer in self.layers]
        self._activations = (parts, plans)
        self.captured = {}

    _activations = None  # (parts, per-layer plans) of the last measured forward, until measure() takes them

    def _root_pre(self, module, inputs):
        self._counts.clear()
        self.recording = self.armed and torch.is_grad_enabled()
        if self.recording:
            self.captured.clear()  # a later training forward (gradient accumulation) replaces the earlier one

    def _pre(self, module, inputs):
        if not self.recording:
            return
        index = self._counts.get(module, 0)
        self._counts[module] = index + 1
        self._current[module] = index
        whats = self._sites[module].get(index)
        if not whats:
            return
        x = first_tensor(inputs)
        if x is None:
            return
        if "in" in whats:
            self.captured[(module, index, "in")] = x.detach()
        if "in-clone" in whats:
            copy = x.detach().clone()  # an in-place activation is about to overwrite x
            self.captured[(module, index, "in-clone")] = copy
            for site, t in list(self.captured.items()):
                if site[2] == "out" and t.data_ptr() == x.data_ptr() and t.shape == x.shape:
                    self.captured[site] = copy

    def _post(self, module, inputs, output):
        if not self.recording:
            return
        index = self._current.get(module)
        whats = self._sites[module].get(index)
        if whats and "out" in whats:
            y = first_tensor(output)
            if y is not None:
                self.captured[(module, index, "out")] = y.detach()

    @torch.no_grad()
    def keep_weights(self, measured_now=False):
        """Copies the kernels now, before the next step's update (updateRatio compares the update with them).
        measured_now: the step that just ended measured these weights, so their norms are already known."""
        self._before_norms = self._last_norms if measured_now else None
        if self._before is None:
            self._before = [p.detach().clone() for p in self._moving]
        else:
            for b, p in zip(*self._pieces()):
                b.copy_(p)
        self.have_before = True

    def _pieces(self):
        """(the copies' pieces, the kernels' pieces) for the elementwise copy and subtraction (see pieces()): kept
        while the kernels' storage and the thread setting stay the same."""
        key = (_serial(), tuple(p.data_ptr() for p in self._moving))
        if self._pieces_key != key:
            self._pieces_key = key
            before = [piece for b in self._before for piece in pieces(b)]
            moving = [piece for p in self._moving for piece in pieces(p.detach())]
            # a kernel and its copy have the same shape and layout, so they split alike
            self._pieces_of = (before, moving) if len(before) == len(moving) else (self._before, self._moving)
        return self._pieces_of

    have_before = False

    @torch.no_grad()
    def measure(self, loss):
        """The measured step's numbers: (loss, globalGradNorm, per-layer metrics list, nonFinite).

        Every number is a 0-dim tensor in `parts` (read back together: one .tolist()). The norms of every gradient,
        every kernel after the update and the update itself (W before − W after, by one _foreach_sub_ into the copy)
        come from one torch._foreach_norm call; when the last step did not measure the kernels, their norms before
        the update come from a first call before the subtraction. Scaling (mean = sum / n, std = ‖x − mean‖ / √n,
        dead = units − live) is done on the numbers read back, in Python. Which number sits where depends only on
        which parameters have a gradient and require one: that layout is computed once and kept (_layout)."""
        parts = []
        loss_tensor = isinstance(loss, torch.Tensor)
        if loss_tensor:
            parts.append(loss.detach() if loss.dim() == 0 else loss.detach().mean())
        params = self.parameters
        grads = [p.grad for p in params]
        key = (loss_tensor, tuple(g is not None for g in grads), tuple(p.requires_grad for p in params))
        layout = self._layouts.get(key)
        if layout is None:
            layout = self._layouts[key] = self._layout(*key)
        grad_slots, layer_plans = layout
        moving = self._moving
        have_before = self.have_before
        old_needed = have_before and self._before_norms is None
        tensors = [g for g in grads if g is not None] + moving
        if have_before and not old_needed:
            _subtract_(*self._pieces())  # the buffer now holds W before − W after (keep_weights refills it)
            parts.extend(_norms(tensors + self._before))
        else:
            parts.extend(_norms(tensors + self._before if old_needed else tensors))
            if have_before:
                _subtract_(*self._pieces())
                parts.extend(_norms(self._before))
        self.have_before = False
        new0 = len(grad_slots) + loss_tensor
        diff0 = new0 + len(moving) * (2 if old_needed else 1)
        act_parts, activations = self._activations or ([], [[] for _ in self.layers])
        self._activations = None
        act0 = len(parts)
        parts.extend(act_parts)
        values = torch.stack(parts).tolist() if parts else []
        self.captured = {}

        loss_value = values[0] if loss_tensor else float(loss)
        new_norms = values[new0 : new0 + len(moving)]
        old_norms = diff_norms = None
        if have_before:
            old_norms = values[new0 + len(moving) : diff0] if old_needed else self._before_norms
            diff_norms = values[diff0 : diff0 + len(moving)]
        self._last_norms = new_norms
        global_sq = 0.0
        for i in grad_slots:
            global_sq += values[i] ** 2
        out = []
        wide = self._wide
        for (name, units, kernel, recurrent, grad, bias_grad, recurrent_grad), plan in zip(layer_plans, activations):
            m = {"name": name}
            m["weightNorm"] = _norm_of([new_norms[i] for i in kernel])
            m["updateRatio"] = _ratio(diff_norms, old_norms, kernel) if old_norms else 0.0
            if units is not None:
                m["units"] = units
            if grad is None:
                m["frozen"] = True
            else:
                m["gradNorm"] = _root_sum(values, grad)
            if bias_grad is not None:
                m["biasGradNorm"] = _root_sum(values, bias_grad)
            if recurrent:
                m["recurrentGradNorm"] = _root_sum(values, recurrent_grad)
                m["recurrentWeightNorm"] = _norm_of([new_norms[i] for i in recurrent])
                m["recurrentUpdateRatio"] = _ratio(diff_norms, old_norms, recurrent) if old_norms else 0.0
            for key, at, offset, scale in plan:
                m[key] = offset + scale * values[act0 + at]
            if plan:
                if _RMS in m:
                    rms = m.pop(_RMS)
                    mean = m["activationMean"]
                    m["activationStd"] = math.sqrt(max(rms * rms - mean * mean, 0.0)) if math.isfinite(rms) else rms
                if "activationStd" in m:
                    std = m["activationStd"]
                    if math.isfinite(std) and std >= WIDE * abs(m["activationMean"]):
                        wide.add(name)
                    else:
                        wide.discard(name)
                if "deadUnits" in m:
                    m["deadUnits"] = int(m["deadUnits"])
            out.append(m)
        # Every number above is finite when every number read back (and the kept norms) is: check the sum first.
        kept = old_norms if have_before and not old_needed else ()  # the norms kept from the last step
        non_finite = not math.isfinite(global_sq + loss_value + sum(values) + sum(kept))
        if non_finite:
            numbers = [loss_value, global_sq] + [v for m in out for v in m.values() if isinstance(v, float)]
            non_finite = any(not math.isfinite(v) for v in numbers)
        return loss_value, math.sqrt(global_sq), out, non_finite

    def _layout(self, loss_tensor, has_grad, requires_grad):
        """Where each layer's gradient norms sit among the numbers read back, given which parameters have a
        gradient (has_grad) and require one (requires_grad), in self.parameters' order: (positions of every
        gradient's norm, per layer (name, units, kernel slots, recurrent slots, kernel gradient positions or None
        when frozen, bias gradient positions or None, recurrent gradient positions)); slots index the kernels in
        self._moving."""
        at = {}
        for p, has in zip(self.parameters, has_grad):
            if has:
                at[id(p)] = len(at) + loss_tensor
        trainable = {id(p) for p, r in zip(self.parameters, requires_grad) if r}
        plans = []
        k = 0  # position in moving (kernel then recurrent params of each layer, in layer order)
        for layer in self.layers:
            kn, rn = len(layer.kernel), len(layer.recurrent)
            kernel, recurrent = range(k, k + kn), range(k + kn, k + kn + rn)
            k += kn + rn
            frozen = layer.kernel and not any(id(p) in trainable for p in layer.kernel)
            grad = None if frozen else [at.get(id(p)) for p in layer.kernel]
            bias = [at.get(id(p)) for p in layer.bias] if any(id(p) in trainable for p in layer.bias) else None
            rec = [at.get(id(p)) for p in layer.recurrent]
            plans.append((layer.name, layer.units, kernel, recurrent, grad, bias, rec))
        return list(at.values()), plans

    def _scratch_for(self, x):
        key = (tuple(x.shape), x.dtype, x.device)
        scratch = self._scratch.get(key)
        if scratch is None:
            scratch = self._scratch[key] = torch.empty_like(x, memory_format=torch.contiguous_format)
        return scratch

    def _activation_parts(self, layer, parts):
        """Queues the layer's activation statistics in parts; [(field, index into parts, offset, scale)]: the field's
        value is offset + scale × the number read back."""
        pre = self.captured.get(layer.pre_at) if layer.pre_at else None
        signal = self.captured.get(layer.signal_at) if layer.signal_at else None
        name = layer.activation
        if signal is None and pre is not None:
            if layer.pre_is_output:
                signal = pre
            elif layer.signal_from_pre:
                signal = apply_activation(name, pre, layer.activation_params, layer.unit_axis)
        plan = []

        def put(field, t, offset=0.0, scale=1.0):
            plan.append((field, len(parts), offset, scale))
            parts.append(t)

        # An in-place functional activation left only its output: relu and relu6 are dead exactly where it is 0 (or 6).
        pre_usable = pre is not None and pre.dim() >= 2 and (not layer.pre_is_output or name in ("relu", "relu6"))
        dead = name in DEAD_ACTIVATIONS and pre_usable
        if signal is not None and signal.numel() > 0:
            x = _float(signal)
            n = x.numel()
            # (a relu's input is not read when its output is: see _pre_site)
            if name == "relu" and x.dim() >= 2 and (dead or layer.pre_at is not None and self._pre_site(layer) is None):
                # The signal is relu(pre) ≥ 0: a unit is dead (pre ≤ 0 for every sample and position) exactly when
                # its outputs sum to 0, and the per-unit sums add up to the sum the mean needs: one pass for both.
                sums = unit_sums(x, layer.unit_axis)
                total = sums.sum()
            else:
                sums, total = None, x.sum()
            put("activationMean", total, 0.0, 1.0 / n)
            if layer.name in self._wide:
                # std ≥ WIDE × |mean| last time: E[x²] − mean² loses at most a few float32 ulps to cancellation,
                # and ‖x‖ only reads x (no x − mean written): measure() takes the root.
                put(_RMS, torch.linalg.vector_norm(x), 0.0, 1.0 / math.sqrt(n))
            else:
                put("activationStd", centered_norm(x, total, self._scratch_for(x)), 0.0, 1.0 / math.sqrt(n))
            if sums is not None:
                # ord 0: how many are nonzero, as a float (a float32 count is exact below 2^24 units) — an int64
                # count would make torch.stack convert every part (~7 µs each on CPU)
                put("deadUnits", torch.linalg.vector_norm(sums, 0), float(sums.numel()), -1.0)
                dead = False
        if dead:
            units = pre.shape[layer.unit_axis]
            put("deadUnits", _count(dead_units(name, _float(pre), layer.activation_params, layer.unit_axis), units))
        if name in SATURATING_ACTIVATIONS and signal is not None and signal.numel() > 0:
            put("saturation", _count(saturated(name, signal), signal.numel()), 0.0, 1.0 / signal.numel())
        return plan


def _count(count, most):
    """An int64 count as float32 when it is exact there (at most 2^24): parts of one dtype are stacked several times
    faster (mixed, torch.stack converts each one)."""
    return count.float() if most <= 1 << 24 else count


def _root_sum(values, slots):
    """‖(a, b, ...)‖ from the norms of the parts; a missing gradient (the parameter had none this step) counts 0."""
    present = [values[i] for i in slots if i is not None]
    if len(present) == 1:
        return present[0]
    return math.sqrt(sum(v * v for v in present))


def _norm_of(norms):
    """‖(a, b, ...)‖ from the norms of the parts."""
    return norms[0] if len(norms) == 1 else math.sqrt(sum(v * v for v in norms))  # 0 for none


def _ratio(diff_norms, old_norms, slots):
    """‖ΔW‖ / ‖W before‖ over the parameters at `slots`."""
    if not slots:
        return 0.0
    return _norm_of([diff_norms[i] for i in slots]) / max(_norm_of([old_norms[i] for i in slots]), 1e-12)
