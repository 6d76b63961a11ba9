#!/usr/bin/python3
"""Tests of tools/xlsx: the workbook of small output files made by the real
program, read back with openpyxl, against what `cascade summary --csv` and
`cascade compare --csv` write and what the HDF5 holds.

    test_xlsx.py CASCADE_EXE SOURCE_ROOT

Exit 77 (meson: skipped) when python3-xlsxwriter or python3-openpyxl is not
installed (tools/setup installs both).
"""

import csv
import os
import shutil
import subprocess
import sys
import tempfile
import time

try:
    import openpyxl
    import xlsxwriter  # noqa: F401
except ImportError as e:
    print("SKIP: %s (tools/setup installs python3-xlsxwriter and python3-openpyxl)" % e)
    sys.exit(77)

import h5py
import numpy as np

CASCADE = os.path.abspath(sys.argv[1])
ROOT = os.path.abspath(sys.argv[2])
TOOLS = os.path.join(ROOT, "tools")
SCEN = os.path.join(ROOT, "scenarios")
BASE = os.path.join(SCEN, "england-baseline.yaml")
TF = os.path.join(SCEN, "troubled-families-withdrawal.yaml")
UNCERTAIN = os.path.join(SCEN, "england-baseline-uncertain.yaml")
PY = "/usr/bin/python3" if os.path.exists("/usr/bin/python3") else sys.executable
WORK = tempfile.mkdtemp(prefix="cascade-xlsx-test-")
ALT, BNAME = "troubled-families-withdrawal", "england-baseline"


def w(name):
    return os.path.join(WORK, name)


def sh(args, ok=(0,)):
    p = subprocess.run(args, capture_output=True, text=True, cwd=WORK)
    if p.returncode not in ok:
        raise AssertionError("%s exited %d:\n%s%s" % (args, p.returncode, p.stdout, p.stderr))
    return p


def tool(*args):
    return subprocess.run([PY, os.path.join(TOOLS, "xlsx")] + list(args),
                          capture_output=True, text=True, cwd=WORK)


def setup():
    sh([CASCADE, "run", BASE, TF, "-n", "7", "-q", "-o", w("pair.h5")])
    shutil.copy(w("pair.h5"), w("nocompare.h5"))
    sh([CASCADE, "compare", w("pair.h5"), "--csv", w("compare.csv")])
    sh([CASCADE, "compare", w("nocompare.h5"), "--no-write", "--discount", "0",
        "--csv", w("compare0.csv")])
    sh([CASCADE, "summary", w("pair.h5"), "--csv", w("summary.csv")])
    sh([CASCADE, "run", UNCERTAIN, "-n", "4", "-q", "-o", w("uncertain.h5")])


def read_csv(path):
    with open(path, newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def summary_value(rows, scenario, measure, year, stage, statistic):
    got = [r for r in rows if r["scenario"] == scenario and r["measure"] == measure and
           r["year"] == year and r["stage"] == stage and r["statistic"] == statistic]
    assert len(got) == 1, (scenario, measure, year, stage, statistic, len(got))
    return float(got[0]["value"])


def quantile7(values, p):
    """Type 7 (R, numpy's linear), as GSL writes it: (1 - d) x[i] + d x[i + 1]."""
    x = sorted(float(v) for v in values)
    h = p * (len(x) - 1)
    i = int(h)
    d = h - i
    return x[i] if i == len(x) - 1 else (1 - d) * x[i] + d * x[i + 1]


def sheet_rows(ws):
    return [list(r) for r in ws.iter_rows(values_only=True)]


def header_index(rows, first):
    return next(i for i, r in enumerate(rows) if r and r[0] == first)


# -- tests -------------------------------------------------------------------

def test_sheets_and_layout():
    p = tool(w("pair.h5"), "-o", w("pair.xlsx"))
    assert p.returncode == 0 and p.stdout == "" and p.stderr == "", (p.returncode, p.stderr)
    wb = openpyxl.load_workbook(w("pair.xlsx"))
    assert wb.sheetnames == ["Headline", "Yearly", "Fit years", "Compare", "Assumptions"], \
        wb.sheetnames
    for ws in wb:
        assert ws.freeze_panes is not None, ws.title  # header rows stay in view
        assert ws.column_dimensions["A"].width > 10, ws.title
    # years are numbers, money is a number formatted in pounds with separators
    ys = wb["Yearly"]
    rows = sheet_rows(ys)
    h = header_index(rows, "Scenario")
    assert rows[h][2] == "Year ending 31 March"
    first = rows[h + 2]
    assert first[0] == BNAME and first[1] == "2019/20" and first[2] == 2020, first[:4]
    assert isinstance(first[2], int) and first[3] == 12
    spend_col = next(j for j, v in enumerate(rows[h]) if v and str(v).startswith("Spend"))
    cell = ys.cell(row=h + 3, column=spend_col + 1)
    assert isinstance(cell.value, float) and cell.value > 1e8, cell.value
    assert "£" in cell.number_format and "#,##0" in cell.number_format, cell.number_format
    assert ys.cell(row=h + 3, column=5).number_format == "#,##0"
    n_years = len([r for r in rows[h + 2:] if r[0] == BNAME])
    assert n_years == 10 and len([r for r in rows[h + 2:] if r[0] == ALT]) == 10


def test_headline_equals_summary():
    wb = openpyxl.load_workbook(w("pair.xlsx"))
    rows = sheet_rows(wb["Headline"])
    summary = read_csv(w("summary.csv"))
    h = header_index(rows, "Measure")
    assert rows[h][4:7] == ["Year 1 median", "Year 1 5%", "Year 1 95%"], rows[h]
    with h5py.File(w("pair.h5"), "r") as f:
        months = f["dims/month"].asstr()[...].tolist()
        cat = f["dims/stage_category"].asstr()[...].tolist()
        stocks = {n: f["scenarios"][n]["stocks"][...] for n in (BNAME, ALT)}
    checked = 0
    stats = ("median", "p05", "p95")
    for r in rows[h + 1:]:
        if not r[0] or r[1] not in (BNAME, ALT):
            continue
        scen = r[1]
        if r[0].startswith(("Looked after", "On a CP plan")):
            stage = "looked_after" if r[0].startswith("Looked") else "cp"
            for pos, year in enumerate(("2019/20", "2023/24", "2028/29")):
                for s, stat in enumerate(stats):
                    want = summary_value(summary, scen, "stock_31_march", year, stage, stat)
                    got = r[4 + 3 * pos + s]
                    assert got == want, (r[0], scen, year, stat, got, want)
                    checked += 1
        elif r[0].startswith("In need"):
            # not in the summary's columns: from the HDF5, independently
            counted = [i for i, c in enumerate(cat) if c in ("cin", "cp", "looked_after")]
            for pos, march in enumerate(("2020-03", "2024-03", "2029-03")):
                m = months.index(march)
                per_run = stocks[scen][:, m, counted, :].sum(axis=(1, 2))
                for s, p in enumerate((0.5, 0.05, 0.95)):
                    assert r[4 + 3 * pos + s] == quantile7(per_run, p), (scen, march, p)
                    checked += 1
        elif "spend" in r[0]:
            kind = "early" if r[0].startswith("Early") else "late"
            money = "real" if "constant" in r[2] else "cash"
            for pos, year in enumerate(("2019/20", "2023/24", "2028/29")):
                for s, stat in enumerate(stats):
                    want = summary_value(summary, scen, "spend_%s_%s" % (kind, money), year,
                                         "", stat)
                    assert r[4 + 3 * pos + s] == want, (r[:3], year, stat)
                    checked += 1
    assert checked == 2 * (3 * 9 + 4 * 9), checked
    # the comparison block: the NPV as cascade compare --csv writes it (whole pounds)
    comp = read_csv(w("compare.csv"))
    npv = {r["statistic"]: float(r["value"]) for r in comp
           if r["measure"] == "npv_real_discounted"}
    row = next(r for r in rows if r[0] == ALT and r[1] == BNAME)
    assert [round(v) for v in row[4:7]] == [npv["median"], npv["p05"], npv["p95"]], row
    assert row[3] == 0.035


def test_compare_sheet_equals_compare():
    wb = openpyxl.load_workbook(w("pair.xlsx"))
    ws = wb["Compare"]
    rows = sheet_rows(ws)
    comp = read_csv(w("compare.csv"))
    npv = {r["statistic"]: float(r["value"]) for r in comp
           if r["measure"] == "npv_real_discounted"}
    npv_row = rows[1]
    assert npv_row[0].startswith("Net present value") and npv_row[1] == 0.035
    assert round(npv_row[3]) == npv["median"], (npv_row[3], npv["median"])
    assert round(npv_row[5]) == npv["p05"] and round(npv_row[7]) == npv["p95"]
    assert ws.cell(row=2, column=4).number_format.startswith("+£#,##0")
    # exactly the engine's doubles: the quantiles of the stored /compare npv
    with h5py.File(w("pair.h5"), "r") as f:
        g = f["compare/%s_vs_%s" % (ALT, BNAME)]
        stored = g["npv"][...]
        payback = int(np.asarray(g.attrs["payback_year_of_median"]).reshape(-1)[0])
        fy = g["financial_year"].asstr()[...].tolist()
        money = g["money"][...]
        measures = g["measure"].asstr()[...].tolist()
    assert npv_row[3] == quantile7(stored, 0.5) and npv_row[5] == quantile7(stored, 0.05)
    prob = next(r for r in comp if r["measure"] == "probability_alt_costs_more")
    assert abs(rows[2][1] - float(prob["value"])) < 5e-5, (rows[2][1], prob["value"])
    pb = next(r for r in comp if r["measure"] == "payback_year_of_median")
    assert rows[2][3] == pb["financial_year"] == fy[payback], (rows[2][3], pb)
    assert rows[2][5] == int(pb["value"])
    h = header_index(rows, "Financial year")
    net = rows[h].index("Net, £, constant 2019/20 prices, median")
    for y in range(len(fy)):
        r = rows[h + 1 + y]
        assert r[0] == fy[y] and r[1] == int(fy[y][:4]) + 1
        assert r[net] == quantile7(money[:, y, measures.index("net_real")], 0.5), (y, r[net])
        want = next(float(c["value"]) for c in comp if c["measure"] == "net_real" and
                    c["financial_year"] == fy[y] and c["statistic"] == "median")
        assert round(r[net]) == want


def test_no_stored_compare_and_another_discount():
    # without /compare the tool computes what compare computes, at the rate given
    p = tool(w("nocompare.h5"), "-o", w("nocmp.xlsx"), "--discount", "0%")
    assert p.returncode == 0, p.stderr
    rows = sheet_rows(openpyxl.load_workbook(w("nocmp.xlsx"))["Compare"])
    comp = read_csv(w("compare0.csv"))
    npv = {r["statistic"]: float(r["value"]) for r in comp
           if r["measure"] == "npv_real_discounted"}
    assert rows[1][1] == 0 and round(rows[1][3]) == npv["median"], (rows[1], npv)
    assert round(rows[1][5]) == npv["p05"] and round(rows[1][7]) == npv["p95"]


def test_single_scenario_and_assumptions():
    p = tool(w("uncertain.h5"), "-o", w("uncertain.xlsx"))
    assert p.returncode == 0, p.stderr
    wb = openpyxl.load_workbook(w("uncertain.xlsx"))
    # (it extends the fitted baseline, so it records the baseline's fit)
    assert wb.sheetnames == ["Headline", "Yearly", "Fit years", "Assumptions"], \
        wb.sheetnames
    rows = sheet_rows(wb["Assumptions"])
    with h5py.File(w("uncertain.h5"), "r") as f:
        name = list(f["scenarios"])[0]
        g = f["scenarios"][name]
        params = g["parameter"].asstr()[...].tolist()
        dists = g["parameter_distribution"].asstr()[...].tolist()
        draws = g["params"][...]
        seed = int(f.attrs["seed"])
    assert params, "the uncertain scenario has no uncertain parameters"
    for j, (pname, dist) in enumerate(zip(params, dists)):
        r = next(r for r in rows if r[0] == name and r[1] == pname)
        assert r[2] == quantile7(draws[:, j], 0.5) and dist in r[5], (pname, r)
        assert r[3] == quantile7(draws[:, j], 0.05) and r[4] == quantile7(draws[:, j], 0.95)
    assert next(r for r in rows if r[1] == "seed")[2] == seed
    assert any(r[1] == "economics.discount_rate" and r[2] == "green_book" for r in rows)
    assert any(r[1] == "discount schedule (from year:rate)"
               and r[2] == "0:0.035 31:0.03 76:0.025 126:0.02 201:0.015 301:0.01" for r in rows)
    assert any(r[1] == "discount rate a year" and r[2] == 0.035 for r in rows)


def test_budget_sheet_equals_summary():
    budget = os.path.join(SCEN, "england-budget.yaml")
    sh([CASCADE, "run", budget, "-n", "6", "-q", "-o", w("budget.h5")])
    sh([CASCADE, "summary", w("budget.h5"), "--csv", w("budget.csv")])
    p = tool(w("budget.h5"), "-o", w("budget.xlsx"))
    assert p.returncode == 0, p.stderr
    import openpyxl
    wb = openpyxl.load_workbook(w("budget.xlsx"))
    assert "Budget" in wb.sheetnames, wb.sheetnames
    rows = sheet_rows(wb["Budget"])
    head = header_index(rows, "Scenario")
    data = [r for r in rows[head + 2:] if r and r[0]]
    assert len(data) == 10, len(data)
    summary = read_csv(w("budget.csv"))
    measures = ["budget_statutory_spend", "budget_streams_planned",
                "budget_streams_paid", "budget_reserves_end"]
    for r in data:
        assert r[0] == "england-budget", r
        for k, m in enumerate(measures):
            for i, stat in enumerate(("median", "p05", "p95")):
                want = summary_value(summary, "england-budget", m, r[1], "", stat)
                assert r[3 + 3 * k + i] == want, (r[1], m, stat, r[3 + 3 * k + i], want)
    # a file without a budget has no such sheet
    wb = openpyxl.load_workbook(w("pair.xlsx")) if os.path.exists(w("pair.xlsx")) \
        else None
    if wb is not None:
        assert "Budget" not in wb.sheetnames


def test_fit_years_sheet_equals_summary():
    """The figures the baseline was fitted to, published beside fitted: the
    rows summary --csv writes, once for the baseline and the what-if that
    extends it; a file of a scenario not fitted has no such sheet."""
    p = tool(w("pair.h5"), "-o", w("fit.xlsx"))
    assert p.returncode == 0, p.stderr
    import openpyxl
    rows = sheet_rows(openpyxl.load_workbook(w("fit.xlsx"))["Fit years"])
    head = header_index(rows, "Scenario")
    assert list(rows[head][6:10]) == ["Year ending 31 March", "Financial year",
                                      "Published", "Fitted"], rows[head]
    data = [r for r in rows[head + 1:] if r and r[0]]
    assert {r[0] for r in data} == {BNAME + ", " + ALT}, {r[0] for r in data}
    summary = [r for r in read_csv(w("summary.csv")) if r["scenario"] == BNAME and
               r["statistic"] in ("published", "fitted")]
    want = {(r["measure"], r["year"], r["statistic"]): float(r["value"]) for r in summary}
    got = {}
    for r in data:
        assert r[6] == int(r[7][:4]) + 1, r
        for stat, v in (("published", r[8]), ("fitted", r[9])):
            if v is not None:
                got[(r[3], r[7], stat)] = v
    assert got == want, set(got) ^ set(want)
    assert got[("cla_31_march", "2018/19", "published")] == 78140
    sh([CASCADE, "run", os.path.join(SCEN, "england-structure.yaml"), "--deterministic",
        "-q", "-o", w("structure.h5")])
    p = tool(w("structure.h5"), "-o", w("structure.xlsx"))
    assert p.returncode == 0, p.stderr
    assert "Fit years" not in openpyxl.load_workbook(w("structure.xlsx")).sheetnames


def test_bad_inputs():
    open(w("text.h5"), "w").write("not hdf5\n")
    cases = [
        ([w("missing.h5"), "-o", w("x.xlsx")], "no such file"),
        ([w("text.h5"), "-o", w("x.xlsx")], "not an HDF5 file"),
        ([w("pair.h5"), "-o", w("x.xlsx"), "--discount", "lots"], "--discount lots"),
        ([w("pair.h5"), "-o", w("x.xlsx"), "--discount", "250%"], "--discount 250%"),
        ([w("pair.h5"), "-o", w("pair.h5")], "is the input"),
        ([w("pair.h5")], "required"),
    ]
    before = open(w("pair.h5"), "rb").read()
    for args, text in cases:
        p = tool(*args)
        assert p.returncode == 2, (args, p.returncode, p.stderr)
        lines = p.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("xlsx: ") and text in lines[0], p.stderr
        assert "Traceback" not in p.stderr and p.stdout == ""
    assert not os.path.exists(w("x.xlsx"))
    assert open(w("pair.h5"), "rb").read() == before
    p = tool(w("pair.h5"), "-o", w("no/such/dir/x.xlsx"))
    assert p.returncode == 1 and "cannot write" in p.stderr and "Traceback" not in p.stderr
    assert not [n for n in os.listdir(WORK) if ".tmp-" in n]


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
