#!/usr/bin/env python3
"""examples/grafana/vigil.json against the running vigil: the dashboard is valid JSON on a
Prometheus data source, every query (panel targets and template variables) names at least
one vigil_ metric, and every vigil_ metric it names is a family that /metrics serves.
The allocator's metrics may be absent only when the build has no mimalloc (then no
vigil_allocator_ family is served at all).

usage: grafana_test.py VIGIL DASHBOARD"""
import json
import re
import subprocess
import sys
import tempfile
import time
import urllib.request


def queries(dash):
    for panel in dash["panels"]:
        assert panel["datasource"]["type"] == "prometheus", panel["title"]
        for t in panel["targets"]:
            yield panel["title"], t["expr"]
    for var in dash.get("templating", {}).get("list", []):
        if var.get("type") == "query":
            yield "variable " + var["name"], var["definition"]


def main():
    vigil, path = sys.argv[1], sys.argv[2]
    dash = json.load(open(path))
    err = tempfile.TemporaryFile(mode="w+")
    proc = subprocess.Popen([vigil, "--set", "http.listen=127.0.0.1:0", "--set", "control.listen=",
                             "--set", "memtrace.listen=", "--set", "interval=1s"],
                            stdout=subprocess.DEVNULL, stderr=err)
    try:
        port = None
        for _ in range(100):
            err.seek(0)
            m = re.search(r"HTTP port listening on [^\s]*:(\d+)", err.read())
            if m:
                port = int(m.group(1))
                break
            time.sleep(0.1)
        if port is None:
            print("FAIL: no HTTP port")
            return 1
        time.sleep(2.5)  # two polls: the cpu source reports from its second
        text = urllib.request.urlopen("http://127.0.0.1:%d/metrics" % port, timeout=5).read().decode()
    finally:
        proc.terminate()
        proc.wait()
    served = set(re.findall(r"^# TYPE (\S+) ", text, re.M))
    no_allocator = not any(n.startswith("vigil_allocator_") for n in served)
    fail = 0
    count = 0
    for where, expr in queries(dash):
        names = re.findall(r"\bvigil_[a-zA-Z0-9_:]+", expr)
        if not names:
            print("FAIL: %s: no vigil metric in %r" % (where, expr))
            fail = 1
        for n in names:
            count += 1
            if n in served:
                continue
            if n.startswith("vigil_allocator_") and no_allocator:
                print("note: %s: %s (this build has no mimalloc)" % (where, n))
                continue
            print("FAIL: %s: %s is not served by /metrics" % (where, n))
            fail = 1
    if not fail:
        print("PASS: %d metric names in %d panels, all served by /metrics" % (count, len(dash["panels"])))
    return fail


if __name__ == "__main__":
    sys.exit(main())
