#!/usr/bin/env python3
"""Convert `weft loadgen --dump` output (OTLP JSON lines, one ExportTraceServiceRequest per
line) into TabSeparated files for the ClickHouse schema of bench/clickhouse_compare.sh.

    otlp_to_clickhouse.py DUMP OUTDIR [--rows-per-file N] [--ids N] [--seed S]

Writes OUTDIR/spans-NNNN.tsv (N span rows each, default 100000), OUTDIR/index-NNNN.tsv (the
trace-ID index: one row per trace per request, i.e. per batch a trace appears in) and, with
--ids N, OUTDIR/ids.txt: N distinct trace IDs drawn at random (seeded) from the dump. Prints
a JSON summary (spans, traces, files) on stdout.

Span row columns, in order (see CREATE TABLE in clickhouse_compare.sh):
    day, service, name, kind, start_ns, end_ns, duration_ns, trace_hi, trace_lo, span_id,
    parent_span_id, status_code, status_message, trace_state, flags, scope_name,
    scope_version, attr_keys, attr_values, attr_types, res_keys, res_values, events, links
Attribute values are text (ints in decimal, bools true/false, doubles shortest repr,
arrays / kvlists / bytes as JSON), with their OTLP type in attr_types (1 string, 2 bool,
3 int, 4 double, 5 array, 6 kvlist, 7 bytes). Events and links are JSON text.
"""
import argparse
import datetime
import json
import os
import random
import sys

TYPES = {"stringValue": 1, "boolValue": 2, "intValue": 3, "doubleValue": 4, "arrayValue": 5,
         "kvlistValue": 6, "bytesValue": 7}


def value_text(v):
    if not v:
        return "", 0
    for k, t in TYPES.items():
        if k in v:
            x = v[k]
            if t == 1:
                return x, t
            if t == 2:
                return ("true" if x else "false"), t
            if t == 3:
                return str(int(x)), t
            if t == 4:
                f = float(x)
                return (str(int(f)) if f.is_integer() and abs(f) < 1e16 else repr(f)), t
            return json.dumps(x, separators=(",", ":")), t
    return "", 0


def esc(s):
    """A TabSeparated field."""
    return s.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n")


def quoted(s):
    """An element of an array in TabSeparated (quoted, escaped)."""
    return "'" + s.replace("\\", "\\\\").replace("'", "\\'").replace("\t", "\\t").replace("\n", "\\n") + "'"


def arr_str(xs):
    return "[" + ",".join(quoted(x) for x in xs) + "]"


def arr_int(xs):
    return "[" + ",".join(str(x) for x in xs) + "]"


def hex_u64(h):
    return int(h, 16) if h else 0


def day_of(ns):
    return datetime.datetime.fromtimestamp(ns // 1_000_000_000, datetime.timezone.utc).strftime("%Y-%m-%d")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("dump")
    ap.add_argument("outdir")
    ap.add_argument("--rows-per-file", type=int, default=100000)
    ap.add_argument("--ids", type=int, default=0)
    ap.add_argument("--seed", type=int, default=1)
    a = ap.parse_args()
    os.makedirs(a.outdir, exist_ok=True)

    spans_total = 0
    file_no = 0
    rows_in_file = 0
    out = None
    idx = None
    files = []
    trace_ids = {}  # tid -> None (ordered set)

    def next_files():
        nonlocal out, idx, file_no, rows_in_file
        if out:
            out.close()
            idx.close()
        file_no += 1
        rows_in_file = 0
        sp = os.path.join(a.outdir, f"spans-{file_no:04d}.tsv")
        ip = os.path.join(a.outdir, f"index-{file_no:04d}.tsv")
        files.append([sp, ip])
        out = open(sp, "w", encoding="utf-8", newline="\n")
        idx = open(ip, "w", encoding="utf-8", newline="\n")

    next_files()
    with open(a.dump, encoding="utf-8") as f:
        for line in f:
            if not line.strip():
                continue
            if rows_in_file >= a.rows_per_file:
                next_files()
            req = json.loads(line)
            per_trace = {}  # tid -> [min start, max end, spans]
            for rs in req.get("resourceSpans", []):
                res_keys, res_values = [], []
                service = "unknown_service"
                for kv in rs.get("resource", {}).get("attributes", []):
                    t, _ = value_text(kv.get("value"))
                    res_keys.append(kv["key"])
                    res_values.append(t)
                    if kv["key"] == "service.name":
                        service = t
                res_k, res_v = arr_str(res_keys), arr_str(res_values)
                for ss in rs.get("scopeSpans", []):
                    scope = ss.get("scope", {})
                    scope_name, scope_version = esc(scope.get("name", "")), esc(scope.get("version", ""))
                    for s in ss.get("spans", []):
                        tid = s["traceId"].lower().rjust(32, "0")
                        start, end = int(s["startTimeUnixNano"]), int(s["endTimeUnixNano"])
                        keys, vals, types = [], [], []
                        for kv in s.get("attributes", []):
                            t, ty = value_text(kv.get("value"))
                            keys.append(kv["key"])
                            vals.append(t)
                            types.append(ty)
                        st = s.get("status") or {}
                        events = s.get("events") or []
                        links = s.get("links") or []
                        row = [
                            day_of(start), esc(service), esc(s.get("name", "")), str(int(s.get("kind", 0))),
                            str(start), str(end), str(max(0, end - start)),
                            str(int(tid[:16], 16)), str(int(tid[16:], 16)),
                            str(hex_u64(s.get("spanId", ""))), str(hex_u64(s.get("parentSpanId", ""))),
                            str(int(st.get("code", 0))), esc(st.get("message", "")), esc(s.get("traceState", "")),
                            str(int(s.get("flags", 0))), scope_name, scope_version,
                            arr_str(keys), arr_str(vals), arr_int(types), res_k, res_v,
                            esc(json.dumps(events, separators=(",", ":"))) if events else "",
                            esc(json.dumps(links, separators=(",", ":"))) if links else "",
                        ]
                        out.write("\t".join(row))
                        out.write("\n")
                        rows_in_file += 1
                        spans_total += 1
                        p = per_trace.get(tid)
                        if p is None:
                            per_trace[tid] = [start, end, 1]
                        else:
                            p[0] = min(p[0], start)
                            p[1] = max(p[1], end)
                            p[2] += 1
                        trace_ids[tid] = None
            for tid, (mn, mx, n) in per_trace.items():
                idx.write(f"{str(int(tid[:16], 16))}\t{str(int(tid[16:], 16))}\t{day_of(mn)}\t{mn}\t{mx}\t{n}\n")
    out.close()
    idx.close()
    ids_file = None
    if a.ids:
        rnd = random.Random(a.seed)
        all_ids = list(trace_ids)
        pick = rnd.sample(all_ids, min(a.ids, len(all_ids)))
        ids_file = os.path.join(a.outdir, "ids.txt")
        with open(ids_file, "w") as f:
            f.write("\n".join(pick) + "\n")
    json.dump({"spans": spans_total, "traces": len(trace_ids), "files": files, "ids_file": ids_file}, sys.stdout)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
