"""gradscope_torch: watch a PyTorch training run in gradscope's dashboard and diagnose it at the model's source lines.

    from gradscope_torch import Monitor
    with Monitor(model, name="my-mlp") as mon:
        ...
        mon.step(loss)          # after optimizer.step()
        mon.epoch(loss=..., val_loss=...)

See monitor.py (the API), docs/pytorch.md (what is measured and how).
"""
from .monitor import VERSION as __version__
from .monitor import Monitor

__all__ = ["Monitor", "__version__"]
