# SPDX-License-Identifier: MIT
"""What the measuring tools share (webrtc-camera-soak, webrtc-camera-bench):
moving into a private network namespace, a free port, a process's figures
from /proc."""

import os
import shutil
import socket
import subprocess
import sys

# The private network of webrtc-camera-bench: a veth pair whose v0 end has
# this address, so Chromium and libnice see an ordinary (non-loopback) host
# address, and no packet can leave the namespace.
VETH_ADDRESS = "10.99.0.1"
VETH_SETUP = (f"ip link add v0 type veth peer name v1 && ip addr add {VETH_ADDRESS}/24 dev v0 && "
              "ip link set v0 up && ip link set v1 up && ")


def enter_netns(script, argv, flag, veth=False):
    """As root, run `script argv` again inside a private network namespace
    (unshare -n) with loopback up, and a veth pair with VETH_ADDRESS when
    `veth`; `flag` is set in the environment there. Returns (without doing
    anything) when already inside, not root, or without unshare; exits with
    the child's status otherwise."""
    if os.environ.get(flag) or os.geteuid() != 0 or not shutil.which("unshare"):
        return
    setup = "ip link set lo up && " + (VETH_SETUP if veth else "") + 'exec "$@"'
    env = dict(os.environ, **{flag: "1"})
    completed = subprocess.run(["unshare", "-n", "sh", "-c", setup, "sh", sys.executable,
                                os.path.abspath(script)] + list(argv), env=env)
    sys.exit(completed.returncode)


def free_port(host="127.0.0.1", kind=socket.SOCK_STREAM):
    with socket.socket(socket.AF_INET, kind) as s:
        s.bind((host, 0))
        return s.getsockname()[1]


def vm(pid, field):
    """A /proc/PID/status size in KB (VmRSS, VmHWM); 0 when unknown."""
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def cpu_ticks(pid):
    """utime + stime of a process (/proc/PID/stat), in clock ticks; None when gone."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return int(fields[11]) + int(fields[12])
    except (OSError, IndexError, ValueError):
        return None


TICKS_PER_SECOND = os.sysconf("SC_CLK_TCK")
