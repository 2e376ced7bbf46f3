"""netns.py - what tests/live_*.py share: network namespaces joined by a
veth pair, processes started in them, and the cleanup of exactly what was
created (processes by PID, namespaces by name; deleting a namespace deletes
the veth end inside it)."""
import json
import os
import signal
import subprocess
import sys
import time

SKIP = 77


def skip(why):
    print(f"SKIP: {why}")
    sys.exit(SKIP)


def run(*cmd, check=True, **kw):
    r = subprocess.run(list(cmd), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **kw)
    if check and r.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)}: exit {r.returncode}: {r.stderr.strip()}")
    return r


class Lab:
    """Namespaces and processes created by one test; close() removes them."""

    def __init__(self, tag):
        if os.geteuid() != 0:
            skip("not root: live capture and network namespaces need it")
        self.tag = f"wsl{os.getpid() % 1000000}{tag}"
        self.namespaces = []
        self.procs = []

    def netns(self, suffix):
        name = self.tag + suffix
        r = run("ip", "netns", "add", name, check=False)
        if r.returncode != 0:
            self.close()
            skip(f"ip netns add is unavailable here: {r.stderr.strip()}")
        self.namespaces.append(name)
        self.exec(name, "ip", "link", "set", "lo", "up")
        # no IPv6 router or neighbour chatter on the test links
        self.exec(name, "sysctl", "-qw", "net.ipv6.conf.all.disable_ipv6=1")
        self.exec(name, "sysctl", "-qw", "net.ipv6.conf.default.disable_ipv6=1")
        return name

    def veth(self, ns_a, addr_a, ns_b, addr_b):
        """A veth pair, one end in each namespace; returns the two names."""
        va, vb = self.tag + "va", self.tag + "vb"
        run("ip", "link", "add", va, "type", "veth", "peer", "name", vb)
        try:
            run("ip", "link", "set", va, "netns", ns_a)
            run("ip", "link", "set", vb, "netns", ns_b)
        except RuntimeError:
            run("ip", "link", "del", va, check=False)
            raise
        for ns, dev, addr in ((ns_a, va, addr_a), (ns_b, vb, addr_b)):
            self.exec(ns, "ip", "addr", "add", addr, "dev", dev)
            self.exec(ns, "ip", "link", "set", dev, "up")
        return va, vb

    def mac(self, ns, dev):
        out = self.exec(ns, "ip", "-j", "link", "show", dev).stdout
        return json.loads(out)[0]["address"]

    def exec(self, ns, *cmd, check=True, **kw):
        return run("ip", "netns", "exec", ns, *cmd, check=check, **kw)

    def start(self, ns, *cmd, stdout=None, stderr=None):
        """A background process in ns (ip netns exec execs it: the PID is its own)."""
        p = subprocess.Popen(["ip", "netns", "exec", ns, *cmd], stdout=stdout or subprocess.DEVNULL,
                             stderr=stderr or subprocess.DEVNULL)
        self.procs.append(p)
        return p

    def stop(self, p, sig=signal.SIGINT, timeout=30):
        """Sends sig to p by its PID and waits for its exit status."""
        if p.poll() is None:
            os.kill(p.pid, sig)
        try:
            return p.wait(timeout)
        except subprocess.TimeoutExpired:
            os.kill(p.pid, signal.SIGKILL)
            p.wait()
            raise

    def close(self):
        for p in self.procs:
            if p.poll() is None:
                os.kill(p.pid, signal.SIGKILL)
                p.wait()
        self.procs = []
        for ns in reversed(self.namespaces):
            run("ip", "netns", "del", ns, check=False)
        self.namespaces = []


def wait_for(what, pred, timeout=60.0, step=0.1):
    """Polls pred until it is true; fails after timeout (a bound on waiting,
    not a timing assertion: a healthy run is well inside it)."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        v = pred()
        if v:
            return v
        time.sleep(step)
    raise AssertionError(f"timed out waiting for {what}")


def read_lines(path):
    """The JSON lines written so far (a partial last line is left out)."""
    try:
        with open(path) as f:
            text = f.read()
    except FileNotFoundError:
        return []
    out = []
    for ln in text.split("\n")[:-1]:
        if ln.strip():
            out.append(json.loads(ln))
    return out


def finding_key(f):
    return (f["kind"], f["rule"], f.get("constraint"), f["src"]["ip"], f["dst"]["ip"],
            f["transport"], f["dst"]["port"])


TCP_CLIENT = r"""
import socket, sys
src, dst, port, timeout = sys.argv[1], sys.argv[2], int(sys.argv[3]), float(sys.argv[4])
c = socket.socket()
c.settimeout(timeout)
c.bind((src, 0))
try:
    c.connect((dst, port))
    c.sendall(b"hello\r\n")
    c.recv(100)
    print("connected")
except OSError as e:
    print(type(e).__name__)
c.close()
"""

TCP_SERVER = r"""
import socket, sys
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind((sys.argv[1], int(sys.argv[2])))
s.listen(16)
print("listening", flush=True)
while True:
    c, _ = s.accept()
    c.recv(100)
    c.sendall(b"ok\r\n")
    c.close()
"""
