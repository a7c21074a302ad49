# python_seed.py: the seed rule with json.loads per line (baseline). Prints matching events.
import re, sys, json
from datetime import datetime, timedelta
now = datetime.fromisoformat(sys.argv[1].replace("Z", "+00:00"))
lo = now - timedelta(days=5)
split = re.compile(r"[^0-9A-Za-z\u0080-\U0010ffff]+")
matched = 0
for line in sys.stdin.buffer:
    try:
        o = json.loads(line)
    except ValueError:
        continue
    ts, prod = o.get("Timestamp"), o.get("ProcessVersionInfoProductName") or ""
    if not ts:
        continue
    t = datetime.fromisoformat(ts.replace("Z", "+00:00"))
    if lo <= t <= now and any(w.lower() == "meshcentral" for w in split.split(prod)):
        matched += 1
print(matched)
