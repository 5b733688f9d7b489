"""No read past a frame's captured bytes, whatever the frame: every link type and encapsulation
the decoder knows, its seed frames flipped and cut at random, each decoded alone in a buffer of
exactly its bytes by the interpreted kernel (``NUMBA_DISABLE_JIT=1``), where numpy raises on
any index past the end. Compiled, such a read would go unnoticed, or past the mapped file."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent

PROGRAM = """
import random, sys
sys.path.insert(0, HERE)
import numpy as np
import test_encapsulations as t
from workbench.capture import decode, linktypes

seeds = {1: [f[1] for f in t.FRAMES + t.MIRRORED + t.NOT_PEELED]}
seeds.update({link: frames for link, frames, *_ in t.LINKS})
rng = random.Random(SEED)
decoded = 0
for link, frames in seeds.items():
    kinds = np.array([linktypes.kind_of(link)], dtype=np.uint8)
    for _ in range(PER_LINK):
        frame = bytearray(rng.choice(frames))
        for _ in range(rng.randint(0, 6)):
            frame[rng.randrange(len(frame))] = rng.choice([0, 1, 8, 0x45, 0x60, 0x88, 0xAA, 0xFF,
                                                           rng.randrange(256)])
        frame = bytes(frame[: rng.randint(0, len(frame))])
        buf = np.frombuffer(frame, dtype=np.uint8) if frame else np.zeros(0, np.uint8)
        out = np.empty((decode.ROWS, 1), np.int64)
        pairs = [np.empty((1, 2), np.uint64) for _ in range(3)]
        decode.decode_frames(buf, np.array([0]), np.array([len(frame)]), np.array([0]), kinds,
                             out, *pairs, np.zeros(1, np.uint8))
        decoded += 1
print(decoded)
"""


def test_no_read_past_a_frame() -> None:
    code = f"HERE = {str(HERE)!r}\nSEED = 25\nPER_LINK = 400\n" + PROGRAM
    env = dict(os.environ, NUMBA_DISABLE_JIT="1")
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-2000:]
    assert int(done.stdout.split()[-1]) == 400 * 9  # Ethernet and eight other link types
