#!/usr/bin/env python3
"""Count GLib test cases (TAP lines) from meson's testlog.json and print
'N passed, N failed, N skipped' as the last line. A test executable that
crashed or timed out before printing its plan counts as one failure."""
import json
import re
import sys

passed = failed = skipped = 0
with open(sys.argv[1]) as f:
    for line in f:
        t = json.loads(line)
        out = t.get("stdout") or ""
        p = f = s = 0
        for l in out.splitlines():
            if re.match(r"^ok \d+", l):
                if re.search(r"#\s*SKIP", l, re.I):
                    s += 1
                else:
                    p += 1
            elif re.match(r"^not ok \d+", l):
                if re.search(r"#\s*TODO", l, re.I):
                    s += 1
                else:
                    f += 1
        result = t.get("result", "")
        if result in ("FAIL", "TIMEOUT", "ERROR", "UNEXPECTEDPASS") and f == 0:
            f = 1
        if p + f + s == 0:
            if result in ("OK", "EXPECTEDFAIL"):
                p = 1
            elif result == "SKIP":
                s = 1
        passed += p
        failed += f
        skipped += s
print(f"{passed} passed, {failed} failed, {skipped} skipped")
