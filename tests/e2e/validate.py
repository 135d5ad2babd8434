#!/usr/bin/env python3
"""validate.py: check an xmppflow report against report.schema.json (Draft 2020-12).

Usage: validate.py SCHEMA json|jsonl FILE

json:  FILE is one document; it must be a `report` ($defs/report) and match the
       schema's root (oneOf).
jsonl: every line is one JSON object matching the root; every line but the last
       is a `session`, the last one is a `summary_line`.

Besides the schema, a few invariants the schema cannot express are checked:
session ids are unique, phase `seq` runs 1..n, a violation's `seq` names an
existing step (listed, or one of the phases_dropped after them), and summary.sessions equals the number of sessions.

Exit status: 0 valid, 1 invalid (reasons on stderr), 2 usage or unreadable file.
"""

import json
import sys

try:
    from jsonschema import Draft202012Validator
except ImportError:  # pragma: no cover
    sys.stderr.write("validate.py: python3-jsonschema is not installed\n")
    sys.exit(2)


def sub_validator(schema, ref):
    """A validator for one $defs entry, resolving refs against the whole schema."""
    sub = {k: v for k, v in schema.items() if k not in ("oneOf", "title", "description")}
    sub["$ref"] = "#/$defs/" + ref
    return Draft202012Validator(sub, format_checker=Draft202012Validator.FORMAT_CHECKER)


def schema_errors(validator, doc, where):
    out = []
    for e in sorted(validator.iter_errors(doc), key=lambda e: list(e.absolute_path)):
        path = "/".join(str(p) for p in e.absolute_path) or "(root)"
        out.append("%s: %s: %s" % (where, path, e.message[:300]))
    return out


def session_invariants(s, where):
    out = []
    phases = s.get("phases") or []
    seqs = [p.get("seq") for p in phases]
    if seqs != list(range(1, len(phases) + 1)):
        out.append("%s: phases seq is %s, not 1..%d" % (where, seqs[:20], len(phases)))
    steps = len(phases) + s.get("phases_dropped", 0)  # steps past the cap are not listed
    for i, v in enumerate(s.get("violations") or []):
        if v.get("seq") is not None and not 1 <= v["seq"] <= steps:
            out.append("%s: violations/%d: seq %s names no step" % (where, i, v["seq"]))
    return out


def summary_invariants(sessions, summary, where):
    out = []
    ids = [s.get("id") for s in sessions]
    if len(set(ids)) != len(ids):
        out.append("%s: duplicate session ids %s" % (where, ids))
    if summary.get("sessions") != len(sessions):
        out.append("%s: summary.sessions is %s but there are %d sessions"
                   % (where, summary.get("sessions"), len(sessions)))
    return out


def main(argv):
    if len(argv) != 4 or argv[2] not in ("json", "jsonl"):
        sys.stderr.write(__doc__.split("\n\n")[1] + "\n")
        return 2
    schema_path, mode, path = argv[1:]
    try:
        with open(schema_path, encoding="utf-8") as f:
            schema = json.load(f)
        with open(path, encoding="utf-8") as f:
            text = f.read()
    except (OSError, ValueError) as e:
        sys.stderr.write("validate.py: %s\n" % e)
        return 2
    Draft202012Validator.check_schema(schema)
    root = Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)
    errors = []

    if mode == "json":
        try:
            doc = json.loads(text)
        except ValueError as e:
            errors.append("%s: not JSON: %s" % (path, e))
        else:
            errors += schema_errors(root, doc, path + " (root oneOf)")
            errors += schema_errors(sub_validator(schema, "report"), doc, path + " (report)")
            if not errors:
                for i, s in enumerate(doc["sessions"]):
                    errors += session_invariants(s, "%s: sessions/%d" % (path, i))
                errors += summary_invariants(doc["sessions"], doc["summary"], path)
    else:
        if not text.endswith("\n"):
            errors.append("%s: last line does not end with a newline" % path)
        lines = text.split("\n")
        if lines and lines[-1] == "":
            lines.pop()
        if not lines:
            errors.append("%s: empty (a jsonl report ends with a summary line)" % path)
        session_v = sub_validator(schema, "session")
        summary_v = sub_validator(schema, "summary_line")
        sessions = []
        last = None
        for n, line in enumerate(lines, 1):
            where = "%s:%d" % (path, n)
            try:
                obj = json.loads(line)
            except ValueError as e:
                errors.append("%s: not a JSON line: %s" % (where, e))
                continue
            errors += schema_errors(root, obj, where + " (root oneOf)")
            if n < len(lines):
                errs = schema_errors(session_v, obj, where + " (session)")
                errors += errs
                if not errs:
                    sessions.append(obj)
                    errors += session_invariants(obj, where)
            else:
                errors += schema_errors(summary_v, obj, where + " (summary_line)")
                last = obj
        if not errors and last is not None:
            errors += summary_invariants(sessions, last["summary"], path)

    for e in errors[:50]:
        sys.stderr.write(e + "\n")
    if len(errors) > 50:
        sys.stderr.write("... and %d more\n" % (len(errors) - 50))
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
