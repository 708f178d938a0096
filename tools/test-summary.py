#!/usr/bin/env python3
"""Count GLib test cases (TAP lines) from meson's testlog.json files and print
'N passed, N failed, N skipped' as the last line. A test executable that
crashed or timed out before printing its plan counts as one failure.
With several logs (tools/dev.sh test, the sanitizer build, the fuzz build),
one line per log comes first ('LOG: N passed, ...') and the last line is the
total over all of them. A log that does not exist counts as one failure."""
import json
import re
import sys


def count(path):
    passed = failed = skipped = 0
    with open(path) as fh:
        for line in fh:
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
    return passed, failed, skipped


total = [0, 0, 0]
for path in sys.argv[1:]:
    try:
        c = count(path)
    except OSError as e:
        print(f"{path}: cannot read ({e.strerror}): counted as 1 failure")
        c = (0, 1, 0)
    if len(sys.argv) > 2:
        print(f"{path}: {c[0]} passed, {c[1]} failed, {c[2]} skipped")
    total = [a + b for a, b in zip(total, c)]
print(f"{total[0]} passed, {total[1]} failed, {total[2]} skipped")
