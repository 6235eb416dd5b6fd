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


def moments(x, scratch=None):
    """Mean and population std in two passes: ‖x − mean‖/√n keeps a tiny spread around a large mean exact (a deep
    sigmoid stack's signal), and on CPU it is several times faster than torch.var_mean (7 ms → 1 ms on 692k values).
    scratch: a tensor of x's shape to hold x − mean (a buffer kept between steps costs no allocation)."""
    mean = x.mean()
    centered = x - mean if scratch is None else torch.sub(x, mean, out=scratch)
    return mean, torch.linalg.vector_norm(centered) / math.sqrt(x.numel())


def saturation(name, y):
    """Fraction of outputs in the flat tails: sigmoid outside [0.01, 0.99], tanh |y| > 0.99, hardSigmoid at 0 or 1."""
    if name == "sigmoid":
        tail = (y < 0.01) | (y > 0.99)
    elif name == "tanh":
        tail = y.abs() > 0.99
    else:
        tail = (y <= 0) | (y >= 1)
    return tail.to(torch.float32).mean()


def _float(x):
    return x if x.dtype in (torch.float32, torch.float64) else x.float()


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
        """The measured step's numbers: (loss, globalGradNorm, per-layer metrics list, nonFinite)."""
        parts = []

        def put(t):
            parts.append(t if t.dtype == torch.float32 else t.float())
            return len(parts) - 1

        loss_at = None
        if isinstance(loss, torch.Tensor):
            l = loss.detach()
            loss_at = put(l if l.dim() == 0 else l.mean())
        with_grad = [p for p in self.parameters if p.grad is not None]
        grad_at = {id(p): put(n) for p, n in zip(with_grad, _norms([p.grad for p in with_grad]))}
        moving = [p.detach() for p in self._moving]
        new_at = [put(n) for n in _norms(moving)]
        old_at = diff_at = None
        if self.have_before:
            if self._before_norms is None:
                old_at = [put(n) for n in _norms(self._before)]
            _subtract_(self._before, moving)
            diff_at = [put(n) for n in _norms(self._before)]
            self.have_before = False
        plans = [self._activation_parts(layer, put) for layer in self.layers]
        values = torch.stack(parts).tolist() if parts else []
        self.captured = {}

        loss_value = values[loss_at] if loss_at is not None else float(loss)
        new_norms = [values[i] for i in new_at]
        old_norms = None
        if diff_at is not None:
            old_norms = self._before_norms if old_at is None else [values[i] for i in old_at]
            diff_norms = [values[i] for i in diff_at]
        self._last_norms = new_norms
        global_sq = sum(values[i] ** 2 for i in grad_at.values())
        out = []
        k = 0  # position in moving (kernel then recurrent params of each layer, in layer order)
        for layer, plan in zip(self.layers, plans):
            kn, rn = len(layer.kernel), len(layer.recurrent)
            kernel_slots = list(range(k, k + kn))
            recurrent_slots = list(range(k + kn, k + kn + rn))
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
            for key, at in plan.items():
                m[key] = values[at]
            if "deadUnits" in m:
                m["deadUnits"] = int(m["deadUnits"])
            out.append(m)
        numbers = [loss_value, global_sq] + [v for m in out for v in m.values() if isinstance(v, float)]
        non_finite = any(not math.isfinite(v) for v in numbers)
        return loss_value, math.sqrt(global_sq), out, non_finite

    def _activation_parts(self, layer, put):
        """Queues the layer's activation statistics; {field: index into the stacked values}."""
        pre = self.captured.get(layer.pre_at) if layer.pre_at else None
        signal = self.captured.get(layer.signal_at) if layer.signal_at else None
        name = layer.activation
        if signal is None and pre is not None:
            if layer.pre_is_output:
                signal = pre
            elif layer.signal_from_pre:
                signal = apply_activation(name, pre, layer.activation_params, layer.unit_axis)
        plan = {}
        if signal is not None and signal.numel() > 0:
            x = _float(signal)
            key = (tuple(x.shape), x.dtype, x.device)
            scratch = self._scratch.get(key)
            if scratch is None:
                scratch = self._scratch[key] = torch.empty_like(x, memory_format=torch.contiguous_format)
            mean, std = moments(x, scratch)
            plan["activationMean"] = put(mean)
            plan["activationStd"] = put(std)
        # An in-place functional activation left only its output: relu and relu6 are dead exactly where it is 0 (or 6).
        pre_usable = pre is not None and pre.dim() >= 2 and (not layer.pre_is_output or name in ("relu", "relu6"))
        if name in DEAD_ACTIVATIONS and pre_usable:
            plan["deadUnits"] = put(dead_units(name, _float(pre), layer.activation_params, layer.unit_axis))
        if name in SATURATING_ACTIVATIONS and signal is not None and signal.numel() > 0:
            plan["saturation"] = put(saturation(name, signal))
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
