#!/usr/bin/python3
"""sigma_eval.py: a small, independent evaluator of Sigma detection rules in JSON, for the tests.

Written from the Sigma specification (rules spec "Detection", modifiers appendix), not from
rulepack's code: it reads the emitted rule and decides, per event, alert / suppressed (by which
allow-list filter) / no alert. Events are JSON lines keyed by the table's column names; Sigma field
names are mapped back to columns through schema/sigma-map.yaml (the same data the emitter used,
read here with PyYAML), and a field without a mapping is a column name.

Semantics (the subset rulepack emits):
  plain value      whole-value equality, case-insensitive (ASCII, as KQL's =~), * and ? wildcards,
                   backslash escapes \\* \\? \\\\
  |contains |startswith |endswith   wildcard forms of the same
  |cased           case-sensitive          |re  Python re.search (case-sensitive), |i ignore case
  |neq             not (the rest matches)  |lt |lte |gt |gte  numbers
  |all             every value of the list must match (else any)
  map: AND of its keys; list of maps: OR; condition: and / or / not / ( ) / 1 of X* / all of X*
  a missing field is "" for string tests (KQL strings are never null) and no number.

Usage: sigma_eval.py [--map schema/sigma-map.yaml] [--rule RULE.yaml] RULE.json < events.jsonl
prints one JSON line per event: {"verdict": "alert"|"suppressed"|"no-alert", "exclusion": name}.
With --rule, a suppressing filter is reported as the rule's scenario it stands for (filters are
named filter_<slug of the scenario>[_<arm>]), the first in file order when several match.
"""
import json
import re
import sys


def load_map(path, table):
    try:
        import yaml
    except ImportError:
        return {}
    doc = yaml.safe_load(open(path))
    for t in doc.get("tables", []):
        if t["table"] == table:
            return {f["sigma"]: f["column"] for f in t.get("fields", [])}
    return {}


def ascii_lower(s):
    return "".join(chr(ord(c) + 32) if "A" <= c <= "Z" else c for c in s)


def wildcard_regex(value):
    """Sigma plain value with * ? and backslash escapes -> anchored Python regex."""
    out, i = [], 0
    while i < len(value):
        c = value[i]
        if c == "\\" and i + 1 < len(value) and value[i + 1] in "*?\\":
            out.append(re.escape(value[i + 1]))
            i += 2
            continue
        if c == "*":
            out.append(".*")
        elif c == "?":
            out.append(".")
        else:
            out.append(re.escape(c))
        i += 1
    return "".join(out)


def as_text(v):
    if v is None:
        return ""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, str):
        return v
    return json.dumps(v)


def as_number(v):
    if isinstance(v, bool) or v is None:
        return None
    if isinstance(v, (int, float)):
        return v
    try:
        return float(v)
    except (TypeError, ValueError):
        return None


def match_one(event_value, mods, pattern):
    if any(m in mods for m in ("lt", "lte", "gt", "gte")):
        x = as_number(event_value)
        if x is None:
            return False
        return {"lt": x < pattern, "lte": x <= pattern, "gt": x > pattern, "gte": x >= pattern}[
            [m for m in mods if m in ("lt", "lte", "gt", "gte")][0]]
    if isinstance(pattern, (int, float)) and not isinstance(pattern, bool):
        x = as_number(event_value)
        return x is not None and x == pattern
    text = as_text(event_value)
    if "re" in mods:
        flags = re.IGNORECASE | re.ASCII if "i" in mods else 0
        return re.search(pattern, text, flags | re.DOTALL if "s" in mods else flags) is not None
    body = wildcard_regex(pattern)
    if "contains" in mods:
        body = ".*" + body + ".*"
    elif "startswith" in mods:
        body = body + ".*"
    elif "endswith" in mods:
        body = ".*" + body
    if "cased" in mods:
        return re.fullmatch(body, text, re.DOTALL) is not None
    # case-insensitive, ASCII folding only (KQL's rule)
    return re.fullmatch(ascii_lower(body), ascii_lower(text), re.DOTALL) is not None


def match_key(event, colmap, key, value):
    parts = key.split("|")
    field, mods = parts[0], parts[1:]
    column = colmap.get(field, field)
    ev = event.get(column)
    neg = "neq" in mods
    values = value if isinstance(value, list) else [value]
    if "all" in mods:
        hit = all(match_one(ev, mods, v) for v in values)
    else:
        hit = any(match_one(ev, mods, v) for v in values)
    return not hit if neg else hit


def match_selection(event, colmap, sel):
    if isinstance(sel, list):
        return any(match_selection(event, colmap, s) for s in sel)
    return all(match_key(event, colmap, k, v) for k, v in sel.items())


TOKEN = re.compile(r"\s*(\(|\)|[A-Za-z0-9_*]+)")


def parse_condition(text):
    toks = []
    pos = 0
    while pos < len(text):
        m = TOKEN.match(text, pos)
        if not m:
            if text[pos:].strip() == "":
                break
            raise ValueError("bad condition near %r" % text[pos:])
        toks.append(m.group(1))
        pos = m.end()
    toks.append(None)
    i = [0]

    def peek():
        return toks[i[0]]

    def take():
        t = toks[i[0]]
        i[0] += 1
        return t

    def p_or():
        node = p_and()
        while peek() == "or":
            take()
            node = ("or", node, p_and())
        return node

    def p_and():
        node = p_not()
        while peek() == "and":
            take()
            node = ("and", node, p_not())
        return node

    def p_not():
        if peek() == "not":
            take()
            return ("not", p_not())
        return p_atom()

    def p_atom():
        t = take()
        if t == "(":
            node = p_or()
            if take() != ")":
                raise ValueError("missing )")
            return node
        if t in ("1", "all") and peek() == "of":
            take()
            return ("of", t, take())
        if t is None:
            raise ValueError("unexpected end of condition")
        return ("id", t)

    node = p_or()
    if peek() is not None:
        raise ValueError("trailing tokens in condition")
    return node


def names_of(detection, pattern):
    if pattern == "them":
        return [k for k in detection if k != "condition" and not k.startswith("_")]
    if pattern.endswith("*"):
        return sorted(k for k in detection if k != "condition" and k.startswith(pattern[:-1]))
    return [pattern]


def evaluate(node, detection, hit):
    kind = node[0]
    if kind == "or":
        return evaluate(node[1], detection, hit) or evaluate(node[2], detection, hit)
    if kind == "and":
        return evaluate(node[1], detection, hit) and evaluate(node[2], detection, hit)
    if kind == "not":
        return not evaluate(node[1], detection, hit)
    if kind == "of":
        names = names_of(detection, node[2])
        return any(hit(n) for n in names) if node[1] == "1" else all(hit(n) for n in names)
    return hit(node[1])


def slug(text):
    out, sep = [], False
    for c in text or "":
        if c.isascii() and c.isalnum():
            if sep and out:
                out.append("_")
            sep = False
            out.append(c.lower())
            if len(out) >= 64:
                break
        else:
            sep = True
    return "".join(out)


def main(argv):
    mpath, rpath, args = "schema/sigma-map.yaml", None, []
    it = iter(argv)
    for a in it:
        if a == "--map":
            mpath = next(it)
        elif a == "--rule":
            rpath = next(it)
        else:
            args.append(a)
    rule = json.load(open(args[0]))
    det = rule["detection"]
    table = {"process_creation": "DeviceProcessEvents", "image_load": "DeviceImageLoadEvents",
             "file_event": "DeviceFileEvents", "registry_event": "DeviceRegistryEvents",
             "network_connection": "DeviceNetworkEvents"}.get(rule["logsource"].get("category"))
    colmap = load_map(mpath, table) if table else {}
    scenarios = []
    if rpath:
        import yaml
        scenarios = [x.get("scenario") for x in (yaml.safe_load(open(rpath)).get("exclusions") or [])]
    cond = parse_condition(det["condition"])
    # the condition without its allow-list: `X and not 1 of filter_*` -> X
    filters = names_of(det, "filter_*")
    for line in sys.stdin:
        if not line.strip():
            continue
        event = json.loads(line)
        hit = lambda n: match_selection(event, colmap, det[n])  # noqa: E731
        if evaluate(cond, det, hit):
            print(json.dumps({"verdict": "alert"}))
            continue
        # would it alert without the filters?
        nofilter = lambda n: False if n.startswith("filter_") else hit(n)  # noqa: E731
        if evaluate(cond, det, nofilter):
            matched = [f for f in filters if hit(f)]
            name = matched[0] if matched else None
            for i, s in enumerate(scenarios):
                base = "filter_" + (slug(s) or "exclusion_%d" % (i + 1))
                if any(m == base or m.startswith(base + "_") for m in matched):
                    name = s
                    break
            print(json.dumps({"verdict": "suppressed", "exclusion": name}))
        else:
            print(json.dumps({"verdict": "no-alert"}))


if __name__ == "__main__":
    main(sys.argv[1:])
