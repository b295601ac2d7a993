#!/usr/bin/env python3
"""bench/statements.py: the statements of one API call as PostgreSQL logged them, against its pgbench mirror.

bench/run turns on log_statement = all, makes one call through the API and runs its mirror (bench/pgbench/*.sql) once
with pgbench, and hands both stretches of the server log to this script:

    statements.py USE_CASE SERVICE_LOG PGBENCH_LOG [--show]
    statements.py --includes USE_CASE SERVICE_LOG SCRIPT...
    statements.py --round-trips USE_CASE SERVICE_LOG MIRROR

From each log it takes the last transaction (with the Npgsql connection reset, DISCARD ALL, that precedes its BEGIN on
the same backend) whose statements set application_name to 'cms-api/USE_CASE', normalises every statement and compares
the two sequences. Exit 0 when they are the same statements in the same order, 1 (with a diff) when they differ, 2 when
a log holds no such transaction. With --includes, each query of each pgbench SCRIPT (a single-query variant such as
the RLS and deep-page comparisons; transaction control and settings aside) must be one of the call's statements.

Normalised means: bind parameters ($1), string and numeric literals, NULL, TRUE and FALSE become ?; an expression the mirror uses to make a
value the service computes itself (a new id, a timestamp, a hash) is written between /*<*/ and /*>*/ in the mirror and
becomes ? as well; comments go; whitespace is collapsed (and dropped next to brackets and commas); a trailing semicolon
goes. The protocol is not compared: Npgsql sends DISCARD ALL, BEGIN and COMMIT/ROLLBACK as simple queries and the rest
through the extended protocol, pgbench -M extended sends everything through the extended protocol.
"""
import difflib
import re
import sys

# log_line_prefix of the bench cluster is PostgreSQL's default for stderr logs: '%m [%p] '.
ENTRY = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(?:\.\d+)? \S+ \[(\d+)\] (\w+):  (.*)$")
STATEMENT = re.compile(r"^(?:statement|execute [^:]+): (.*)$", re.S)


def entries(path):
    """(pid, level, message) per log entry; continuation lines (tab-indented by PostgreSQL) joined with newlines."""
    current = None
    with open(path, encoding="utf-8", errors="replace") as log:
        for line in log:
            line = line.rstrip("\n")
            match = ENTRY.match(line)
            if match:
                if current:
                    yield current
                current = [match.group(1), match.group(2), match.group(3)]
            elif current is not None:
                current[2] += "\n" + (line[1:] if line.startswith("\t") else line)
    if current:
        yield current


def transactions(path):
    """Per backend, its statements cut into transactions: [DISCARD ALL,] BEGIN ... COMMIT|ROLLBACK."""
    open_by_pid, pending_reset, done = {}, {}, []
    for pid, level, message in entries(path):
        if level != "LOG":
            continue
        match = STATEMENT.match(message)
        if not match:
            continue
        sql = match.group(1)
        head = sql.strip().rstrip(";").strip().upper()
        if head == "DISCARD ALL":
            pending_reset[pid] = sql
            continue
        if head.startswith("BEGIN") or head.startswith("START TRANSACTION"):
            open_by_pid[pid] = [pending_reset.pop(pid)] if pid in pending_reset else []
        pending_reset.pop(pid, None)
        if pid in open_by_pid:
            open_by_pid[pid].append(sql)
            if head in ("COMMIT", "ROLLBACK", "END", "ABORT"):
                done.append(open_by_pid.pop(pid))
    return done


def call(path, use_case):
    """The last complete transaction of the use case (it sets application_name = 'cms-api/USE_CASE')."""
    marker = re.compile(r"application_name\s*=\s*'cms-api(?:-read)?/" + re.escape(use_case) + "'")
    found = [t for t in transactions(path) if any(marker.search(s) for s in t)]
    return found[-1] if found else None


TOKEN = re.compile(r"""
    (?P<marked>/\*<\*/.*?/\*>\*/)       # a value the mirror computes where the service binds a parameter
  | (?P<string>[Ee]?'(?:[^']|'')*')     # a string literal
  | (?P<line_comment>--[^\n]*)
  | (?P<block_comment>/\*.*?\*/)
  | (?P<param>\$\d+)
  | (?P<number>(?<![\w$.])\d+(?:\.\d+)?(?![\w.]))
  | (?P<constant>(?<![\w.])(?i:NULL|TRUE|FALSE)(?![\w.]))
  | (?P<other>.)
""", re.S | re.X)


def normalise(sql):
    out = []
    for match in TOKEN.finditer(sql):
        kind = match.lastgroup
        if kind in ("marked", "string", "param", "number", "constant"):
            out.append("?")
        elif kind in ("line_comment", "block_comment"):
            out.append(" ")
        else:
            out.append(match.group())
    text = re.sub(r"\s+", " ", "".join(out)).strip()
    text = re.sub(r"\s*([(),\[\]])\s*", r"\1", text)
    return text.rstrip(";").strip()


CONTROL = re.compile(r"^(DISCARD|BEGIN|START|SET|COMMIT|ROLLBACK|END|ABORT)\b", re.I)


def script_queries(path):
    """The SQL commands of a pgbench script (meta-commands and line comments dropped), split at a closing semicolon."""
    lines = [l for l in open(path, encoding="utf-8") if not l.lstrip().startswith(("\\", "--"))]
    return [q for q in (c.strip() for c in re.split(r";[ \t]*(?:\n|$)", "".join(lines))) if q]


def includes(argv):
    use_case, service_log, scripts = argv[2], argv[3], argv[4:]
    service = call(service_log, use_case)
    if service is None:
        print(f"statements: no {use_case} transaction from the service in {service_log}", file=sys.stderr)
        return 2
    known, failed = {normalise(s) for s in service}, 0
    for script in scripts:
        for query in script_queries(script):
            text = normalise(query)
            if not CONTROL.match(text) and text not in known:
                print(f"statements: {script}: not a statement of {use_case} (normalised):\n  {text}", file=sys.stderr)
                failed = 1
    if not failed:
        print(f"statements: {use_case}: {', '.join(p.rsplit('/', 1)[-1] for p in scripts)} run its statements", file=sys.stderr)
    return failed


def round_trips(argv):
    """--round-trips USE_CASE SERVICE_LOG MIRROR: the round trips of the call's transaction. The server's log cannot show
    them (a batch is logged one statement at a time), so they are counted on the mirror, whose statements were just
    found equal to the service's: one per pgbench pipeline (\\startpipeline ... \\endpipeline, a flight as Npgsql
    writes a batch), one per statement outside a pipeline. The service's own are counted on the wire by Cms.Tests
    WriteRoundTripTests (a filing above three fails it), which holds the service to what this mirror claims."""
    if call(argv[3], argv[2]) is None:
        print(f"no transaction of {argv[2]} in {argv[3]}", file=sys.stderr)
        return 2
    trips, in_pipeline = 0, False
    for line in open(argv[4], encoding="utf-8"):
        text = line.strip()
        if text.startswith("\\startpipeline"):
            in_pipeline, trips = True, trips + 1
        elif text.startswith("\\endpipeline"):
            in_pipeline = False
        elif not in_pipeline and not text.startswith(("\\", "--")) and text.rstrip().endswith(";"):
            trips += 1
    print(trips)
    return 0


def main(argv):
    if len(argv) > 1 and argv[1] == "--includes":
        return includes(argv)
    if len(argv) > 1 and argv[1] == "--round-trips":
        return round_trips(argv)
    if len(argv) < 4:
        print(__doc__, file=sys.stderr)
        return 2
    use_case, service_log, pgbench_log = argv[1:4]
    service, mirror = call(service_log, use_case), call(pgbench_log, use_case)
    for side, found, path in (("service", service, service_log), ("pgbench mirror", mirror, pgbench_log)):
        if found is None:
            print(f"statements: no {use_case} transaction from the {side} in {path}", file=sys.stderr)
            return 2
    left, right = [normalise(s) for s in service], [normalise(s) for s in mirror]
    if "--show" in argv:
        print("\n".join(left))
    if left == right:
        print(f"statements: {use_case}: the mirror sends the service's {len(left)} statements", file=sys.stderr)
        return 0
    print(f"statements: {use_case}: the pgbench mirror differs from what the service sent "
          f"({len(left)} statements from the service, {len(right)} from the mirror):", file=sys.stderr)
    sys.stderr.writelines(difflib.unified_diff([s + "\n" for s in left], [s + "\n" for s in right],
                                               "service (PostgreSQL log)", "pgbench mirror (PostgreSQL log)", n=1))
    return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
