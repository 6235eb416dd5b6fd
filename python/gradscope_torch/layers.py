"""Which modules of a model are gradscope layers, what kind each one is, and which activation consumes its output.

A layer is a module with parameters of its own (``parameters(recurse=False)``), in registration order
(``named_modules()``). Its ``kind`` is gradscope's layer kind where one is equivalent (src/training/model/facts.ts:
nn.Linear → dense, nn.Conv2d → conv2d, BatchNorm → batchNormalization, ...), else the lower-case class name.

Its activation is found in the model's first forward (trace()): hooks on every module, and a TorchFunctionMode for
functional calls (F.relu, torch.sigmoid, x.tanh(), ...), record the calls in order with their input and output
tensors. A layer's activation is the first call that consumes its output, looking through what keeps its units
(dropout, normalization, pooling, flatten), as the engine lets an `activation` layer claim the units of the dense or
conv2d layer before it. Activation names are those of facts.ts (relu, leakyRelu, elu, sigmoid, tanh, softmax, ...).
"""
import torch
from torch import nn

from .facts import NORM_KINDS, RECURRENT_KINDS

# gradscope kinds (facts.ts LAYER_FACTS) of the torch modules that are equivalent; checked in order (isinstance).
_KINDS = [
    (nn.Linear, "dense"),
    (nn.Conv2d, "conv2d"),
    (nn.modules.batchnorm._BatchNorm, "batchNormalization"),
    (nn.LayerNorm, "layerNormalization"),
    (nn.GroupNorm, "groupNormalization"),
    (nn.LSTM, "lstm"),
    (nn.GRU, "gru"),
    (nn.RNN, "simpleRNN"),
]
if hasattr(nn, "RMSNorm"):  # torch ≥ 2.4
    _KINDS.append((nn.RMSNorm, "rmsNormalization"))

# Normalization layers (facts.NORM_KINDS) keep the units of the layer before them: they never own an activation.

# Modules whose output's units are dim 1 (N, C, ...): convolutions and the norms over channels.
_CHANNELS_FIRST = (
    nn.modules.conv._ConvNd,
    nn.modules.batchnorm._BatchNorm,
    nn.GroupNorm,
    nn.modules.instancenorm._InstanceNorm,
)

# Modules that hand the units on unchanged in number: the search for an activation looks through them.
_PASS_MODULES = (
    nn.Dropout,
    nn.Dropout1d if hasattr(nn, "Dropout1d") else nn.Dropout,
    nn.Dropout2d,
    nn.Dropout3d,
    nn.AlphaDropout,
    nn.FeatureAlphaDropout,
    nn.Identity,
    nn.Flatten,
    nn.modules.pooling._MaxPoolNd,
    nn.modules.pooling._AvgPoolNd,
    nn.modules.pooling._AdaptiveAvgPoolNd,
    nn.modules.pooling._AdaptiveMaxPoolNd,
    nn.modules.batchnorm._BatchNorm,
    nn.LayerNorm,
    nn.GroupNorm,
    nn.modules.instancenorm._InstanceNorm,
)
# Functional calls that do the same (their __name__).
_PASS_FUNCTIONS = {
    "dropout", "dropout1d", "dropout2d", "dropout3d", "alpha_dropout", "feature_alpha_dropout",
    "max_pool1d", "max_pool2d", "max_pool3d", "avg_pool1d", "avg_pool2d", "avg_pool3d",
    "adaptive_avg_pool1d", "adaptive_avg_pool2d", "adaptive_max_pool2d",
    "flatten", "view", "reshape", "batch_norm", "layer_norm", "group_norm",
}


def _arg(args, kwargs, i, name, default):
    if kwargs and name in kwargs:
        return kwargs[name]
    return args[i] if len(args) > i else default


def module_activation(m):
    """(facts.ts activation name, params) of an activation module, or None (not one, or one facts.ts does not know)."""
    if isinstance(m, nn.ReLU6):
        return "relu6", {}
    if isinstance(m, nn.ReLU):
        return "relu", {}
    if isinstance(m, nn.LeakyReLU):
        return "leakyRelu", {"alpha": m.negative_slope}
    if isinstance(m, nn.PReLU):
        return "prelu", {}
    if isinstance(m, nn.RReLU):
        return "rrelu", {"lower": m.lower, "upper": m.upper}
    if isinstance(m, nn.ELU):
        return "elu", {"alpha": m.alpha}
    if isinstance(m, nn.SELU):
        return "selu", {}
    if isinstance(m, nn.GELU):
        return "gelu", {}
    if isinstance(m, nn.SiLU):
        return "swish", {}
    if isinstance(m, nn.Mish):
        return "mish", {}
    if isinstance(m, nn.Softplus):
        return ("softplus", {}) if m.beta == 1 else None
    if isinstance(m, nn.Sigmoid):
        return "sigmoid", {}
    if isinstance(m, nn.Hardsigmoid):
        return "hardSigmoid", {}
    if isinstance(m, nn.Tanh):
        return "tanh", {}
    if isinstance(m, nn.Softmax):
        return "softmax", {"dim": m.dim}
    return None


def function_activation(name, args, kwargs):
    """The same for a functional call by its __name__ (F.relu, torch.relu_, Tensor.sigmoid, ...), or None."""
    base = name[:-1] if name.endswith("_") and name != "_" else name
    if base == "relu":
        return "relu", {}
    if base == "relu6":
        return "relu6", {}
    if base == "leaky_relu":
        return "leakyRelu", {"alpha": _arg(args, kwargs, 1, "negative_slope", 0.01)}
    if base == "elu":
        return "elu", {"alpha": _arg(args, kwargs, 1, "alpha", 1.0)}
    if base == "selu":
        return "selu", {}
    if base == "gelu":
        return "gelu", {}
    if base == "silu":
        return "swish", {}
    if base == "mish":
        return "mish", {}
    if base == "softplus":
        return ("softplus", {}) if _arg(args, kwargs, 1, "beta", 1) == 1 else None
    if base == "sigmoid":
        return "sigmoid", {}
    if base == "hardsigmoid":
        return "hardSigmoid", {}
    if base == "tanh":
        return "tanh", {}
    if base == "softmax":
        return "softmax", {"dim": _arg(args, kwargs, 1, "dim", None)}
    return None


def layer_kind(m):
    for cls, kind in _KINDS:
        if isinstance(m, cls):
            return kind
    return type(m).__name__.lower()


def first_tensor(value):
    """The first tensor in a module's input or output (a tuple for LSTM/GRU, a list, a dict...), or None."""
    if isinstance(value, torch.Tensor):
        return value
    if isinstance(value, (tuple, list)):
        for v in value:
            t = first_tensor(v)
            if t is not None:
                return t
    if isinstance(value, dict):
        for v in value.values():
            t = first_tensor(v)
            if t is not None:
                return t
    return None


class Layer:
    """One layer: a module with parameters of its own, its parameters by role, and (after trace) its activation."""

    def __init__(self, name, module):
        self.name = name
        self.module = module
        self.kind = layer_kind(module)
        own = list(module.named_parameters(recurse=False))
        self.params = sum(p.numel() for _, p in own)
        self.trainable = any(p.requires_grad for _, p in own)
        # Roles: biases; a recurrent layer's state → state kernels (weight_hh_*); everything else is kernel.
        self.bias = [p for n, p in own if n.startswith("bias")]
        self.recurrent = [p for n, p in own if n.startswith("weight_hh")]
        self.kernel = [p for n, p in own if not n.startswith("bias") and not n.startswith("weight_hh")]
        self.unit_axis = 1 if isinstance(module, _CHANNELS_FIRST) else -1
        self.owns_activation = self.kind not in NORM_KINDS
        self.activation = None  # facts.ts name; None: unknown
        self.activation_params = {}
        self.output_shape = []  # without the batch axis, channels last (gradscope's order)
        self.units = None
        self.source = None
        # Where the measurement reads its tensors (set by trace or the activations= override): (module, call, what)
        # with what in "in", "in-clone" (an in-place activation's input, copied before it is overwritten), "out".
        self.signal_at = None
        self.pre_at = None
        # The activation applied to the tensor at pre_at to get the signal, when no module computes it for us.
        self.signal_from_pre = False
        # The signal was read after an in-place functional activation overwrote it (pre_at holds the output).
        self.pre_is_output = False


def find_layers(model):
    """The model's layers in registration order; the root module is one too when it holds parameters itself."""
    layers = []
    for name, m in model.named_modules():
        if any(True for _ in m.parameters(recurse=False)):
            layers.append(Layer(name or type(m).__name__.lower(), m))
    return layers


class _Call:
    """One module or functional call of the traced forward, with its first input and output tensor."""

    __slots__ = ("module", "index", "activation", "passes", "input", "output", "inplace", "leaf", "copy")

    def __init__(self, module, index, activation, passes, inp, leaf):
        self.module = module  # None for a functional call
        self.index = index  # the module's how-many-th call in this forward (0-based)
        self.activation = activation
        self.passes = passes
        self.input = inp
        self.output = None
        self.inplace = False
        self.leaf = leaf
        self.copy = None  # an in-place module's input as it was before the call


def _function_mode_class():
    try:
        from torch.overrides import TorchFunctionMode
    except ImportError:  # torch < 1.12: functional activations are not seen (use activations=)
        return None

    class _Recorder(TorchFunctionMode):
        def __init__(self, calls):
            super().__init__()
            self.calls = calls

        def __torch_function__(self, func, types, args=(), kwargs=None):
            result = func(*args, **(kwargs or {}))
            try:
                name = getattr(func, "__name__", "")
                act = function_activation(name, args, kwargs)
                if act is not None or name in _PASS_FUNCTIONS:
                    inp = first_tensor(args[:1])
                    if inp is not None:
                        call = _Call(None, 0, act, act is None, inp, True)
                        call.output = first_tensor(result)
                        call.inplace = call.output is inp
                        self.calls.append(call)
            except Exception:  # never break the user's forward
                pass
            return result

    return _Recorder


class Trace:
    """Records the calls of one forward of `root` (install(), then the forward runs, then remove())."""

    def __init__(self, root):
        self.root = root
        self.calls = []
        self._counts = {}
        self._stack = {}
        self._handles = []
        self._mode = None
        self.done = False
        self.grad_enabled = False  # the traced forward computed gradients (a training forward)
        self.root_output = None

    def install(self, on_done):
        for m in self.root.modules():
            if m is self.root:
                continue
            self._handles.append(m.register_forward_pre_hook(self._pre))
            self._handles.append(m.register_forward_hook(self._post))
        mode_class = _function_mode_class()

        def root_pre(module, inputs):
            if not self.done:
                self.grad_enabled = torch.is_grad_enabled()
            if mode_class is not None and self._mode is None and not self.done:
                try:
                    self._mode = mode_class(self.calls)
                    self._mode.__enter__()
                except Exception:
                    self._mode = None

        def root_post(module, inputs, output):
            if self.done:
                return
            self._exit_mode()
            self.done = True
            self.root_output = first_tensor(output)
            self.remove()
            on_done(self)

        self._handles.append(self.root.register_forward_pre_hook(root_pre))
        self._handles.append(self.root.register_forward_hook(root_post))

    def _exit_mode(self):
        if self._mode is not None:
            try:
                self._mode.__exit__(None, None, None)
            finally:
                self._mode = None

    def remove(self):
        self._exit_mode()
        for h in self._handles:
            h.remove()
        self._handles = []

    def _pre(self, module, inputs):
        index = self._counts.get(module, 0)
        self._counts[module] = index + 1
        act = module_activation(module)
        passes = act is None and isinstance(module, _PASS_MODULES)
        leaf = next(iter(module.children()), None) is None
        call = _Call(module, index, act, passes, first_tensor(inputs), leaf)
        if call.input is not None and getattr(module, "inplace", False) is True:
            call.inplace = True
            call.copy = call.input.detach().clone()  # the module is about to overwrite it
        self._stack.setdefault(module, []).append(call)
        self.calls.append(call)

    def _post(self, module, inputs, output):
        stack = self._stack.get(module)
        if stack:
            stack.pop().output = first_tensor(output)

    def tensor(self, site):
        """The tensor this trace saw at a measurement site (module, call index, "in" | "in-clone" | "out")."""
        module, index, what = site
        if module is self.root:  # a model that is itself a layer (an nn.Linear): its output
            return self.root_output if what == "out" else None
        for i, c in enumerate(self.calls):
            if c.module is module and c.index == index:
                if what == "in-clone":
                    return c.copy
                if what == "in":
                    return c.input
                # An in-place activation module later overwrote this output: its copy holds the values as they were.
                later = next((d for d in self.calls[i + 1 :] if d.copy is not None and d.input is c.output), None)
                return later.copy if later is not None else c.output
        return None


def _channels_last(shape, unit_axis):
    """(C, H, W) → [H, W, C]: gradscope's shapes keep the units on the last axis."""
    shape = list(shape)
    if unit_axis == 1 and len(shape) >= 2:
        return shape[1:] + shape[:1]
    return shape


def resolve(layers, trace, overrides=None):
    """Sets each layer's output shape, units, activation and measurement sites from a finished trace.

    overrides: {layer name: activation name} from Monitor(activations=...), which win over what the trace found.
    """
    overrides = overrides or {}
    calls = trace.calls
    first = {}
    for i, c in enumerate(calls):
        if c.module is not None and c.module not in first:
            first[c.module] = i
    for layer in layers:
        at = first.get(layer.module)
        if layer.module is trace.root:
            own, at = _Call(trace.root, 0, None, False, None, False), len(calls)
            own.output = trace.root_output
        elif at is None:
            continue  # not called in the traced forward: no shape, no activation
        else:
            own = calls[at]
        out = own.output
        if out is not None:
            shape = out.shape[1:]
            if layer.kind in RECURRENT_KINDS and out.dim() == 3 and not getattr(layer.module, "batch_first", False):
                shape = (out.shape[0], out.shape[2])  # (timesteps, batch, units): leave out the batch axis
            layer.output_shape = _channels_last(shape, layer.unit_axis)
            layer.units = int(layer.output_shape[-1]) if layer.output_shape else None
        own_site = (layer.module, own.index, "out")
        layer.signal_at = own_site
        if layer.name in overrides:
            _apply_override(layer, overrides[layer.name], own_site)
            continue
        if layer.kind in RECURRENT_KINDS:
            # The cell's own activation (nn.RNN's nonlinearity, tanh for LSTM/GRU), applied inside the cell: its
            # output is the signal, and no pre-activation is reachable to count dead units on (as in the engine).
            layer.activation = "relu" if getattr(layer.module, "nonlinearity", "tanh") == "relu" else "tanh"
            continue
        if not layer.owns_activation or out is None:
            continue
        layer.activation = "linear"
        tensor, base, i = out, own, at
        while True:
            nxt = next((j for j in range(i + 1, len(calls)) if calls[j].input is tensor and calls[j].leaf), None)
            if nxt is None:
                break  # nothing consumes it: the model's output (e.g. logits fused into the loss)
            c = calls[nxt]
            if c.activation is not None:
                _claim(layer, c, base)
                break
            if c.passes or (c.module is not None and layer_kind(c.module) in NORM_KINDS):
                tensor, i = c.output, nxt
                if c.module is not None:
                    base = c
                if tensor is None:
                    break
                continue
            if c.module is not None and not any(True for _ in c.module.parameters(recurse=False)):
                layer.activation = None  # an activation facts.ts does not know (e.g. LogSoftmax, a custom module)
            break


def _claim(layer, call, base):
    """The activation `call` consumes the layer's units: where its pre-activation and output are read."""
    name, params = call.activation
    layer.activation = name
    layer.activation_params = params
    if call.module is not None:
        layer.pre_at = (call.module, call.index, "in-clone" if call.inplace else "in")
        layer.signal_at = (call.module, call.index, "out")
    else:
        # A functional activation has no hook: read the last module's output before it and apply the activation.
        layer.pre_at = (base.module, base.index, "out")
        layer.signal_at = None
        if call.inplace:
            layer.pre_is_output = True  # the activation overwrote that tensor: it holds the activation's output
        else:
            layer.signal_from_pre = True


def _apply_override(layer, name, own_site):
    layer.activation = name
    layer.activation_params = {}
    layer.pre_at = own_site
    layer.signal_at = None
    layer.signal_from_pre = name != "linear"
    if name == "linear":
        layer.signal_at = own_site
