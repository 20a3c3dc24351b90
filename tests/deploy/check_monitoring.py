#!/usr/bin/python3
"""Checks codi's monitoring artefacts: alert rules, their unit tests, the Grafana dashboard.

  check_monitoring.py --repo DIR --bin DIR --check rules       # promtool check rules; PrometheusRule == rules file
  check_monitoring.py --repo DIR --bin DIR --check unit        # promtool test rules codi-alerts.test.yml
  check_monitoring.py --repo DIR --bin DIR --check dashboard   # every panel query parses and uses exported metrics
  check_monitoring.py --repo DIR --bin DIR --self-test         # the checker rejects what it should

"Exported" metric names come from the live /metrics pages of a coordinator and a worker
started here (127.0.0.1, port 0). The client library shows a labelled family only once it
has a sample, so an idle process's pages lack the per-job and per-endpoint families; for
those (and only those: labelled, absent from the idle page, registered by a string literal
in coordinator/, worker/ or common/) the metrics catalogue of docs/operations.md is used.

Exit status: 0 ok, 1 a check failed, 77 promtool is not installed (CTest: skipped).
"""

import argparse
import copy
import json
import os
import re
import selectors
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request

try:
    import yaml
except ImportError:  # pragma: no cover
    print("check_monitoring: python3-yaml is not installed (scripts/install-deps.sh installs it)")
    sys.exit(1)

SKIP = 77

RULES = "deploy/prometheus/codi-alerts.rules.yml"
RULES_TEST = "deploy/prometheus/codi-alerts.test.yml"
PROMETHEUS_RULE = "deploy/k8s/base/prometheusrule.yaml"
DASHBOARD = "deploy/grafana/codi-dashboard.json"
CATALOGUE = "docs/operations.md"
REQUIRED_ALERTS = ["CodiTeacherErrorRateHigh", "CodiNoProgress", "CodiCoordinatorDown",
                   "CodiLeaseExpiriesSpiking"]

# ---------------------------------------------------------------------------
# PromQL: metric names used by an expression

FUNCTIONS = set("""
abs absent absent_over_time acos acosh asin asinh atan atanh avg_over_time ceil changes clamp
clamp_max clamp_min cos cosh count_over_time day_of_month day_of_week day_of_year days_in_month
deg delta deriv exp floor histogram_count histogram_fraction histogram_quantile histogram_sum
holt_winters hour idelta increase irate label_join label_replace last_over_time ln log10 log2
mad_over_time max_over_time min_over_time minute month pi predict_linear present_over_time
quantile_over_time rad rate resets round scalar sgn sin sinh sort sort_desc sqrt
stddev_over_time stdvar_over_time sum_over_time tan tanh time timestamp vector year
""".split())
AGGREGATIONS = set("sum min max avg group stddev stdvar count count_values bottomk topk quantile".split())
KEYWORDS = set("by without on ignoring group_left group_right bool offset and or unless atan2 "
               "inf nan start end".split())

_STRING = re.compile(r'"(?:[^"\\]|\\.)*"|\'(?:[^\'\\]|\\.)*\'|`[^`]*`')
_NAME_MATCHER = re.compile(r'__name__\s*(=~|!~|!=|=)\s*("(?:[^"\\]|\\.)*"|\'(?:[^\'\\]|\\.)*\'|`[^`]*`)')
_MODIFIER_LIST = re.compile(r'\b(by|without|on|ignoring|group_left|group_right)\s*\([^()]*\)')
_OFFSET = re.compile(r'\boffset\s+-?[0-9][0-9a-zA-Z]*')
_AT = re.compile(r'@\s*(start\s*\(\s*\)|end\s*\(\s*\)|[-+]?[0-9.eE+]+)')
_NUMBER = re.compile(r'(?<![\w:])(0[xX][0-9a-fA-F]+|[0-9]*\.?[0-9]+(?:[eE][-+]?[0-9]+)?)(?![\w:])')
_IDENT = re.compile(r'[a-zA-Z_:][a-zA-Z0-9_:]*')


def metric_names(expr):
    """The metric names an expression selects; raises ValueError on what it cannot check."""
    names = set()
    for op, literal in _NAME_MATCHER.findall(expr):
        if op != "=":
            raise ValueError(f"__name__{op}{literal}: a name matcher other than = cannot be checked")
        names.add(literal[1:-1])
    s = _STRING.sub('""', expr)
    s = re.sub(r'\{[^{}]*\}', ' ', s)          # label matchers
    s = re.sub(r'\[[^\[\]]*\]', ' ', s)        # range and subquery durations
    s = _MODIFIER_LIST.sub(' ', s)             # by (...), on (...), group_left (...)
    s = _OFFSET.sub(' ', s)
    s = _AT.sub(' ', s)
    s = _NUMBER.sub(' ', s)
    for m in _IDENT.finditer(s):
        word = m.group(0)
        if word.lower() in KEYWORDS:              # and (...), or (...), bool (...)
            continue
        called = s[m.end():].lstrip().startswith("(")
        if called:
            if word not in FUNCTIONS and word not in AGGREGATIONS and word != "atan2":
                raise ValueError(f"{word}(...): not a PromQL function or aggregation")
            continue
        if word in AGGREGATIONS:
            continue
        names.add(word)
    return names


# ---------------------------------------------------------------------------
# Grafana variables

BUILTIN_VARIABLES = {
    "__rate_interval": "1m", "__interval": "1m", "__interval_ms": "60000",
    "__range": "1h", "__range_s": "3600", "__range_ms": "3600000",
    "__from": "1700000000000", "__to": "1700003600000",
}
_VARIABLE = re.compile(r'\$\{(\w+)(?::[\w]+)?\}|\[\[(\w+)(?::\w+)?\]\]|\$(\w+)')


def substitute(expr, variables):
    """expr with Grafana variables replaced by valid PromQL values; raises on unknown ones."""
    def repl(m):
        name = m.group(1) or m.group(2) or m.group(3)
        if name in BUILTIN_VARIABLES:
            return BUILTIN_VARIABLES[name]
        if name in variables:
            return variables[name]
        raise ValueError(f"${name}: not a Grafana built-in and not a variable of the dashboard")
    return _VARIABLE.sub(repl, expr)


def dashboard_variables(dash):
    """Sample values for the dashboard's own variables (usable inside a label matcher)."""
    values = {}
    for v in dash.get("templating", {}).get("list", []):
        if v.get("type") == "datasource":
            values[v["name"]] = "prometheus"
        elif v.get("type") in ("interval",):
            values[v["name"]] = "5m"
        else:
            values[v["name"]] = "example-job"
    return values


def walk_panels(panels):
    for p in panels or []:
        yield p
        yield from walk_panels(p.get("panels"))


# ---------------------------------------------------------------------------
# Exported metric names

class Proc:
    def __init__(self, argv, log):
        self.argv = argv
        self.log = open(log, "w")
        self.p = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=self.log, text=True)
        self.lines = []
        self.buf = ""

    def wait_for(self, pattern, deadline):
        """The first group of the first stdout line matching pattern, waiting until deadline."""
        rx = re.compile(pattern)
        seen = 0
        sel = selectors.DefaultSelector()
        sel.register(self.p.stdout, selectors.EVENT_READ)
        try:
            while True:
                for line in self.lines[seen:]:
                    m = rx.search(line)
                    if m:
                        return m.group(1)
                seen = len(self.lines)
                if time.monotonic() >= deadline:
                    break
                if not sel.select(timeout=max(0.0, min(0.5, deadline - time.monotonic()))):
                    if self.p.poll() is not None:
                        break
                    continue
                chunk = os.read(self.p.stdout.fileno(), 4096).decode(errors="replace")
                if not chunk:
                    break
                self.buf += chunk
                *complete, self.buf = self.buf.split("\n")
                self.lines += complete
        finally:
            sel.close()
        raise RuntimeError(f"{self.argv[0]} did not print /{pattern}/ in time "
                           f"(exit {self.p.poll()}); stdout so far: {self.lines + [self.buf]}")

    def stop(self):
        if self.p.poll() is None:
            self.p.terminate()
            try:
                self.p.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.p.kill()
                self.p.wait(timeout=10)
        self.log.close()


def fetch(address, deadline):
    last = None
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://{address}/metrics", timeout=5) as r:
                return r.read().decode()
        except OSError as e:
            last = e
            time.sleep(0.1)
    raise RuntimeError(f"GET http://{address}/metrics failed: {last}")


def parse_page(text):
    """{family: type} of a Prometheus text page (families without # TYPE are untyped)."""
    families = {}
    for line in text.splitlines():
        if line.startswith("# TYPE "):
            parts = line.split()
            families[parts[2]] = parts[3]
        elif line and not line.startswith("#"):
            name = re.match(r'[a-zA-Z_:][a-zA-Z0-9_:]*', line).group(0)
            if not any(name == f or (families[f] in ("histogram", "summary") and
                                     name in (f + "_bucket", f + "_sum", f + "_count"))
                       for f in families):
                families.setdefault(name, "untyped")
    return families


def series_names(family, kind):
    if kind == "histogram":
        return {family + "_bucket", family + "_sum", family + "_count"}
    if kind == "summary":
        return {family, family + "_sum", family + "_count"}
    return {family}


def live_families(repo, bindir, timeout=30):
    """{'coordinator': {family: type}, 'worker': {...}} from freshly started, idle processes."""
    deadline = time.monotonic() + timeout
    tmp = tempfile.mkdtemp(prefix="codi-monitoring-")
    procs = []
    try:
        coord = Proc([os.path.join(bindir, "codi-coordinator"), "--listen", "127.0.0.1:0",
                      "--state", os.path.join(tmp, "state"), "--metrics-listen", "127.0.0.1:0"],
                     os.path.join(tmp, "coordinator.err"))
        procs.append(coord)
        address = coord.wait_for(r'listening on (\S+)', deadline)
        coord_metrics = coord.wait_for(r'metrics on (\S+)', deadline)
        worker = Proc([os.path.join(bindir, "codi-worker"), "--coordinator", address,
                       "--metrics-listen", "127.0.0.1:0"], os.path.join(tmp, "worker.err"))
        procs.append(worker)
        worker_metrics = worker.wait_for(r'metrics on (\S+)', deadline)
        return {"coordinator": parse_page(fetch(coord_metrics, deadline)),
                "worker": parse_page(fetch(worker_metrics, deadline))}
    finally:
        for p in reversed(procs):
            p.stop()
        shutil.rmtree(tmp, ignore_errors=True)


def catalogue(repo):
    """[(family, type, labels)] from the table of the '## Metrics' section of docs/operations.md."""
    text = open(os.path.join(repo, CATALOGUE)).read()
    m = re.search(r'^## Metrics\s*$(.*?)(?=^## |\Z)', text, re.M | re.S)
    if not m:
        raise RuntimeError(f"{CATALOGUE}: no '## Metrics' section")
    rows = []
    for line in m.group(1).splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if not line.startswith("|") or len(cells) < 3:
            continue
        for name in re.findall(r'`([a-zA-Z_:][a-zA-Z0-9_:]*)`', cells[0]):
            rows.append((name, cells[1], cells[2]))
    if not rows:
        raise RuntimeError(f"{CATALOGUE}: the Metrics section has no table of metrics")
    return rows


def source_literals(repo):
    found = set()
    for top in ("coordinator", "worker", "common"):
        for root, _, files in os.walk(os.path.join(repo, top)):
            for f in files:
                if f.endswith((".cc", ".h")):
                    found.update(re.findall(r'"([a-zA-Z_:][a-zA-Z0-9_:]*)"',
                                            open(os.path.join(root, f), errors="replace").read()))
    return found


class Exported:
    """Accepted series names, each with where it came from."""

    def __init__(self, repo, bindir):
        self.source = {"up": "Prometheus (scrape health)"}
        self.errors = []
        live = live_families(repo, bindir)
        self.live = live
        for proc, families in live.items():
            for family, kind in families.items():
                for n in series_names(family, kind):
                    self.source.setdefault(n, f"live {proc} page")
        on_page = {f: k for fams in live.values() for f, k in fams.items()}
        literals = source_literals(repo)
        self.from_catalogue = []
        catalogued = set()
        for family, kind, labels in catalogue(repo):
            catalogued.add(family)
            if family in on_page:
                if on_page[family] != kind:
                    self.errors.append(f"{CATALOGUE}: {family} is a {kind} in the catalogue, "
                                       f"a {on_page[family]} on the live page")
                continue
            if not labels:
                self.errors.append(f"{CATALOGUE}: {family} has no labels, so an idle process "
                                   "would export it, but neither live page has it")
                continue
            if family not in literals:
                self.errors.append(f"{CATALOGUE}: {family} is not named in coordinator/, "
                                   "worker/ or common/")
                continue
            self.from_catalogue.append(family)
            for n in series_names(family, kind):
                self.source.setdefault(n, f"catalogue (labelled by {labels}; no sample on an idle page)")
        self.uncatalogued = sorted(set(on_page) - catalogued)

    def describe(self):
        for proc, families in self.live.items():
            print(f"  live {proc} page: {len(families)} families: {', '.join(sorted(families))}")
        print(f"  from the catalogue (labelled, absent from the idle pages): "
              f"{', '.join(sorted(self.from_catalogue)) or 'none'}")
        if self.uncatalogued:
            print(f"  note: on a live page but not in the catalogue: {', '.join(self.uncatalogued)}")


# ---------------------------------------------------------------------------
# Checks

def promtool():
    return shutil.which("promtool")


def run_promtool(args):
    r = subprocess.run([promtool()] + args, capture_output=True, text=True, timeout=120)
    return r.returncode, (r.stdout + r.stderr).strip()


def check_exprs_use_exported(named_exprs, exported):
    """named_exprs: [(where, expr)] already substituted. Returns (errors, {name: [where]})."""
    errors, used = [], {}
    for where, expr in named_exprs:
        try:
            names = metric_names(expr)
        except ValueError as e:
            errors.append(f"{where}: {e}: {expr}")
            continue
        if not names:
            errors.append(f"{where}: selects no metric: {expr}")
        for n in names:
            used.setdefault(n, []).append(where)
            if n not in exported.source:
                errors.append(f"{where}: metric {n!r} is not exported by the coordinator or a "
                              f"worker (nor in the catalogue as a labelled family): {expr}")
    return errors, used


def dashboard_queries(dash):
    """([(where, raw expr)], errors, panel count, row count)."""
    queries, errors = [], []
    npanels = nrows = 0
    ds_vars = [v["name"] for v in dash.get("templating", {}).get("list", [])
               if v.get("type") == "datasource"]
    ds_refs = {"${%s}" % n for n in ds_vars} | {"$" + n for n in ds_vars}
    ids = {}
    for p in walk_panels(dash.get("panels")):
        if p.get("id") in ids:
            errors.append(f"panel id {p.get('id')} used by {ids[p['id']]!r} and {p.get('title')!r}")
        ids[p.get("id")] = p.get("title")
        if p.get("type") == "row":
            nrows += 1
            continue
        npanels += 1
        title = p.get("title", "?")
        targets = p.get("targets") or []
        if not targets:
            errors.append(f"panel {title!r} has no queries")
        for t in [p] + targets:
            ds = t.get("datasource")
            if ds is not None and (not isinstance(ds, dict) or ds.get("uid") not in ds_refs):
                errors.append(f"panel {title!r}: datasource {ds!r} is not the templated "
                              f"data source {sorted(ds_refs)}")
        for t in targets:
            if not t.get("expr"):
                errors.append(f"panel {title!r} target {t.get('refId')}: no expr")
                continue
            queries.append((f"panel {p.get('id')} {title!r} target {t.get('refId')}",
                            f"dashboard:panel_{p.get('id')}_{t.get('refId')}", t["expr"]))
    for v in dash.get("templating", {}).get("list", []):
        if v.get("type") == "query":
            q = v.get("query")
            q = q.get("query") if isinstance(q, dict) else q
            m = re.fullmatch(r'\s*label_values\(\s*(.*?)\s*,\s*(\w+)\s*\)\s*', q or "")
            if m:
                queries.append((f"variable ${v['name']} (label_values)", f"dashboard:var_{v['name']}",
                                m.group(1)))
            else:
                errors.append(f"variable ${v['name']}: only label_values(SELECTOR, LABEL) is checked: {q!r}")
    return queries, errors, npanels, nrows


def check_dashboard(dash, exported, verbose=True):
    errors = []
    if not isinstance(dash.get("schemaVersion"), int) or dash["schemaVersion"] < 36:
        errors.append(f"schemaVersion {dash.get('schemaVersion')!r}: want 36 or later")
    for key in ("uid", "title"):
        if not dash.get(key):
            errors.append(f"dashboard has no {key}")
    tmpl = {v.get("name"): v for v in dash.get("templating", {}).get("list", [])}
    if not any(v.get("type") == "datasource" and v.get("query") == "prometheus" for v in tmpl.values()):
        errors.append("no templated Prometheus data source variable (type: datasource)")
    queries, errs, npanels, nrows = dashboard_queries(dash)
    errors += errs
    variables = dashboard_variables(dash)
    substituted = []
    for where, record, expr in queries:
        try:
            substituted.append((where, record, substitute(expr, variables)))
        except ValueError as e:
            errors.append(f"{where}: {e}: {expr}")
    # Every query parses (and type-checks) as PromQL: promtool, as recording rules.
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "dashboard-queries.rules.yml")
        with open(path, "w") as f:
            yaml.safe_dump({"groups": [{"name": "dashboard", "rules": [
                {"record": record, "expr": expr} for _, record, expr in substituted]}]}, f,
                sort_keys=False, width=1000)
        code, out = run_promtool(["check", "rules", path])
        if code != 0:
            errors.append("promtool check rules rejects dashboard queries "
                          "(record dashboard:panel_<id>_<refId>):\n" + out)
    name_errors, used = check_exprs_use_exported([(w, e) for w, _, e in substituted], exported)
    errors += name_errors
    if verbose:
        print(f"dashboard: {npanels} panels in {nrows} rows, {len(queries)} queries "
              f"({len(substituted)} substituted and checked by promtool), "
              f"{len(used)} metric names:")
        for n in sorted(used):
            print(f"  {n:45} {exported.source.get(n, 'UNKNOWN')}  ({len(used[n])} queries)")
        unused = sorted({f for fams in exported.live.values() for f in fams} |
                        set(exported.from_catalogue))
        unused = [f for f in unused if not (series_names(f, "histogram") | {f}) & set(used)]
        if unused:
            print(f"  note: exported families no panel shows: {', '.join(unused)}")
    return errors


def load_yaml(repo, rel):
    with open(os.path.join(repo, rel)) as f:
        return yaml.safe_load(f)


def compare_prometheus_rule(rules, pr):
    errors = []
    if pr.get("apiVersion") != "monitoring.coreos.com/v1" or pr.get("kind") != "PrometheusRule":
        errors.append(f"{PROMETHEUS_RULE}: want apiVersion monitoring.coreos.com/v1, kind PrometheusRule")
    if (pr.get("metadata") or {}).get("name") != "codi":
        errors.append(f"{PROMETHEUS_RULE}: metadata.name is not codi")
    spec = pr.get("spec") or {}
    if set(spec) != {"groups"}:
        errors.append(f"{PROMETHEUS_RULE}: spec has {sorted(spec)}, want only groups")
    if set(rules) != {"groups"}:
        errors.append(f"{RULES}: top level has {sorted(rules)}, want only groups")
    if spec.get("groups") != rules.get("groups"):
        a = json.dumps(rules.get("groups"), indent=1, sort_keys=True).splitlines()
        b = json.dumps(spec.get("groups"), indent=1, sort_keys=True).splitlines()
        import difflib
        diff = "\n".join(difflib.unified_diff(a, b, RULES, PROMETHEUS_RULE + " spec.groups", lineterm=""))
        errors.append(f"{PROMETHEUS_RULE}: spec.groups differs from the groups of {RULES}:\n{diff}")
    return errors


def alert_rules(rules):
    return [r for g in rules.get("groups") or [] for r in g.get("rules") or [] if "alert" in r]


def check_rules(repo, exported):
    errors = []
    code, out = run_promtool(["check", "rules", os.path.join(repo, RULES)])
    print(out)
    if code != 0:
        errors.append(f"promtool check rules {RULES} failed")
    rules = load_yaml(repo, RULES)
    pr = load_yaml(repo, PROMETHEUS_RULE)
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "prometheusrule-spec.rules.yml")
        with open(path, "w") as f:
            yaml.safe_dump((pr or {}).get("spec") or {}, f, sort_keys=False)
        code, out = run_promtool(["check", "rules", path])
        print(f"{PROMETHEUS_RULE} spec: {out}")
        if code != 0:
            errors.append(f"promtool check rules on the spec of {PROMETHEUS_RULE} failed")
    errors += compare_prometheus_rule(rules, pr or {})
    alerts = alert_rules(rules)
    names = [a["alert"] for a in alerts]
    for want in REQUIRED_ALERTS:
        if want not in names:
            errors.append(f"{RULES}: no alert {want}")
    for a in alerts:
        if (a.get("labels") or {}).get("severity") not in ("critical", "warning", "info"):
            errors.append(f"{a['alert']}: no severity label (critical, warning or info)")
        for k in ("summary", "description"):
            if not (a.get("annotations") or {}).get(k):
                errors.append(f"{a['alert']}: no {k} annotation")
    name_errors, used = check_exprs_use_exported(
        [(f"alert {a['alert']}", a["expr"]) for a in alerts], exported)
    errors += name_errors
    print(f"rules: {len(alerts)} alerts ({', '.join(names)}); PrometheusRule spec.groups equals "
          f"the rules file: {not any(PROMETHEUS_RULE + ': spec.groups' in e for e in errors)}; "
          f"metric names: {', '.join(sorted(used))}")
    return errors


def check_unit(repo):
    errors = []
    code, out = run_promtool(["test", "rules", os.path.join(repo, RULES_TEST)])
    print(out)
    if code != 0:
        errors.append(f"promtool test rules {RULES_TEST} failed")
    test = load_yaml(repo, RULES_TEST)
    firing, quiet = set(), set()
    for t in test.get("tests") or []:
        for case in t.get("alert_rule_test") or []:
            (firing if case.get("exp_alerts") else quiet).add(case["alertname"])
    for a in alert_rules(load_yaml(repo, RULES)):
        if a["alert"] not in firing:
            errors.append(f"{RULES_TEST}: no case where {a['alert']} fires")
        if a["alert"] not in quiet:
            errors.append(f"{RULES_TEST}: no case where {a['alert']} stays quiet")
    print(f"unit tests: alerts shown firing: {', '.join(sorted(firing))}; "
          f"shown quiet: {', '.join(sorted(quiet))}")
    return errors


def self_test(repo, exported):
    """The checker rejects a misspelled metric, an unparsable query, an unknown variable."""
    errors = []

    def expect(cond, what):
        print(f"  {'ok  ' if cond else 'FAIL'} {what}")
        if not cond:
            errors.append(what)

    cases = {
        'sum by (outcome) (rate(codi_teacher_requests_total{outcome!="ok",job=~"a|b"}[5m]))':
            {"codi_teacher_requests_total"},
        'histogram_quantile(0.99, sum by (le) (rate(x_seconds_bucket[1m])))': {"x_seconds_bucket"},
        'sum(a) without (instance) / on (job) group_left (state) b offset 5m': {"a", "b"},
        '{__name__="foo", job="bar"}': {"foo"},
        'up{job="codi-coordinator"} == 0 or absent(up{job="codi-coordinator"})': {"up"},
        'min_over_time((max(m{state="running"}) > bool 0)[15m:1m]) == 1 and on () vector(0)': {"m"},
        '1e-9 * m2 + 0x1f - Inf > bool NaN unless count_values("by", n @ end())': {"m2", "n"},
        'label_replace(z, "dst", "$1", "src", "(.*)")': {"z"},
        'a and on ()\n(sum(increase(b[15m])) or vector(0)) unless (c)': {"a", "b", "c"},
    }
    for expr, want in cases.items():
        got = metric_names(expr)
        expect(got == want, f"metric_names({expr!r}) == {sorted(want)} (got {sorted(got)})")
    try:
        metric_names("rat(m[5m])")
        expect(False, "an unknown function rat(...) is rejected")
    except ValueError:
        expect(True, "an unknown function rat(...) is rejected")
    expect(substitute('rate(m{job=~"$job"}[$__rate_interval]) * $__range_s + ${job:regex}',
                      {"job": "j"}) == 'rate(m{job=~"j"}[1m]) * 3600 + j',
           "Grafana variables are substituted")

    dash = json.load(open(os.path.join(repo, DASHBOARD)))
    base = check_dashboard(dash, exported, verbose=False)
    expect(base == [], f"the real dashboard passes ({base})")

    def with_query(expr):
        d = copy.deepcopy(dash)
        panel = copy.deepcopy(next(p for p in walk_panels(d["panels"]) if p.get("targets")))
        panel["id"] = 9999
        panel["title"] = "self-test"
        panel["targets"] = [dict(panel["targets"][0], expr=expr, refId="Z")]
        # Nest it in a collapsed row, to show rows are recursed into.
        d["panels"].append({"type": "row", "id": 9998, "collapsed": True, "title": "self-test row",
                            "gridPos": {"h": 1, "w": 24, "x": 0, "y": 999}, "panels": [panel]})
        return check_dashboard(d, exported, verbose=False)

    errs = with_query('histogram_quantile(0.99, sum by (le) (rate(codi_teacher_request_secnds_bucket[$__rate_interval])))')
    expect(any("codi_teacher_request_secnds_bucket" in e and "not exported" in e for e in errs),
           f"a misspelled metric name is rejected: {errs}")
    errs = with_query('sum(rate(codi_turn_seconds_count[$__rate_interval])')
    expect(any("promtool" in e and "dashboard:panel_9999_Z" in e for e in errs),
           f"a query that does not parse is rejected: {errs}")
    errs = with_query('rate(codi_turn_seconds_count[5m]) > bool')
    expect(any("promtool" in e for e in errs), f"an incomplete binary expression is rejected: {errs}")
    errs = with_query('sum(rate(codi_worker_turns_total{instance=~"$nope"}[5m]))')
    expect(any("$nope" in e for e in errs), f"an unknown Grafana variable is rejected: {errs}")
    errs = with_query('sum(rate(codi_worker_turns_total[5m]))')
    expect(errs == [], f"a good query in a collapsed row passes: {errs}")

    rules = load_yaml(repo, RULES)
    pr = load_yaml(repo, PROMETHEUS_RULE)
    expect(compare_prometheus_rule(rules, pr) == [], "the real PrometheusRule matches the rules file")
    changed = copy.deepcopy(pr)
    changed["spec"]["groups"][0]["rules"][0]["for"] = "11m"
    expect(any("differs" in e for e in compare_prometheus_rule(rules, changed)),
           "a PrometheusRule whose groups differ from the rules file is rejected")
    errs, _ = check_exprs_use_exported([("alert X", "sum(rate(codi_leases_expird_total[5m])) > 0")], exported)
    expect(len(errs) == 1, f"an alert on a misspelled metric is rejected: {errs}")
    return errors


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    here = os.path.dirname(os.path.abspath(__file__))
    ap.add_argument("--repo", default=os.path.dirname(os.path.dirname(here)))
    ap.add_argument("--bin", help="folder holding codi-coordinator and codi-worker")
    ap.add_argument("--check", choices=["rules", "unit", "dashboard"])
    ap.add_argument("--self-test", action="store_true")
    args = ap.parse_args()
    if not args.check and not args.self_test:
        ap.error("give --check or --self-test")
    if not promtool():
        print("check_monitoring: promtool is not installed (Debian package prometheus; "
              "scripts/install-deps.sh installs it): skipped")
        return SKIP
    repo = os.path.abspath(args.repo)
    bindir = args.bin or os.path.join(repo, "build", "bin")
    errors = []
    exported = None
    if args.self_test or args.check in ("rules", "dashboard"):
        exported = Exported(repo, bindir)
        print("exported metric names:")
        exported.describe()
        errors += exported.errors
    if args.self_test:
        print("self-test:")
        errors += self_test(repo, exported)
    elif args.check == "rules":
        errors += check_rules(repo, exported)
    elif args.check == "unit":
        errors += check_unit(repo)
    elif args.check == "dashboard":
        errors += check_dashboard(json.load(open(os.path.join(repo, DASHBOARD))), exported)
    for e in errors:
        print(f"ERROR: {e}")
    print(f"check_monitoring {'--self-test' if args.self_test else args.check}: "
          f"{'FAILED, %d errors' % len(errors) if errors else 'ok'}")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
