#!/usr/bin/python3
"""Tests of tools/report, tools/plot and tools/cascade_plots.py on small output
files made by the real program.

    test_tools.py CASCADE_EXE SOURCE_ROOT

Headline numbers are recomputed here from the HDF5 with numpy (and checked
against what `cascade summary` prints), independently of the tools' code.
"""

import base64
import csv
import html
import io
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.parse

import h5py
import numpy as np
import matplotlib

matplotlib.use("Agg")
import matplotlib.image as mpimg  # noqa: E402
import yaml  # noqa: E402

CASCADE = os.path.abspath(sys.argv[1])
ROOT = os.path.abspath(sys.argv[2])
TOOLS = os.path.join(ROOT, "tools")
SCEN = os.path.join(ROOT, "scenarios")
BASE = os.path.join(SCEN, "england-baseline.yaml")
TF = os.path.join(SCEN, "troubled-families-withdrawal.yaml")
PY = "/usr/bin/python3" if os.path.exists("/usr/bin/python3") else sys.executable
WORK = tempfile.mkdtemp(prefix="cascade-tools-test-")
PIXELS = (504, 960)  # rows, columns of every chart

sys.path.insert(0, TOOLS)


def sh(args, ok=(0,)):
    p = subprocess.run(args, capture_output=True, text=True, cwd=WORK)
    if p.returncode not in ok:
        raise AssertionError("%s exited %d:\n%s%s" % (args, p.returncode, p.stdout, p.stderr))
    return p


def tool(name, *args):
    return subprocess.run([PY, os.path.join(TOOLS, name)] + list(args),
                          capture_output=True, text=True, cwd=WORK)


def w(name):
    return os.path.join(WORK, name)


# -- fixtures: small output files made by the program ------------------------

def setup():
    sh([CASCADE, "run", BASE, TF, "-n", "6", "-q", "-o", w("pair.h5")])
    shutil.copy(w("pair.h5"), w("nocompare.h5"))
    sh([CASCADE, "compare", w("pair.h5")])
    sh([CASCADE, "run", BASE, "-n", "5", "-q", "-o", w("one.h5")])


# -- independent recomputation -----------------------------------------------

def q3(x):
    return np.quantile(np.asarray(x, dtype=float), [0.5, 0.05, 0.95])


def fy(m):
    y, mo = int(m[:4]), int(m[5:7])
    return y if mo >= 4 else y - 1


class Ref:
    """What the HTML should say, recomputed from the file."""

    def __init__(self, path, name):
        with h5py.File(path, "r") as f:
            g = f["scenarios"][name]
            self.months = [m.decode() for m in f["dims/month"][...]]
            self.stages = [s.decode() for s in f["dims/stage"][...]]
            done = g["run_done"][...] == 1
            self.stocks = g["stocks"][...][done].sum(axis=-1)  # run, month, stage
            self.spend = g["spend"][...][done]                 # run, month, 2
            self.spend_names = [s.decode() for s in f["dims/spend"][...]]
            self.deflator = g["deflator"][...]
            self.yaml = yaml.safe_load(g.attrs["scenario_yaml"])
        self.marches = [i for i, m in enumerate(self.months) if m.endswith("-03")]
        self.fys = sorted(set(fy(m) for m in self.months))

    def group(self, grp):
        idx = [i for i, s in enumerate(self.stages) if s == grp or s.startswith(grp + ".")]
        return self.stocks[:, :, idx].sum(axis=-1)

    def stock_year(self, grp, k):
        return self.group(grp)[:, self.marches[k - 1]]

    def spend_year(self, nm, k, real):
        j = self.spend_names.index(nm)
        x = self.spend[:, :, j] / (self.deflator[None, :] if real else 1.0)
        sel = [i for i, m in enumerate(self.months) if fy(m) == self.fys[k - 1]]
        return x[:, sel].sum(axis=1)


def children(v):
    return "{:,.0f}".format(v)


def gbpm(v):
    return "{:,.1f}".format(v / 1e6)


def signed(s):
    return s if s.startswith("-") or s in ("0", "0.0") else "+" + s


def check_self_contained(page):
    """No resource from outside the page: plotly.js and every chart inline,
    no <img>, <link> or src= (the bundle itself names URLs in its code, so
    the check is on the page's tags, and the browser test checks that no
    resource is fetched). Returns the number of charts."""
    start = page.index('<script type="text/javascript">/**\n* plotly.js v')
    end = page.index("</script>", start)
    assert page.count("plotly.js v") == page[start:end].count("plotly.js v")  # once
    page = page[:start] + page[end:]  # the page without plotly.js
    low = page.lower()
    assert "<link" not in low and "<img" not in low and "<iframe" not in low
    assert "http://" not in low and "https://" not in low
    tags = re.findall(r"<(?:script|a|div|span|p|h[1-6]|table|meta|img|link)\b[^>]*>", page)
    for t in tags:
        assert " src=" not in t, t[:80]
        m = re.search(r'href="([^"]*)"', t)
        assert m is None or m.group(1).startswith(("data:", "#")), t[:80]
    assert page.count("<script") >= 3
    n = page.count("window.cascadeCharts.push(")
    links = re.findall(r'<a download="([^"]+)\.csv" href="data:text/csv;charset=utf-8,([^"]*)"',
                       page)
    assert len(links) == n, (len(links), n)
    for name, data in links:
        text = urllib.parse.unquote(data)
        head = text.splitlines()[0].split(",")
        assert len(head) >= 2 and len(text.splitlines()) >= 3, (name, text[:200])
    return n


def med(text):
    """A headline cell's median as the page writes it."""
    return '>%s</span><span class="ci">' % text


def summary_lac(path, name, month):
    """looked_after median at 31 March of `month` as `cascade summary` prints it."""
    out = sh([CASCADE, "summary", path, "--scenario", name]).stdout
    lines = out.splitlines()
    hdr = next(i for i, ln in enumerate(lines) if ln.split()[:1] == ["at"])
    cols = lines[hdr].split()
    row = next(ln for ln in lines[hdr:] if ln.startswith(month))
    return row.split()[cols.index("looked_after")]


# -- tests -------------------------------------------------------------------

def test_plot_pngs():
    p = tool("plot", w("pair.h5"), "-o", w("png"))
    assert p.returncode == 0, p.stderr
    names = sorted(os.listdir(w("png")))
    for need in ("fan-troubled-families-withdrawal-looked_after.png",
                 "fan-troubled-families-withdrawal-cp.png",
                 "fan-troubled-families-withdrawal-looked_after.residential.png",
                 "diff-looked_after.png", "spend-england-baseline.png",
                 "spend-troubled-families-withdrawal.png",
                 "net-yearly.png", "net-cumulative.png", "npv.png"):
        assert need in names, (need, names)
    assert not any("universal" in n for n in names)
    for n in names:
        img = mpimg.imread(w("png/" + n))
        assert img.shape[:2] == PIXELS, (n, img.shape)
        assert img[..., :3].std() > 0.05, "blank chart " + n


def test_single_report_numbers():
    p = tool("report", w("one.h5"), "-o", w("one.html"))
    assert p.returncode == 0, p.stderr
    page = open(w("one.html"), encoding="utf-8").read()
    n = check_self_contained(page)
    assert n >= 7, n  # 3 DfE counts, spend, 3 other stages and residential care
    ref = Ref(w("one.h5"), "england-baseline")
    desc = " ".join(ref.yaml["description"].split())
    assert html.escape(desc) in page, "description missing"
    found = 0
    for k in (1, 5, 10):
        for grp in ("looked_after", "cp"):
            m, lo, hi = q3(ref.stock_year(grp, k))
            assert med(children(m)) in page and "90%%: %s to %s" % (children(lo),
                                                                    children(hi)) in page, \
                (grp, k, children(m))
            found += 1
        for nm in ("early", "late"):
            for real in (True, False):
                m, lo, hi = q3(ref.spend_year(nm, k, real))
                assert "90%%: %s to %s" % (gbpm(lo), gbpm(hi)) in page, (nm, k, real, gbpm(m))
                assert med(gbpm(m)) in page
                found += 1
    assert found == 18
    # and they are the numbers `cascade summary` prints
    lac = summary_lac(w("one.h5"), "england-baseline", "2029-03")
    assert 'data-measure="looked_after" data-month="2029-03">%s</span>' % lac in page, lac
    assert "31 March 2029" in page and "2028/29" in page and "constant 2019/20 prices" in page
    assert "No scenario file was given" in page
    assert "stages.cp.unit_cost" in page and "funding.troubled_families.per_year" in page


def check_compare_page(page, path):
    base, alt = "england-baseline", "troubled-families-withdrawal"
    rb, ra = Ref(path, base), Ref(path, alt)
    with h5py.File(w("pair.h5"), "r") as f:
        g = f["compare/%s_vs_%s" % (alt, base)]
        npv = g["npv"][...]
        money = g["money"][...]
        measures = [m.decode() for m in g["measure"][...]]
        fylab = [s.decode() for s in g["financial_year"][...]]
        engine_payback = int(np.asarray(g.attrs["payback_year_of_median"]).reshape(-1)[0])
    m, lo, hi = q3(npv)
    assert 'data-measure="npv">%s</span>' % signed(gbpm(m)) in page, gbpm(m)
    assert "90%%: %s to %s" % (signed(gbpm(lo)), signed(gbpm(hi))) in page
    p = np.mean(npv > 0)
    assert 'data-measure="probability_alt_costs_more">%.0f%%</span>' % (100 * p) in page
    # payback: independent from the engine's cumulative discounted measure
    cum = np.median(money[:, :, measures.index("cumulative_discounted_net_real")], axis=0)
    s = np.sign(cum)
    start = s[np.nonzero(s)[0][0]]
    pb = next(i for i in range(len(s)) if np.all(s[i:] == -start))
    assert pb == engine_payback
    assert 'data-measure="payback">%s</span>' % fylab[pb] in page, fylab[pb]
    # paired difference in looked-after children at 31 March, year 10
    d = ra.stock_year("looked_after", 10) - rb.stock_year("looked_after", 10)
    dm, dlo, dhi = q3(d)
    assert "90%%: %s to %s" % (signed(children(dlo)), signed(children(dhi))) in page
    for r in (rb, ra):
        assert html.escape(" ".join(r.yaml["description"].split())) in page
        mm, _, _ = q3(r.stock_year("looked_after", 10))
        assert med(children(mm)) in page
    assert 'data-scenario="%s" data-measure="looked_after" data-month="2029-03">%s</span>' % (
        alt, summary_lac(path, alt, "2029-03")) in page


def test_compare_report():
    p = tool("report", w("pair.h5"), "-o", w("pair.html"),
             "--scenario-file", BASE, "--scenario-file", TF)
    assert p.returncode == 0, p.stderr
    page = open(w("pair.html"), encoding="utf-8").read()
    assert check_self_contained(page) >= 14
    check_compare_page(page, w("pair.h5"))
    # assumptions with their sources, from the files' comments
    for s in ("ASSUMPTION", "DERIVED", "[CSV]", "[S5]", "stages.early_help.unit_cost",
              "funding.council_early_help.per_year", "PSSRU", "Green Book"):
        assert html.escape(s) in page, s
    assert "Everything that differs" in page and "funding.troubled_families.per_year" in page


def test_compare_without_stored_compare():
    # no /compare group: the tool computes the NPV itself; same runs, same seed
    p = tool("report", w("nocompare.h5"), "--base", "england-baseline",
             "--alt", "troubled-families-withdrawal", "-o", w("nocmp.html"))
    assert p.returncode == 0, p.stderr
    page = open(w("nocmp.html"), encoding="utf-8").read()
    check_compare_page(page, w("nocompare.h5"))


def test_scenario_choice():
    p = tool("report", w("pair.h5"), "--scenario", "troubled-families-withdrawal",
             "-o", w("tf.html"))
    assert p.returncode == 0, p.stderr
    page = open(w("tf.html"), encoding="utf-8").read()
    assert "cascade report: troubled-families-withdrawal</h1>" in page
    assert "Net present value" not in page


def test_bad_inputs():
    open(w("text.h5"), "w").write("not hdf5\n")
    data = open(w("pair.h5"), "rb").read()
    open(w("trunc.h5"), "wb").write(data[: len(data) // 3])
    with h5py.File(w("foreign.h5"), "w") as f:
        f["x"] = [1, 2, 3]
    cases = [
        ("report", [w("missing.h5"), "-o", w("x.html")], "no such file"),
        ("report", [w("text.h5"), "-o", w("x.html")], "not an HDF5 file"),
        ("report", [w("trunc.h5"), "-o", w("x.html")], "truncated"),
        ("report", [w("foreign.h5"), "-o", w("x.html")], "not a cascade output"),
        ("report", [w("pair.h5"), "--scenario", "nope", "-o", w("x.html")], "no scenario 'nope'"),
        ("report", [w("one.h5"), "--base", "england-baseline", "--alt", "x", "-o", w("x.html")],
         "one scenario"),
        ("report", [w("pair.h5"), "--base", "england-baseline", "-o", w("x.html")], "both"),
        ("report", [w("pair.h5"), "-o", w("x.html"), "--scenario-file", w("nofile.yaml")],
         "no such file"),
        ("report", [w("pair.h5")], "required"),
        ("plot", [w("missing.h5"), "-o", w("d")], "no such file"),
        ("plot", [w("trunc.h5"), "-o", w("d")], "truncated"),
    ]
    for name, args, text in cases:
        p = tool(name, *args)
        assert p.returncode == 2, (name, args, p.returncode, p.stderr)
        assert "Traceback" not in p.stderr and p.stdout == "", p.stderr
        lines = p.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith(name + ": "), p.stderr
        assert text in lines[0], (text, lines[0])
    assert not os.path.exists(w("x.html"))
    p = tool("report", w("pair.h5"), "-o", w("no/such/dir/x.html"))
    assert p.returncode == 1 and "Traceback" not in p.stderr and "cannot write" in p.stderr


def copy_of(name, new):
    shutil.copy(w(name), w(new))
    return w(new)


def digest(path):
    import hashlib
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def test_outputs_never_replace_the_input():
    src = copy_of("one.h5", "input.h5")
    before = digest(src)
    if not os.path.exists(w("input-link.h5")):
        os.symlink("input.h5", w("input-link.h5"))
        os.link(src, w("input-hard.h5"))
    for target in (src, w("input-link.h5"), w("input-hard.h5"), "./input.h5"):
        p = tool("report", src, "-o", target)
        assert p.returncode == 2, (target, p.returncode, p.stderr)
        assert "is the input" in p.stderr and "Traceback" not in p.stderr, p.stderr
        assert digest(src) == before, target
    d = w("pngs-onto-input")
    os.makedirs(d, exist_ok=True)
    if not os.path.exists(os.path.join(d, "spend-england-baseline.png")):
        os.link(src, os.path.join(d, "spend-england-baseline.png"))
    p = tool("plot", src, "-o", d)
    assert p.returncode == 2 and "is the input" in p.stderr, p.stderr
    assert digest(src) == before
    assert not [n for n in os.listdir(WORK) + os.listdir(d) if ".tmp-" in n]
    # a name too long for its temporary is bad input, not a failure
    p = tool("report", src, "-o", w("x" * 250))
    assert p.returncode == 2 and "too long" in p.stderr, (p.returncode, p.stderr)
    p = tool("plot", src, "-o", w("y" * 300))
    assert p.returncode == 2, (p.returncode, p.stderr)


def test_stage_kinds_come_from_the_records_not_the_yaml():
    path = copy_of("pair.h5", "records.h5")
    with h5py.File(path, "r+") as f:
        stages = [x.decode() for x in f["dims/stage"][...]]
        kinds = [x.decode() for x in f["dims/stage_intervention"][...]]
        kinds[stages.index("cp")] = "none"  # as if cp were universal services
        del f["dims/stage_intervention"]
        f["dims/stage_intervention"] = np.array(kinds, dtype=h5py.string_dtype())
        for g in f["scenarios"].values():
            g.attrs["scenario_yaml"] = "extends: /dev/stdin\n"
    p = tool("plot", path, "-o", w("png-records"))
    assert p.returncode == 0, p.stderr
    names = os.listdir(w("png-records"))
    assert "fan-troubled-families-withdrawal-looked_after.png" in names
    assert not any(n.endswith("-cp.png") for n in names), names
    p = tool("report", path, "-o", w("records.html"))
    assert p.returncode == 0, p.stderr


def test_a_format_1_file_reports_the_same_numbers():
    old = copy_of("pair.h5", "format1.h5")
    with h5py.File(old, "r+") as f:
        for name in ("stage_intervention", "stage_group", "stage_category",
                     "financial_year", "month_financial_year"):
            del f["dims/" + name]
        for g in f["scenarios"].values():
            del g.attrs["discount_rate"]
            del g.attrs["discount_schedule"]
        f.attrs["format_version"] = np.int32(1)
    for path, out in ((w("pair.h5"), "v2.html"), (old, "v1.html")):
        p = tool("report", path, "-o", w(out))
        assert p.returncode == 0, p.stderr
    # the same stocks of looked-after children and on plans, spend and NPV (the
    # children in need differ: a format 1 file does not say that assessment
    # counts in the CIN census, so only the stage named cin does, as in
    # cascade summary)
    pat = re.compile(r'data-measure="(looked_after|cp|spend_[a-z_]+|npv|payback|'
                     r'probability_alt_costs_more)"[^>]*>([^<]*)<')
    found = [pat.findall(open(w(n), encoding="utf-8").read()) for n in ("v2.html", "v1.html")]
    assert len(found[0]) >= 27 and found[0] == found[1], (len(found[0]), len(found[1]))


def test_files_claiming_more_than_they_hold_are_refused():
    src, dst = w("one.h5"), w("claims.h5")
    with h5py.File(src, "r") as f, h5py.File(dst, "w") as g:
        for k, v in f.attrs.items():
            g.attrs[k] = v
        f.copy("dims", g)
        t = g.create_group("scenarios").create_group("england-baseline")
        s = f["scenarios/england-baseline"]
        for k, v in s.attrs.items():
            t.attrs[k] = v
        runs = 10_000_000
        for key in ("stocks", "flows", "spend", "costs", "capacity"):
            d = s[key]
            new = t.create_dataset(key, shape=(runs,) + d.shape[1:], dtype="f8",
                                   chunks=(1,) + d.chunks[1:], fillvalue=np.nan,
                                   compression="gzip")
            new[:d.shape[0]] = d[...]
        t.create_dataset("run_done", shape=(runs,), dtype="u1", chunks=(1 << 16,),
                         compression="gzip", fillvalue=1)
        for key in ("deflator", "unit_costs", "summary"):
            s.copy(key, t)
    # a small file (its summary, copied from a 5-run file, is stored
    # uncompressed, as small files are: docs/output-format.md)
    assert os.path.getsize(dst) < 3_000_000
    for name, args in (("report", ["-o", w("claims.html")]),
                       ("plot", ["-o", w("claims-png")])):
        start = time.time()
        p = tool(name, dst, *args)
        assert p.returncode == 2, (name, p.returncode, p.stderr)
        assert "marks 10000000 of its 10000000 runs done, but its stocks holds " \
               "data for at most 5" in p.stderr, p.stderr
        assert time.time() - start < 30
    assert not os.path.exists(w("claims.html"))


def test_payback_and_npv_functions():
    import cascade_plots as cp
    assert cp.payback_index(np.array([0, 0, -1, 2, 3])) == 3
    assert cp.payback_index(np.array([5, 3, -1, -2])) == 2
    assert cp.payback_index(np.array([-1, 1, -1, 1])) == 3
    assert cp.payback_index(np.array([-1, -2, -3])) is None
    assert cp.payback_index(np.zeros(4)) is None
    assert abs(cp.npv([100.0, 103.5], 0.035) - 200.0) < 1e-9
    assert cp.fy_label(2019) == "2019/20" and cp.fy_of_month("2020-03") == 2019
    assert cp.fy_label(1999) == "1999/00"


LONG = """\
name: long
base_date: 2019-04
horizon_years: 40
seed: 5
economics: {price_base: 2019/20, general_inflation: 0.02}
stages:
  universal: {intervention: none}
  cin: {intervention: late, unit_cost: {per_year: 5000}}
  looked_after: {intervention: late, unit_cost: {per_year: 60000}}
population:
  total: 18000
  remainder: universal
  stages: {cin: {count: 900}, looked_after: {count: 180}}
births: {per_year: 1000}
transitions:
  referral: {from: universal, to: cin, rate: 0.05}
  closed: {from: cin, to: universal, rate: 1.5}
  into_care: {from: cin, to: looked_after, rate: 0.08}
  home: {from: looked_after, to: universal, rate: 0.4}
"""


def test_tables_discount_like_compare_past_30_years():
    # the replica (cascade_tables) equals compare to the bit over 40 years,
    # where the Green Book's rate steps down to 3% in year 31
    import cascade_plots as cp
    import cascade_tables as ct
    paths = [w("long.yaml"), w("long-alt.yaml")]
    with open(paths[0], "w") as fh:
        fh.write(LONG)
    with open(paths[1], "w") as fh:
        fh.write(LONG.replace("name: long", "name: long-alt").replace("rate: 0.05}", "rate: 0.06}"))
    sh([CASCADE, "run"] + paths + ["-n", "3", "-q", "-o", w("long.h5")])
    with h5py.File(w("long.h5"), "r") as f:
        tb, ta = ct.Table(f, "long"), ct.Table(f, "long-alt")
        schedule = ct.discount_for(f, "long", "long-alt", tb)
        assert schedule == cp.GREEN_BOOK, schedule
        mine = ct.Comparison(tb, ta, schedule)
    sh([CASCADE, "compare", w("long.h5")])
    with h5py.File(w("long.h5"), "r") as f:
        g = f["compare/long-alt_vs_long"]
        assert cp._str(g.attrs["discount_schedule"]) == \
            "0:0.035 31:0.03 76:0.025 126:0.02 201:0.015 301:0.01"
        assert np.array_equal(mine.npv, g["npv"][...])
        assert np.array_equal(mine.money, g["money"][...])
        with_group = ct.discount_for(f, "long", "long-alt", tb)
    assert with_group == cp.GREEN_BOOK
    # the closed form of year 31 and the constant rate's difference
    d = cp.divisors(cp.GREEN_BOOK, 40)
    assert abs(d[31] / (1.035 ** 30 * 1.03) - 1) < 1e-13
    assert np.array_equal(d[:31], cp.divisors(0.035, 31))
    assert cp.describe_discount(cp.GREEN_BOOK, 31) == "3.5% a year"
    assert cp.describe_discount(cp.GREEN_BOOK, 40) == "3.5% a year to year 30, 3% from year 31"
    assert cp.parse_schedule("0:0.035 31:0.03") == ((0, 0.035), (31, 0.03))
    assert cp.parse_schedule("31:0.03") is None and cp.parse_schedule("0:2") is None


def test_report_defects_of_issue_14():
    import importlib.machinery
    import importlib.util
    loader = importlib.machinery.SourceFileLoader("report_tool", os.path.join(TOOLS, "report"))
    spec = importlib.util.spec_from_loader("report_tool", loader)
    report = importlib.util.module_from_spec(spec)
    loader.exec_module(report)
    # a share of runs is never rounded up to 100% (or down to 0%) unless exact
    assert report.fmt_share(999 / 1000, 1000) == "99.9%"
    assert report.fmt_share(1 / 1000, 1000) == "0.1%"
    assert report.fmt_share(9999 / 10000, 10000) == "99.99%"
    assert report.fmt_share(99999 / 100000, 100000) == "more than 99.99%"
    assert report.fmt_share(1.0, 6) == "100%" and report.fmt_share(0.0, 6) == "0%"
    assert report.fmt_share(5 / 6, 6) == "83%"
    page = open(w("pair.html"), encoding="utf-8").read()
    body = page[page.index("</head>"):]
    assert "%%" not in body, body[body.index("%%") - 80:body.index("%%") + 20]
    # the net difference: one series per colour, so each legend swatch is
    # the colour of its bars
    i = body.index('"name":"net: the alternative spends more (median)"')
    trace = body[body.rindex("{", 0, body.rindex('"marker"', 0, i)):i]
    assert '"color":"%s"' % "#cb181d" in body[i - 3000:i + 3000]
    assert "spends less" not in trace


def test_report_published_figures():
    data = os.path.join(SCEN, "data", "england-csc-2013-2019.csv")
    p = tool("report", w("one.h5"), "-o", w("pub.html"), "--data", data)
    assert p.returncode == 0, p.stderr
    page = open(w("pub.html"), encoding="utf-8").read()
    assert "published (DfE, 31 March)" in page
    with open(data, encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    la = {int(r["year_to_31_march"]): float(r["cla_31_march"]) for r in rows}
    # the looked-after chart's CSV carries every published figure
    link = next(d for n, d in re.findall(
        r'<a download="([^"]+)\.csv" href="data:text/csv;charset=utf-8,([^"]*)"', page)
        if n == "dfe-england-baseline-looked_after")
    text = urllib.parse.unquote(link)
    pub = text.split("\n\n", 1)[1].splitlines()
    assert pub[0] == "published_date,published"
    got = {int(ln[:4]): float(ln.split(",")[1]) for ln in pub[1:] if ln}
    assert got == la, (got, la)
    assert "England published for 31 March 2013 to 2019" in page
    # a council by code, from the council file
    council = os.path.join(SCEN, "data", "la-csc-2013-2019.csv")
    p = tool("report", w("one.h5"), "-o", w("pub2.html"), "--data", council,
             "--area", "E06000001")
    assert p.returncode == 0, p.stderr
    assert "E06000001 published" in open(w("pub2.html"), encoding="utf-8").read()
    # bad --data: located, exit 2, nothing written
    open(w("bad.csv"), "w").write("year_to_31_march,cla_31_march\n2019,lots\n")
    for args, text in (([w("bad.csv")], "bad.csv:2: cla_31_march: expected a number"),
                       ([w("nope.csv")], "No such file"),
                       ([os.path.join(SCEN, "data", "england-csc-detail-2008-2019.csv")],
                        "England detail file"),
                       ([council, "--area", "Atlantis"], "no published stocks")):
        extra = args[1:]
        p = tool("report", w("one.h5"), "-o", w("bad.html"), "--data", args[0], *extra)
        assert p.returncode == 2 and text in p.stderr, (args, p.returncode, p.stderr)
        assert "Traceback" not in p.stderr
    assert not os.path.exists(w("bad.html"))


def test_report_fit_figures_from_the_file():
    """Without --data the report sets beside the forecast the figures the
    scenario was fitted to, as the output file records them (fit_figures),
    and tables every measure, published beside fitted."""
    p = tool("report", w("one.h5"), "-o", w("fig.html"))
    assert p.returncode == 0, p.stderr
    page = open(w("fig.html"), encoding="utf-8").read()
    with h5py.File(w("one.h5"), "r") as f:
        g = f["scenarios/england-baseline/fit_figures"]
        years = list(g["year"][...])
        measures = [m.decode() for m in g["measure"][...]]
        pub, fit = g["published"][...], g["fitted"][...]
    assert "No published figures are drawn" not in page
    assert "England published for 31 March 2013 to 2019" in page
    assert "The fit years: published beside fitted" in page
    assert "fitted (the model one year ahead)" in page
    # the looked-after chart's CSV: published and fitted, as the file has them
    link = next(d for n, d in re.findall(
        r'<a download="([^"]+)\.csv" href="data:text/csv;charset=utf-8,([^"]*)"', page)
        if n == "dfe-england-baseline-looked_after")
    rows = urllib.parse.unquote(link).split("\n\n", 1)[1].splitlines()
    assert rows[0] == "published_date,published,fitted", rows[0]
    la = measures.index("cla_31_march")
    got = {int(r[:4]): r.split(",")[1:] for r in rows[1:] if r}
    assert sorted(got) == years, got
    for k, y in enumerate(years):
        assert float(got[y][0]) == pub[la, k], (y, got[y])
        assert (got[y][1] == "" if np.isnan(fit[la, k]) else
                float(got[y][1]) == fit[la, k]), (y, got[y])
    # the table: every measure and year, as the file has them
    for i, m in enumerate(measures):
        for k, y in enumerate(years):
            for stat, v in (("published", pub[i, k]), ("fitted", fit[i, k])):
                cell = re.search(r'data-measure="%s" data-year="%d" data-statistic="%s">'
                                 r'([^<]*)<' % (m, y, stat), page)
                assert cell, (m, y, stat)
                want = ("{:,d}".format(int(np.floor(v + 0.5))) if np.isfinite(v) else
                        ("(start)" if stat == "fitted" and k == 0 and np.isfinite(pub[i, 0])
                         else "&ndash;"))
                assert cell.group(1) == want, (m, y, stat, cell.group(1), want)
    # a scenario not fitted has none, and says how to give them
    sh([CASCADE, "run", os.path.join(SCEN, "england-structure.yaml"), "--deterministic",
        "-q", "-o", w("structure.h5")])
    p = tool("report", w("structure.h5"), "-o", w("nofig.html"))
    assert p.returncode == 0, p.stderr
    page = open(w("nofig.html"), encoding="utf-8").read()
    assert "The fit years" not in page and "No published figures are drawn" in page
    # a damaged record: exit 2, a message, nothing written
    shutil.copy(w("one.h5"), w("damaged.h5"))
    with h5py.File(w("damaged.h5"), "r+") as f:
        del f["scenarios/england-baseline/fit_figures/year"]
    p = tool("report", w("damaged.h5"), "-o", w("damaged.html"))
    assert p.returncode == 2 and "fit_figures" in p.stderr, (p.returncode, p.stderr)
    assert "Traceback" not in p.stderr
    assert not os.path.exists(w("damaged.html"))


def main():
    t0 = time.time()
    setup()
    print("setup: %.1f s" % (time.time() - t0))
    tests = [(k, v) for k, v in globals().items() if k.startswith("test_") and callable(v)]
    failed = 0
    for name, fn in tests:
        t = time.time()
        try:
            fn()
            print("PASS %s (%.1f s)" % (name, time.time() - t))
        except Exception as e:  # report every failure, then fail
            failed += 1
            import traceback
            traceback.print_exc()
            print("FAIL %s: %s" % (name, e))
    print("%d tests, %d failed" % (len(tests), failed))
    if failed == 0:
        shutil.rmtree(WORK, ignore_errors=True)
    else:
        print("files kept in", WORK)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
