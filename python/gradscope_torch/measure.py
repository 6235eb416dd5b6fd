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
            return x.view(-1, x.shape[-1]).sum(0)
        if axis == 1:
            return x.view(x.shape[0], x.shape[1], -1).sum(2).sum(0)
    return x.sum(dim=_other_axes(x, unit_axis))


def centered_norm(x, total, scratch):
    """‖x − mean‖ for mean = total / x.numel() (total: x's sum as a 0-dim tensor), x − mean written into scratch (a
    buffer kept between steps: no allocation). Two passes around the exact mean keep a tiny spread around a large mean
    exact (a deep sigmoid stack's signal), where E[x²] − E[x]² in float32 would cancel to noise; on CPU it is several
    times faster than torch.var_mean (7 ms → 1 ms on 692k values). std = ‖x − mean‖ / √n."""
    torch.sub(x, total, alpha=1 / x.numel(), out=scratch)
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

    def install(self):
        for layer in self.layers:
            for site in (layer.signal_at, layer.pre_at):
                if site is not None:
                    module, index, what = site
                    self._sites.setdefault(module, {}).setdefault(index, set()).add(what)
        self._handles.append(self.root.register_forward_pre_hook(self._root_pre))
        for module, by_index in self._sites.items():
            self._handles.append(module.register_forward_pre_hook(self._pre))
            if any("out" in whats for whats in by_index.values()):
                self._handles.append(module.register_forward_hook(self._post))

    def remove(self):
        for h in self._handles:
            h.remove()
        self._handles = []

    def seed(self, trace):
        """The traced forward was the first measured step's: take its tensors."""
        for layer in self.layers:
            for site in (layer.signal_at, layer.pre_at):
                if site is not None:
                    t = trace.tensor(site)
                    if t is not None:
                        self.captured[site] = t.detach()

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
            for b, p in zip(self._before, self._moving):
                b.copy_(p)
        self.have_before = True

    have_before = False

    @torch.no_grad()
    def measure(self, loss):
        """The measured step's numbers: (loss, globalGradNorm, per-layer metrics list, nonFinite).

        Every number is a 0-dim tensor in `parts` (read back together: one .tolist()). The norms of every gradient,
        every kernel after the update and, when the last step did not measure them, every kernel before it come from
        one torch._foreach_norm call; the update's norms from a second one after one _foreach_sub_. Scaling (mean =
        sum / n, std = ‖x − mean‖ / √n, dead = units − live) is done on the numbers read back, in Python."""
        parts = []
        loss_at = None
        if isinstance(loss, torch.Tensor):
            loss_at = 0
            parts.append(loss.detach() if loss.dim() == 0 else loss.detach().mean())
        with_grad = [p for p in self.parameters if p.grad is not None]
        moving = self._moving
        old_needed = self.have_before and self._before_norms is None
        g0 = len(parts)
        grad_at = {id(p): g0 + i for i, p in enumerate(with_grad)}
        new0 = g0 + len(with_grad)
        old0 = new0 + len(moving)
        parts.extend(_norms([p.grad for p in with_grad] + moving + (self._before if old_needed else [])))
        diff0 = None
        if self.have_before:
            _subtract_(self._before, moving)  # the buffer now holds W before − W after (keep_weights refills it)
            diff0 = len(parts)
            parts.extend(_norms(self._before))
            self.have_before = False
        plans = [self._activation_parts(layer, parts) for layer in self.layers]
        values = torch.stack(parts).tolist() if parts else []
        self.captured = {}

        loss_value = values[loss_at] if loss_at is not None else float(loss)
        new_norms = values[new0 : new0 + len(moving)]
        old_norms = diff_norms = None
        if diff0 is not None:
            old_norms = values[old0 : old0 + len(moving)] if old_needed else self._before_norms
            diff_norms = values[diff0 : diff0 + len(moving)]
        self._last_norms = new_norms
        global_sq = sum(values[i] ** 2 for i in grad_at.values())
        out = []
        k = 0  # position in moving (kernel then recurrent params of each layer, in layer order)
        for layer, plan in zip(self.layers, plans):
            kn, rn = len(layer.kernel), len(layer.recurrent)
            kernel_slots = range(k, k + kn)
            recurrent_slots = range(k + kn, k + kn + rn)
            k += kn + rn
            m = {"name": layer.name}
            m["weightNorm"] = _norm_of([new_norms[i] for i in kernel_slots])
            m["updateRatio"] = _ratio(diff_norms, old_norms, kernel_slots) if old_norms else 0.0
            if layer.units is not None:
                m["units"] = layer.units
            if layer.kernel and not any(p.requires_grad for p in layer.kernel):
                m["frozen"] = True
            else:
                m["gradNorm"] = _root_sum(values, [grad_at.get(id(p)) for p in layer.kernel])
            if layer.bias and any(p.requires_grad for p in layer.bias):
                m["biasGradNorm"] = _root_sum(values, [grad_at.get(id(p)) for p in layer.bias])
            if recurrent_slots:
                m["recurrentGradNorm"] = _root_sum(values, [grad_at.get(id(p)) for p in layer.recurrent])
                m["recurrentWeightNorm"] = _norm_of([new_norms[i] for i in recurrent_slots])
                m["recurrentUpdateRatio"] = _ratio(diff_norms, old_norms, recurrent_slots) if old_norms else 0.0
            for key, at, offset, scale in plan:
                m[key] = offset + scale * values[at]
            if _RMS in m:
                rms = m.pop(_RMS)
                m["activationStd"] = math.sqrt(max(rms * rms - m["activationMean"] ** 2, 0.0)) if math.isfinite(rms) else rms
            if "activationStd" in m:
                wide = math.isfinite(m["activationStd"]) and m["activationStd"] >= WIDE * abs(m["activationMean"])
                (self._wide.add if wide else self._wide.discard)(layer.name)
            if "deadUnits" in m:
                m["deadUnits"] = int(m["deadUnits"])
            out.append(m)
        numbers = [loss_value, global_sq] + [v for m in out for v in m.values() if isinstance(v, float)]
        non_finite = any(not math.isfinite(v) for v in numbers)
        return loss_value, math.sqrt(global_sq), out, non_finite

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
            if dead and name == "relu" and x.dim() >= 2:
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
                put("deadUnits", torch.count_nonzero(sums), float(sums.numel()), -1.0)
                dead = False
        if dead:
            put("deadUnits", dead_units(name, _float(pre), layer.activation_params, layer.unit_axis))
        if name in SATURATING_ACTIVATIONS and signal is not None and signal.numel() > 0:
            put("saturation", saturated(name, signal), 0.0, 1.0 / signal.numel())
        return plan


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
