"""Print the example Dataset's key figures and a digest of every result, for the BLAS test.

Run as a script in a subprocess whose environment sets ``OPENBLAS_CORETYPE`` and
``OPENBLAS_NUM_THREADS``: the first line names the BLAS kernels and thread counts
in use (threadpoolctl), the rest is what must not depend on them — the key-figure
text the notebooks print and a SHA-256 of every county-wide result frame at full
precision (findings, samples, estimates, village rates, the simulation).
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json

import pandas as pd
from threadpoolctl import threadpool_info

from audit import report
from audit.runner.artifacts import ARTIFACT_FILES

#: The seed of the notebooks' ``parameters`` cell.
SEED = 20240325


def _digest(frame: pd.DataFrame) -> str:
    """SHA-256 of a frame's values, column names and dtypes (row order included)."""
    h = hashlib.sha256(json.dumps([list(map(str, frame.columns)), list(map(str, frame.dtypes))])
                       .encode())  # fmt: skip
    h.update(pd.util.hash_pandas_object(frame, index=False).to_numpy().tobytes())
    return h.hexdigest()


def main() -> None:
    """Compute and print; the caller compares the output of several environments."""
    # the example Dataset with the notebooks' default seed, computed from scratch
    ctx = report.open_report(seed=SEED)
    blas = sorted({(i["internal_api"], i.get("architecture"), i["num_threads"])
                   for i in threadpool_info() if i["user_api"] == "blas"})  # fmt: skip
    print(json.dumps({"blas": blas}))
    text = io.StringIO()
    with contextlib.redirect_stdout(text):
        report.key_figures(ctx)
        report.simulation_key_figures(ctx)
    print(text.getvalue(), end="")
    frames = {key: getattr(ctx.artifacts, key) for key in ARTIFACT_FILES}
    frames.update(ctx.artifacts.extra)
    for key in sorted(frames):
        if isinstance(frames[key], pd.DataFrame):
            print(f"{key}: {_digest(frames[key])}")


if __name__ == "__main__":
    main()
