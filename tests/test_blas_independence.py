"""No reported figure depends on the BLAS kernel or thread count of the machine.

Machines differ in the OpenBLAS kernel numpy and SciPy pick (``OPENBLAS_CORETYPE``
is set on some processors) and in its thread count. The key figures and every
county-wide result of the example Dataset are computed in subprocesses that each
set these variables for themselves (the suite's own environment is left as it
is) and must agree to the last bit. Before the beta-binomial fit stopped using
L-BFGS-B (whose BLAS ``ddot`` sums in a kernel-dependent order), the prior weight
of a township's rates moved by 1e-4 between kernels and the 错退率's 80 % upper
bound of the simulation read 15.2 % under Haswell and 15.3 % under Prescott.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

PROBE = Path(__file__).with_name("blas_probe.py")
#: (kernel, threads): the issue's three kernels with 1 and 2 threads, and an SSE-only
#: kernel every x86-64 processor runs (so the comparison bites on any such machine).
ENVIRONMENTS = [
    *((kernel, threads) for kernel in ("Haswell", "SkylakeX", "Zen") for threads in (1, 2)),
    ("Prescott", 1),
]


def _start(kernel: str, threads: int) -> subprocess.Popen:
    env = dict(os.environ, OPENBLAS_CORETYPE=kernel, OPENBLAS_NUM_THREADS=str(threads))
    return subprocess.Popen(
        [sys.executable, str(PROBE)], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        text=True,
    )  # fmt: skip


@pytest.mark.slow
@pytest.mark.skipif(os.uname().machine != "x86_64", reason="OpenBLAS x86-64 kernels")
def test_results_do_not_depend_on_the_blas_kernel_or_threads():
    outputs, kernels, unsupported = {}, set(), []
    pending = list(ENVIRONMENTS)
    while pending:  # two at a time: the machine has two cores
        batch, pending = pending[:2], pending[2:]
        procs = {env: _start(*env) for env in batch}
        for env, proc in procs.items():
            out, err = proc.communicate(timeout=600)
            if proc.returncode == -signal.SIGILL:  # e.g. SkylakeX (AVX-512) on an AVX2 processor
                unsupported.append(env[0])
                continue
            assert proc.returncode == 0, f"{env}: {err[-2000:]}"
            head, _, body = out.partition("\n")
            blas = json.loads(head)["blas"]
            assert blas and all(b[2] == env[1] for b in blas), (env, blas)
            kernels.update(b[1] for b in blas)
            outputs[env] = body
    assert len(outputs) >= 4, f"too few environments could run: {unsupported}"
    assert len(kernels) >= 2, f"every environment ran the same kernel: {kernels}"
    reference_env, reference = next(iter(outputs.items()))
    assert "错退率" in reference and "simulation_summary: " in reference
    for env, body in outputs.items():
        assert body == reference, f"{env} differs from {reference_env}"
