"""minigrad/host_memory.py: freed host arrays stay for the next step (glibc's malloc told
so once, at import), and MINIGRAD_KEEP_FREED_MEMORY=0 leaves malloc alone."""
import os
import subprocess
import sys

import pytest

CHILD = """
import resource, sys
import numpy as np
import minigrad
from minigrad import host_memory
faults = []
for _ in range(30):  # what a training step does: the same large temporaries, step after step
    before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    a = np.ones((1024, 1024), dtype=np.float32)  # 4 MiB
    b = a * 2.0
    del a, b
    faults.append(resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before)
print(host_memory.applied, sorted(faults[5:])[12])
"""


def faults_per_step(keep: bool) -> tuple:
    env = dict(os.environ, MINIGRAD_KEEP_FREED_MEMORY="1" if keep else "0")
    result = subprocess.run([sys.executable, "-c", CHILD], env=env, capture_output=True,
                            text=True, timeout=120, check=True)
    applied, faults = result.stdout.split()
    return applied == "True", int(faults)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's mallopt: Linux only")
def test_freed_arrays_are_reused_without_faulting_their_pages_in_again():
    applied, kept = faults_per_step(keep=True)
    not_applied, default = faults_per_step(keep=False)
    assert applied and not not_applied
    assert default >= 500  # glibc by default: fresh pages for 4 MiB arrays, every step
    assert kept < default / 10
