"""The run on disk, as gradscope's engine writes it (src/training/run/runStore.ts): a run directory
``.gradscope/runs/<runId>/`` whose ``events.jsonl`` gets one compact JSON event per line. Rare events (run-start, epoch,
run-end) reach the file at once; step lines are batched and flushed at least every FLUSH_SECONDS, so a killed process
loses at most the last fraction of a second of steps.
"""
import datetime
import json
import math
import os
import random
import re

EVENTS_FILE = "events.jsonl"
FLUSH_SECONDS = 0.25


def new_run_id(name, now=None):
    """``20261205-070438-my-mlp-1a2b``: UTC time, the name as a slug, 4 random hex digits (runStore.newRunId)."""
    now = now or datetime.datetime.now(datetime.timezone.utc)
    stamp = now.strftime("%Y%m%d-%H%M%S")
    slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")[:40] or "run"
    return f"{stamp}-{slug}-{random.randrange(0x10000):04x}"


def default_runs_dir(cwd=None):
    """``./.gradscope/runs``: where the editor's watcher looks, next to the training script's working directory."""
    return os.path.join(os.path.abspath(cwd or os.getcwd()), ".gradscope", "runs")


def finite_or_none(value):
    """JSON has no NaN or Infinity: they are written as null, as JavaScript's JSON.stringify writes them."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: finite_or_none(v) for k, v in value.items()}
    if isinstance(value, list):
        return [finite_or_none(v) for v in value]
    return value


def encode(event):
    """One line of events.jsonl: compact (no spaces), `type` first — readers match lines on ``{"type":"step"``."""
    try:
        return json.dumps(event, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
    except ValueError:  # a NaN or infinity somewhere
        return json.dumps(finite_or_none(event), separators=(",", ":"), ensure_ascii=False, allow_nan=False)


class EventWriter:
    """Appends events to ``<run_dir>/events.jsonl`` (creating the directory); close() flushes what is left."""

    def __init__(self, run_dir, clock):
        os.makedirs(run_dir, exist_ok=True)
        self.path = os.path.join(run_dir, EVENTS_FILE)
        self._file = open(self.path, "a", encoding="utf-8")
        self._buffer = []
        self._clock = clock
        self._last_flush = clock()

    def append(self, event):
        self._buffer.append(encode(event))
        if event["type"] != "step" or self._clock() - self._last_flush >= FLUSH_SECONDS:
            self.flush()

    def flush(self):
        if self._file is None or not self._buffer:
            return
        self._file.write("\n".join(self._buffer) + "\n")
        self._file.flush()
        self._buffer = []
        self._last_flush = self._clock()

    def close(self):
        self.flush()
        if self._file is not None:
            self._file.close()
            self._file = None
