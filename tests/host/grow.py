#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""grow.py MODE DIR: a process whose memory grows 1 MiB every 50 ms, 8 s long.

MODE "file": through a shared mapping of a file in DIR (written pages of
the page cache, as systemd-journald writes its journal files); "anon":
its heap.  DIR/ready appears after the first step.  For kleak-watch's
host tests (tests/host/scripts.sh): only "anon" is a user-space leak.
"""
import mmap
import os
import sys
import time

STEP = 1 << 20
STEPS = 160


def main():
    mode, d = sys.argv[1], sys.argv[2]
    keep = []
    if mode == "file":
        f = open(os.path.join(d, "map"), "w+b")
        f.truncate(STEP * STEPS)
        m = mmap.mmap(f.fileno(), STEP * STEPS)
    for i in range(STEPS):
        if mode == "file":
            for p in range(0, STEP, 4096):
                m[i * STEP + p] = 1
        else:
            keep.append(bytearray(b"x" * STEP))
        if i == 0:
            open(os.path.join(d, "ready"), "w").close()
        time.sleep(0.05)


if __name__ == "__main__":
    main()
