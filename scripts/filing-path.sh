#!/usr/bin/env bash
# Measures the project files one warm filing (POST /v1/complaints into a queue, PostgreSQL) executes and compares them
# with the table in docs/architecture.md (issue 16, docs/adr/0012).
#
# Counting rule (docs/adr/0012): Cms.Tests/Architecture/FilingPathTests files a complaint into a queue cold (the
# tenant's first: caches fill), then five more warm; the script runs it under line coverage (coverlet) three times:
# without the warm filings (the baseline), with them, and with five warm reads (GET /v1/queues) instead. A source
# file of Cms.Api, Cms.Application, Cms.Domain or Cms.Infrastructure counts when one of its lines ran at least three
# times more than in the baseline (a line of the filing runs five times more; the margin absorbs background work
# that ran a time or two more or less, the fixture's rate-limit heartbeat beats only at start). Generated
# code does not count. Work the filing starts but that runs after its answer (the change sealer) is shown apart. The
# files the warm reads run too are what every tenant request crosses; the rest are the filing's own.
#
# Usage: bash scripts/filing-path.sh        exit 1 when the measured and the documented lists differ
set -euo pipefail
REPO_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$REPO_ROOT"
OUT=$(mktemp -d /tmp/filing-path.XXXXXX)
trap '[[ -n ${FILING_PATH_KEEP:-} ]] && echo "filing-path: coverage kept in $OUT" >&2 || rm -rf "$OUT"' EXIT

BUILD=()
run() { # run WARM_FILINGS WARM_READS DIR
  CMS_TEST_TARGET=Cms.Tests/Cms.Tests.csproj bash scripts/test.sh "${BUILD[@]}" \
    --filter "FullyQualifiedName~FilingPathTests.Files_a_complaint_into_a_queue_cold_then_warm" \
    --collect "XPlat Code Coverage" -- \
    "TestRunParameters.Parameter(name=\"warmFilings\", value=\"$1\")" \
    "TestRunParameters.Parameter(name=\"warmReads\", value=\"$2\")" \
    DataCollectionRunSettings.DataCollectors.DataCollector.Configuration.Format=json \
    "DataCollectionRunSettings.DataCollectors.DataCollector.Configuration.Include=[Cms.Api]*,[Cms.Application]*,[Cms.Domain]*,[Cms.Infrastructure]*" \
    DataCollectionRunSettings.DataCollectors.DataCollector.Configuration.ExcludeByAttribute=GeneratedCodeAttribute >&2
  local report
  report=$(find TestResults -name coverage.json -newer "$OUT" -print | head -n 1)
  [[ -n $report ]] || { echo "filing-path: no coverage.json from the run" >&2; exit 1; }
  mkdir -p "$3" && mv "$report" "$3/" && rmdir "$(dirname "$report")" 2>/dev/null || true
  touch "$OUT"
  BUILD=(--no-build)
}
run 0 0 "$OUT/cold"
run 5 0 "$OUT/warm"
run 0 5 "$OUT/read"

python3 - "$REPO_ROOT" "$OUT/cold" "$OUT/warm" "$OUT/read" <<'PY'
import glob, json, os, re, sys
root, cold_dir, warm_dir, read_dir = sys.argv[1:5]

def hits(directory):
    found = glob.glob(os.path.join(directory, "**", "coverage.json"), recursive=True)
    if len(found) != 1:
        sys.exit(f"expected one coverage.json under {directory}, found {found}")
    lines = {}
    for module in json.load(open(found[0])).values():
        for path, classes in module.items():
            for methods in classes.values():
                for method in methods.values():
                    for line, count in method["Lines"].items():
                        key = (path, int(line))
                        lines[key] = lines.get(key, 0) + count
    return lines

def ran(baseline, probe):
    paths = {path for (path, line), count in probe.items() if count - baseline.get((path, line), 0) >= 3}
    return sorted(os.path.relpath(p, root) for p in paths if p.startswith(root + os.sep) and "/obj/" not in p)

# InstanceShare.LiveInstances, the one line of this file a request runs (the token bucket reads it on every request),
# is also read by the rate limiter's idle timer every 100 ms, so its count moves with how long each run lasted, either
# way: it is counted when the warm run ran it at all.
TIMER_SHARED = {"Cms.Api/Http/RateLimits/InstanceHeartbeat.cs"}

cold, warm = hits(cold_dir), hits(warm_dir)
filing, read = ran(cold, warm), ran(cold, hits(read_dir))
filing = sorted(set(filing) | {p for p in TIMER_SHARED if any(os.path.relpath(k[0], root) == p and n > 0 for k, n in warm.items())})
after_answer = [p for p in filing if re.search(r"ChangeSealer", p)]
common = [p for p in filing if p in read and p not in after_answer]
own = [p for p in filing if p not in read and p not in after_answer]

print(f"a warm filing runs code in {len(filing) - len(after_answer)} project files")
print(f"  {len(common)} of them every tenant request crosses (a warm GET /v1/queues runs them too):")
print("".join(f"    {p}\n" for p in common), end="")
print(f"  {len(own)} are the filing's own:")
print("".join(f"    {p}\n" for p in own), end="")
if after_answer:
    print("  after the answer, not counted: " + ", ".join(after_answer))

text = open(os.path.join(root, "docs", "architecture.md")).read()
section = text[text.index("## One request"):]
steps = re.findall(r"^\| *\d+ *\| *`([^`]+)`", section, re.M)
blocks = [folder + name.strip() for folder, names in re.findall(r"^- `([^`]+/)`: (.+)$", section, re.M) for name in names.split(",")]
documented = steps + blocks
counted = [p for p in filing if p not in after_answer]
missing = [p for p in counted if p not in documented]
extra = [p for p in documented if p not in counted]
print(f"docs/architecture.md: {len(steps)} files of the steps, {len(blocks)} they call, {len(documented)} in all")
if missing or extra:
    print(f"  not listed there: {missing}\n  listed there but not run: {extra}")
    sys.exit(1)
print("  the same files as measured")
PY
