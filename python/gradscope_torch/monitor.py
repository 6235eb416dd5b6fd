"""``Monitor``: records a PyTorch training run as gradscope events (``.gradscope/runs/<id>/events.jsonl``), the same
contract as gradscope's own engine (src/shared/engineProtocol.ts), so that the dashboard, ``gradscope diagnose`` and
the editor's Problems read it like any run.

    with Monitor(model, name="my-mlp") as mon:
        for epoch in range(E):
            for xb, yb in loader:
                opt.zero_grad(); loss = loss_fn(model(xb), yb); loss.backward(); opt.step()
                mon.step(loss)                  # after optimizer.step(): reads .grad and the update
            mon.epoch(loss=..., val_loss=..., acc=..., val_acc=...)

Events: ``run-start`` after the model's first forward (which shows each layer's activation and output shape),
``step`` per ``step()``, ``epoch`` per ``epoch()``, ``run-end`` when the with-block ends. Distributed
(torch.distributed initialized): only rank 0 records; the other ranks' monitors do nothing.
"""
import datetime
import gc
import inspect
import math
import os
import sys
import time

import torch
from torch import nn

from .facts import ACTIVATIONS
from .layers import Trace, find_layers, first_tensor, resolve
from .measure import Measurer
from .source import SourceFinder
from .writer import EventWriter, default_runs_dir, new_run_id

VERSION = "0.1.0"
TASKS = ("classification", "regression")


def _iso(t):
    """JavaScript's Date.toISOString(): UTC with milliseconds and Z."""
    d = datetime.datetime.fromtimestamp(t, datetime.timezone.utc)
    return d.strftime("%Y-%m-%dT%H:%M:%S.") + f"{d.microsecond // 1000:03d}Z"


def _unwrap(model):
    """The module inside DistributedDataParallel / DataParallel: its layers are the model's."""
    wrappers = (nn.parallel.DistributedDataParallel, nn.DataParallel)
    return model.module if isinstance(model, wrappers) else model


def _rank_and_world():
    dist = torch.distributed
    if dist.is_available() and dist.is_initialized():
        return dist.get_rank(), dist.get_world_size()
    return 0, 1


def _find_optimizer(parameters):
    """The torch.optim.Optimizer that trains these parameters (the first found among live objects), or None."""
    ids = {id(p) for p in parameters}
    for obj in gc.get_objects():
        # type(), not isinstance: some objects (torch.distributed.reduce_op) warn when asked for __class__
        if issubclass(type(obj), torch.optim.Optimizer):
            if any(id(p) in ids for group in obj.param_groups for p in group["params"]):
                return obj
    return None


def _number(x):
    if x is None:
        return None
    if isinstance(x, torch.Tensor):
        return x.item() if x.numel() == 1 else float(x.detach().float().mean())  # .item(): one read, no kernel
    return float(x)


def _user_files(frame):
    """Files of the user's code on the call stack (innermost first): not the standard library, not installed packages."""
    stdlib = os.path.dirname(os.__file__)
    files = []
    while frame is not None and len(files) < 16:
        f = frame.f_code.co_filename
        if (
            os.path.isfile(f)
            and not f.startswith(stdlib)
            and "site-packages" not in f
            and "dist-packages" not in f
            and os.path.abspath(f) not in files
        ):
            files.append(os.path.abspath(f))
        frame = frame.f_back
    return files


def _script_of(files, model):
    """The training script: the file that created the Monitor, else __main__'s, else the model class's."""
    candidates = files[:1] + [getattr(sys.modules.get("__main__"), "__file__", None)]
    try:
        candidates.append(inspect.getsourcefile(type(model)))
    except (TypeError, OSError):
        pass
    for c in candidates:
        if c and os.path.isfile(c):
            return os.path.abspath(c)
    return ""


class Monitor:
    """Records one training run of `model` (see the module doc). Keyword arguments the monitor cannot know from the
    model (epochs, steps_per_epoch, batch_size, train_samples, validation_samples) go into run-start, else 0.

    optimizer: where ``lr`` is read (``param_groups[0]["lr"]``); without it, the optimizer that holds the model's
        parameters is looked up among live objects at the first step.
    activations: ``{layer name: activation}`` (facts.ts names: relu, tanh, ...) for layers whose activation the
        first forward cannot show (e.g. one applied after an operation the monitor does not see).
    """

    def __init__(
        self,
        model,
        name=None,
        run_dir=None,
        measure_every=1,
        *,
        optimizer=None,
        epochs=0,
        steps_per_epoch=0,
        batch_size=0,
        train_samples=0,
        validation_samples=0,
        task="classification",
        activations=None,
    ):
        if not isinstance(model, nn.Module):
            raise TypeError(f"Monitor(model): expected a torch.nn.Module, got {type(model).__name__}")
        if not isinstance(measure_every, int) or measure_every < 1:
            raise ValueError(f"Monitor(measure_every={measure_every!r}): expected an integer ≥ 1")
        if task not in TASKS:
            raise ValueError(f"Monitor(task={task!r}): expected one of {', '.join(TASKS)}")
        self.model = model
        self._inner = _unwrap(model)
        # Where a model written as nn.Sequential(...) is looked for: the files of the code that created the Monitor.
        self._files = _user_files(sys._getframe(1))
        self.script = _script_of(self._files, self._inner)
        self.name = name or (os.path.splitext(os.path.basename(self.script))[0] if self.script else "") or type(
            self._inner
        ).__name__
        self.measure_every = measure_every
        self.optimizer = optimizer
        self._plan = {
            "epochs": int(epochs),
            "stepsPerEpoch": int(steps_per_epoch),
            "batchSize": int(batch_size),
            "trainSamples": int(train_samples),
            "validationSamples": int(validation_samples),
        }
        self.task = task
        self.activations = dict(activations or {})
        unknown = sorted(set(self.activations.values()) - set(ACTIVATIONS))
        if unknown:
            raise ValueError(f"Monitor(activations=...): unknown {', '.join(unknown)}; known: {', '.join(ACTIVATIONS)}")
        self.rank, self.world_size = _rank_and_world()
        self.run_id = os.path.basename(os.path.normpath(run_dir)) if run_dir else new_run_id(self.name)
        self.run_dir = os.path.abspath(run_dir) if run_dir else os.path.join(default_runs_dir(), self.run_id)
        self.steps = 0
        self.epochs = 0
        self._writer = None
        self._started = False
        self._handles = []
        self._trace = None
        self._measurer = None
        self._layers = []
        self._best = None
        self._last_loss = None
        self._epoch_losses = []
        self._epoch_samples = 0
        self._batch = None
        self._optimizer_looked_up = optimizer is not None

    # ---- the with-block ----

    def __enter__(self):
        if self.rank != 0:
            return self
        self._t0 = self._epoch_start = time.time()
        self._layers = find_layers(self._inner)
        self._measurer = Measurer(self._inner, self._layers, list(self._inner.parameters()))
        self._measurer.armed = True  # step 0 is measured
        self._measurer.keep_weights()
        self._handles.append(self._inner.register_forward_pre_hook(self._count_batch))
        self._trace = Trace(self._inner)
        self._trace.install(self._traced)
        return self

    def __exit__(self, exc_type, exc, tb):
        if self.rank != 0:
            return False
        self._remove_hooks()
        if exc_type is None:
            diverged = self._last_loss is not None and not math.isfinite(self._last_loss)
            status, error = ("diverged" if diverged else "completed"), None
        elif issubclass(exc_type, KeyboardInterrupt):
            status, error = "stopped", None
        else:
            status, error = "failed", f"{exc_type.__name__}: {exc}"
        self._start_run()
        end = {
            "type": "run-end",
            "status": status,
            "epochsCompleted": self.epochs,
            "steps": self.steps,
            "durationMs": round((time.time() - self._t0) * 1000),
        }
        if self._best is not None:
            end["bestEpoch"], end["bestValLoss"] = self._best
        if error:
            end["error"] = error
        self._writer.append(end)
        self._writer.close()
        return False

    def _remove_hooks(self):
        for h in self._handles:
            h.remove()
        self._handles = []
        if self._trace is not None:
            self._trace.remove()
        if self._measurer is not None:
            self._measurer.remove()

    def _count_batch(self, module, inputs):
        if torch.is_grad_enabled():
            x = first_tensor(inputs)
            self._batch = int(x.shape[0]) if x is not None and x.dim() > 0 else None

    def _traced(self, trace):
        """The first forward ended: each layer's activation and shape are known, the run starts."""
        resolve(self._layers, trace, self.activations)
        self._measurer.install()
        if trace.grad_enabled:
            self._measurer.seed(trace)
        self._trace = None
        self._start_run()

    def _start_run(self):
        if self._started:
            return
        self._started = True
        sources = SourceFinder(self._inner, self._files or [self.script])
        layers = []
        for layer in self._layers:
            summary = {"name": layer.name, "kind": layer.kind}
            if layer.activation is not None:
                summary["activation"] = layer.activation
            summary.update(
                {
                    "params": layer.params,
                    "outputShape": [int(d) for d in layer.output_shape],
                    "specPath": "",
                    "hasWeights": True,
                    "trainable": layer.trainable,
                }
            )
            source = sources.location("" if layer.module is self._inner else layer.name)
            if source:
                summary["source"] = source
            layers.append(summary)
        start = {
            "type": "run-start",
            "runId": self.run_id,
            "specFile": self.script,
            "specPath": self.script,
            "specName": self.name,
            "runDir": self.run_dir,
            "backend": "pytorch",
            "external": {
                "framework": "pytorch",
                "frameworkVersion": torch.__version__,
                "monitor": "gradscope_torch",
                "monitorVersion": VERSION,
                "worldSize": self.world_size,
            },
            "seed": int(torch.initial_seed()),
            **self._plan,
            "task": self.task,
            "totalParams": sum(p.numel() for p in self._inner.parameters()),
            "layers": layers,
            "startedAt": _iso(self._t0),
        }
        self._writer = EventWriter(self.run_dir, time.monotonic)
        self._writer.append(start)

    # ---- the training loop's calls ----

    def lr(self):
        """The learning rate of the optimizer's first parameter group (0 when no optimizer is known)."""
        if not self._optimizer_looked_up:
            self._optimizer_looked_up = True
            self.optimizer = _find_optimizer(list(self._inner.parameters()))
        if self.optimizer is None:
            return 0.0
        return float(self.optimizer.param_groups[0]["lr"])

    def step(self, loss):
        """Records one optimisation step; call it after ``optimizer.step()``. `loss`: the batch loss (tensor or float)."""
        if self.rank != 0:
            return
        if self._measurer is None:
            raise RuntimeError("Monitor.step() outside its with-block: use `with Monitor(model) as mon:`")
        self._start_run()
        measured = self.steps % self.measure_every == 0
        event = {"type": "step", "step": self.steps, "epoch": self.epochs}
        if measured:
            loss_value, global_norm, layers, non_finite = self._measurer.measure(loss)
        else:
            loss_value = _number(loss)
            non_finite = not math.isfinite(loss_value)
        event["loss"] = loss_value
        event["lr"] = self.lr()
        if measured:
            event["globalGradNorm"] = global_norm
            event["layers"] = layers
        if non_finite:
            event["nonFinite"] = True
        self._writer.append(event)
        self._last_loss = loss_value
        self._epoch_losses.append((loss_value, self._batch or 1))
        self._epoch_samples += self._batch or 0
        self.steps += 1
        following = self.steps % self.measure_every == 0
        self._measurer.armed = following
        if following:
            self._measurer.keep_weights(measured_now=measured)

    def epoch(self, loss=None, val_loss=None, acc=None, val_acc=None, mae=None, val_mae=None):
        """Records the end of an epoch. `val_loss` is required: the validation curve and the overfitting diagnosis
        judge the epoch on it. `loss` defaults to the mean of this epoch's step losses (weighted by batch size)."""
        if val_loss is None:
            raise TypeError(
                "Monitor.epoch() needs val_loss=: gradscope's validation-loss curve and its overfitting diagnosis "
                "judge each epoch by it (pass the loss on held-out data)"
            )
        if self.rank != 0:
            return
        if self._measurer is None:
            raise RuntimeError("Monitor.epoch() outside its with-block: use `with Monitor(model) as mon:`")
        self._start_run()
        now = time.time()
        if loss is None:
            weight = sum(w for _, w in self._epoch_losses)
            loss = sum(v * w for v, w in self._epoch_losses) / weight if weight else float("nan")
        duration = max(now - self._epoch_start, 1e-9)
        event = {"type": "epoch", "epoch": self.epochs, "loss": _number(loss), "valLoss": _number(val_loss)}
        for key, value in (("acc", acc), ("valAcc", val_acc), ("mae", mae), ("valMae", val_mae)):
            if value is not None:
                event[key] = _number(value)
        event.update(
            {
                "lr": self.lr(),
                "durationMs": round(duration * 1000),
                "samplesPerSec": self._epoch_samples / duration,
            }
        )
        self._writer.append(event)
        v = event["valLoss"]
        if math.isfinite(v) and (self._best is None or v < self._best[1]):
            self._best = (self.epochs, v)
        self.epochs += 1
        self._epoch_start = now
        self._epoch_losses = []
        self._epoch_samples = 0
