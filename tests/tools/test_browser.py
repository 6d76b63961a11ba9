#!/usr/bin/python3
"""tools/report in a real browser: headless Debian chromium opens the page
(offline: every host name fails to resolve) and its DOM after the scripts ran
(--dump-dom) must show every chart drawn, no script error, no resource
fetched, no chart wider than its box, no page wider than a 400 px phone, and
the headline numbers `cascade summary` prints; chromium's own log must show
no console error. Screenshots at 1280 px and 400 px are saved in the build
directory (report-1280.png, report-400.png) for a person to look at.

    test_browser.py CASCADE_EXE SOURCE_ROOT BUILD_ROOT

Exit 77 (meson: skipped) only when no chromium is installed (tools/setup
installs Debian's chromium, so CI does not skip).
"""

import csv
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
if CHROMIUM is None:
    print("SKIP: no chromium (tools/setup installs Debian's chromium)")
    sys.exit(77)

import numpy as np  # noqa: E402
import matplotlib  # noqa: E402

matplotlib.use("Agg")
import matplotlib.image as mpimg  # noqa: E402

CASCADE = os.path.abspath(sys.argv[1])
ROOT = os.path.abspath(sys.argv[2])
BUILD = os.path.abspath(sys.argv[3])
PY = "/usr/bin/python3" if os.path.exists("/usr/bin/python3") else sys.executable
WORK = tempfile.mkdtemp(prefix="cascade-browser-test-")
SCEN = os.path.join(ROOT, "scenarios")
BASE, ALT = "england-baseline", "troubled-families-withdrawal"


def w(name):
    return os.path.join(WORK, name)


def sh(args):
    p = subprocess.run(args, capture_output=True, text=True, cwd=WORK)
    if p.returncode != 0:
        raise AssertionError("%s exited %d:\n%s%s" % (args, p.returncode, p.stdout, p.stderr))
    return p


def chromium(page, *extra, width=1280, height=3000):
    args = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
            "--no-first-run", "--disable-extensions", "--user-data-dir=" + w("profile"),
            "--host-resolver-rules=MAP * ~NOTFOUND", "--enable-logging=stderr", "--v=0",
            "--virtual-time-budget=20000", "--window-size=%d,%d" % (width, height)]
    p = subprocess.run(args + list(extra) + ["file://" + page], capture_output=True,
                       text=True, cwd=WORK, timeout=180)
    assert p.returncode == 0, (p.returncode, p.stderr[-2000:])
    return p


# Headless chromium's window is at least 500 px wide: a phone's 400 px is an
# iframe of that width in a page that copies out what the report's <body>
# says (file:// pages may read each other only with web security off, which
# this throwaway profile of a test may do).
PHONE = """<!DOCTYPE html><html><head><meta charset="utf-8"><style>body{margin:0}
iframe{border:0;width:%dpx;height:4000px;display:block}</style></head><body>
<iframe id="f" src="%s"></iframe><pre id="copied"></pre><pre id="copied-errors"></pre>
<script>document.getElementById('f').addEventListener('load',function(){
var d=this.contentDocument,b=d.body,out=[];for(var i=0;i<b.attributes.length;i++){
out.push(b.attributes[i].name+'="'+b.attributes[i].value+'"');}
document.getElementById('copied').textContent=out.join(' ');
document.getElementById('copied-errors').textContent=d.getElementById('page-errors').textContent;
});</script></body></html>"""


def rendered(page, width):
    """(body attributes, page-errors text, DOM, chromium's log) at a width."""
    if width >= 500:
        r = chromium(page, "--dump-dom", width=width)
        dom = r.stdout
        body = re.search(r"<body([^>]*)>", dom).group(1)
        errors = re.search(r'<pre id="page-errors">([^<]*)</pre>', dom).group(1)
    else:
        wrapper = w("phone-%d.html" % width)
        with open(wrapper, "w", encoding="utf-8") as fh:
            fh.write(PHONE % (width, os.path.basename(page)))
        r = chromium(wrapper, "--dump-dom", "--disable-web-security",
                     "--allow-file-access-from-files", width=500)
        dom = r.stdout
        body = re.search(r'<pre id="copied">([^<]*)</pre>', dom).group(1)
        errors = re.search(r'<pre id="copied-errors">([^<]*)</pre>', dom).group(1)
    return dict(re.findall(r'data-([a-z-]+)="([^"]*)"', body)), errors, dom, r.stderr


def console_errors(log):
    """chromium's log lines for page console messages that are errors."""
    return [ln for ln in log.splitlines() if "CONSOLE" in ln and
            re.search(r"Uncaught|Error|error", ln)]


def summary_stocks(path, name):
    """{(measure, "YYYY-03"): text} of looked_after and cp as summary prints them."""
    out = sh([CASCADE, "summary", path, "--scenario", name]).stdout.splitlines()
    hdr = next(i for i, ln in enumerate(out) if ln.split()[:1] == ["at"])
    cols = out[hdr].split()
    got = {}
    for ln in out[hdr + 1:]:
        f = ln.split()
        if ln.startswith("Entries"):
            break  # the next block
        if not f or not re.fullmatch(r"\d{4}-\d\d", f[0]):
            continue  # an interval line
        for m in ("looked_after", "cp"):
            got[(m, f[0])] = f[cols.index(m)]
    return got


def screenshot(page, width, height=4000):
    """BUILD/report-WIDTH.png of the page at a width (a phone's in an iframe)."""
    shot = os.path.join(BUILD, "report-%d.png" % width)
    if os.path.exists(shot):
        os.unlink(shot)
    if width >= 500:
        r = chromium(page, "--screenshot=" + shot, width=width, height=height)
    else:
        r = chromium(w("phone-%d.html" % width), "--screenshot=" + shot,
                     "--disable-web-security", "--allow-file-access-from-files",
                     width=500, height=height)
    assert console_errors(r.stderr) == []
    img = mpimg.imread(shot)
    assert img.shape[0] == height and img.shape[1] >= width, img.shape
    img = img[:, :width]
    if width < 500:
        mpimg.imsave(shot, img)  # the phone's width only
    assert np.asarray(img)[..., :3].std() > 0.05, "blank screenshot"
    return shot


def test_report_in_chromium():
    sh([CASCADE, "run", os.path.join(SCEN, BASE + ".yaml"), os.path.join(SCEN, ALT + ".yaml"),
        "-n", "5", "-q", "-o", w("pair.h5")])
    sh([CASCADE, "compare", w("pair.h5"), "--csv", w("compare.csv")])
    p = subprocess.run([PY, os.path.join(ROOT, "tools", "report"), w("pair.h5"), "-o",
                        w("pair.html"), "--data",
                        os.path.join(SCEN, "data", "england-csc-2013-2019.csv")],
                       capture_output=True, text=True)
    assert p.returncode == 0, p.stderr
    html = open(w("pair.html"), encoding="utf-8").read()
    n_charts = html.count("window.cascadeCharts.push(")
    assert n_charts >= 14, n_charts
    shots = {}
    for width in (1280, 400):
        attrs, errors, dom, log = rendered(w("pair.html"), width)
        assert attrs.get("errors") == "0", (width, attrs)
        assert errors.strip() == "", errors
        assert console_errors(log) == [], console_errors(log)
        assert attrs.get("window-width") == str(width), (width, attrs)
        assert attrs.get("charts") == str(n_charts), (width, attrs.get("charts"), n_charts)
        if width >= 500:
            assert dom.count('class="main-svg"') >= n_charts  # plotly drew them
        assert attrs.get("resources") == "0", attrs
        assert attrs.get("overflowing-charts") == "0", (width, attrs)
        assert int(attrs["page-width"]) <= width, (width, attrs["page-width"])
        # a screenshot a person can look at
        shots[width] = screenshot(w("pair.html"), width)
        if width < 500:
            continue  # the numbers do not depend on the width
        # the headline numbers on the rendered page are those cascade summary prints
        checked = 0
        for name in (BASE, ALT):
            for (measure, month), text in summary_stocks(w("pair.h5"), name).items():
                if month not in ("2020-03", "2024-03", "2029-03"):
                    continue
                cell = 'data-scenario="%s" data-measure="%s" data-month="%s">' % (
                    name, measure, month)
                m = re.search(re.escape(cell) + r"([^<]*)<", dom)
                assert m and m.group(1) == text, (name, measure, month, m and m.group(1), text)
                checked += 1
        assert checked == 12, checked
        with open(w("compare.csv"), newline="") as fh:
            npv = next(float(r["value"]) for r in csv.DictReader(fh)
                       if r["measure"] == "npv_real_discounted" and r["statistic"] == "median")
        shown = re.search(r'data-measure="npv">([^<]*)<', dom).group(1)
        assert abs(float(shown.replace(",", "")) - npv / 1e6) <= 0.05 + 1e-9, (shown, npv)
    print("screenshots:", ", ".join(shots.values()))


def main():
    t0 = time.time()
    failed = 0
    try:
        test_report_in_chromium()
        print("PASS test_report_in_chromium (%.1f s)" % (time.time() - t0))
    except Exception as e:
        import traceback
        traceback.print_exc()
        print("FAIL test_report_in_chromium: %s" % e)
        failed = 1
    if failed:
        print("files kept in", WORK)
    else:
        shutil.rmtree(WORK, ignore_errors=True)
    return failed


if __name__ == "__main__":
    sys.exit(main())
