"""The program's yearly tables and comparisons, recomputed from an output file.

Used by tools/xlsx (the workbook) and tools/report (the headline numbers), so
that both show exactly the numbers `cascade summary` and `cascade compare`
print and write as CSV. This module mirrors engine/cli/table.c (the yearly
table), engine/cli/compare.c and engine/econ/appraisal.c (the paired
differences, NPV and payback) operation for operation: the same sums in the
same order, the same quantiles (GSL's gsl_stats_quantile_from_sorted_data),
so that the doubles are bit-identical to the C program's, not just close.
Everything comes from the file's records (docs/output-format.md), read with
cascade_plots' checks: which stages form a top-level column, their DfE
category, what each transition moves, the financial years, the deflator.

Arrays are numpy, vectorised over runs; the loops over months, stages, ages
and flows are in the C program's order on purpose (numpy's sum would add in
another order and change the last bits).
"""


import numpy as np

import cascade_plots as cp

DFE = ("cin", "cp", "looked_after")  # CLI_DFE_CIN, CLI_DFE_CP, CLI_DFE_LOOKED_AFTER
DFE_LABELS = {"looked_after": "Looked after", "cp": "On a CP plan",
              "cin": "In need (all CIN)"}
SPEND = ("early_cash", "late_cash", "early_real", "late_real")
MONEY = ("early_cash", "late_cash", "net_cash", "cumulative_net_cash", "early_real",
         "late_real", "net_real", "cumulative_net_real", "cumulative_discounted_net_real")


def gsl_quantile(values, f):
    """gsl_stats_quantile_from_sorted_data on the sorted values: with
    index = f (n - 1), lhs = (int) index, delta = index - lhs, the value
    (1 - delta) x[lhs] + delta x[lhs + 1] (x[lhs] when lhs = n - 1)."""
    x = np.sort(np.asarray(values, dtype=float))
    n = len(x)
    if n == 0:
        return float("nan")
    index = f * (n - 1)
    lhs = int(index)
    delta = index - lhs
    if lhs == n - 1:
        return float(x[lhs])
    return float((1 - delta) * x[lhs] + delta * x[lhs + 1])


def q3(values):
    """(median, 5%, 95%) as cli_quantiles computes them."""
    return tuple(gsl_quantile(values, p) for p in (0.5, 0.05, 0.95))


def year_ending(label):
    """"2019/20" -> 2020 (the year of the 31 March ending it); None otherwise."""
    try:
        first, second = label.split("/")
        if len(first) == 4 and len(second) == 2:
            return int(first) + 1
    except ValueError:
        pass
    return None


class Table:
    """One scenario's yearly table (engine/cli/table.c), over its runs done.

    Attributes: name, runs (run indices), columns (top-level stage ids, in
    order), shown[column] (not universal services), fy_labels,
    fy_months[fy] (months of the run in it), fy_end_month[fy] ("2020-03"),
    stock, entries, exits [run, fy, column]; dfe [run, fy, 3] (cin, cp,
    looked_after: children in need count all three), has_dfe[k],
    dfe_by_name; spend [run, fy, 4] (SPEND order) or None; price_base;
    discount_rate (NaN if not recorded); has_costs."""

    def __init__(self, f, name, block=32):
        if name not in f["scenarios"]:
            raise cp.InputError("no scenario '%s' in %s (it holds: %s)"
                                % (name, f.filename, ", ".join(cp.scenario_names(f))))
        g = f["scenarios"][name]
        rec = cp.file_records(f)
        d = f["dims"]
        self.name = name
        stages, groups = rec["stages"], rec["group"]
        self.stages = stages
        self.columns, self.column_of_stage, self.shown = [], [], []
        for s, grp, kind in zip(stages, groups, rec["intervention"]):
            top = grp or s
            if top not in self.columns:
                self.columns.append(top)
                self.shown.append(kind != "none")
            self.column_of_stage.append(self.columns.index(top))
        recorded = any(c in DFE for c in rec["category"])
        self.dfe_by_name = not recorded
        self.stage_dfe = [DFE.index(c) if recorded and c in DFE else
                          (DFE.index(self.columns[self.column_of_stage[i]])
                           if not recorded and self.columns[self.column_of_stage[i]] in DFE
                           else -1)
                          for i, c in enumerate(rec["category"])]
        self.has_dfe = [False] * 3
        for k in self.stage_dfe:
            if k >= 0:
                self.has_dfe[0] = self.has_dfe[k] = True
        self.fy_labels, month_fy = rec["fy_labels"], rec["month_fy"]
        months = cp._strings(f["dims/month"])
        nfy = len(self.fy_labels)
        self.fy_months = [month_fy.count(y) for y in range(nfy)]
        self.fy_last_month = [max(m for m, y in enumerate(month_fy) if y == fy)
                              for fy in range(nfy)]
        self.fy_end_month = [months[m] for m in self.fy_last_month]
        self.flows = self._classify_flows(f, stages) if "dims/transition" in f else []
        done = g["run_done"][...].astype(bool)
        self.runs = np.nonzero(done)[0]
        if len(self.runs) == 0:
            raise cp.InputError("scenario '%s' in %s has no finished runs" % (name, f.filename))
        self.has_costs = "dims/cost_line" in f and len(d["cost_line"]) > 0
        self.deflator = g["deflator"][...] if "deflator" in g else None
        pb = g["deflator"].attrs.get("price_base") if "deflator" in g else None
        self.price_base = cp._str(pb) if pb is not None else ""
        self.discount_rate = float(cp._scalar(g.attrs["discount_rate"])) \
            if "discount_rate" in g.attrs else float("nan")
        parts = {k: [] for k in ("stock", "entries", "exits", "dfe", "spend")}
        has_spend = "spend" in g and self.deflator is not None
        for r0 in range(0, len(done), block):
            sel = done[r0:r0 + block]
            if not sel.any():
                continue
            stocks = g["stocks"][r0:r0 + block][sel]
            flows = g["flows"][r0:r0 + block][sel] if "flows" in g else None
            spend = g["spend"][r0:r0 + block][sel] if has_spend else None
            for k, v in zip(parts, self._rows(stocks, flows, spend, month_fy)):
                parts[k].append(v)
        self.stock, self.entries, self.exits, self.dfe = (
            np.concatenate(parts[k]) for k in ("stock", "entries", "exits", "dfe"))
        self.spend = np.concatenate(parts["spend"]) if has_spend else None
        # a budget (budget: in the scenario): [run, fy, 4] GBP cash as
        # engine/cli/table.c sums it: statutory spend, the streams' planned
        # and paid cash during the year, the reserves at its end
        self.budget = None
        if "budget" in g:
            b = g["budget"][...][self.runs]  # [run, month, measure]
            fy = np.asarray(month_fy)
            out = np.zeros((len(self.runs), nfy, 4))
            for y in range(nfy):
                months_in = fy == y
                out[:, y, 0] = b[:, months_in, 1].sum(axis=1)
                out[:, y, 1] = b[:, months_in, 2].sum(axis=1)
                out[:, y, 2] = b[:, months_in, 3].sum(axis=1)
                out[:, y, 3] = b[:, self.fy_last_month[y], 4]
            self.budget = out

    def _classify_flows(self, f, stages):
        labels = cp._strings(f["dims/transition"])
        src = cp._strings(f["dims/transition_from"])
        dst = cp._strings(f["dims/transition_to"])

        def column_named(name):
            if not name:
                return -1
            if name in stages:
                return self.column_of_stage[stages.index(name)]
            return self.columns.index(name) if name in self.columns else -1

        out = []
        for lab, a, b in zip(labels, src, dst):
            fr, to = column_named(a), column_named(b)
            if fr >= 0 and to >= 0 and fr == to:
                kind = None  # between placements
            elif lab.startswith("turned_away."):
                kind = "turned_away" if fr >= 0 and to >= 0 else None
            elif fr >= 0 and to >= 0:
                kind = "move"
            elif to >= 0:
                kind = "arrival"
            elif fr >= 0:
                kind = "leaving"
            else:
                kind = None
            out.append((kind, fr, to))
        return out

    def _rows(self, stocks, flows, spend, month_fy):
        """A block of runs' rows, as table.c's add_run computes them."""
        nr, nfy, nc = stocks.shape[0], len(self.fy_labels), len(self.columns)
        n_ages = stocks.shape[3]
        stock = np.zeros((nr, nfy, nc))
        dfe = np.zeros((nr, nfy, 3))
        entries = np.zeros((nr, nfy, nc))
        exits = np.zeros((nr, nfy, nc))
        money = np.zeros((nr, nfy, 4))
        leaves = [[s for s, c in enumerate(self.column_of_stage) if c == j] for j in range(nc)]
        for fy in range(nfy):
            month = self.fy_last_month[fy]
            for j in range(nc):
                acc = np.zeros(nr)
                for s in leaves[j]:
                    for a in range(n_ages):
                        acc = acc + stocks[:, month, s, a]
                stock[:, fy, j] = acc
            for s, k in enumerate(self.stage_dfe):
                if k < 0:
                    continue
                acc = np.zeros(nr)
                for a in range(n_ages):
                    acc = acc + stocks[:, month, s, a]
                dfe[:, fy, 0] += acc
                if k != 0:
                    dfe[:, fy, k] += acc
        for m, fy in enumerate(month_fy):
            if flows is not None:
                for i, (kind, fr, to) in enumerate(self.flows):
                    v = flows[:, m, i]
                    if kind == "move":
                        exits[:, fy, fr] += v
                        entries[:, fy, to] += v
                    elif kind == "arrival":
                        entries[:, fy, to] += v
                    elif kind == "leaving":
                        exits[:, fy, fr] += v
                    elif kind == "turned_away":
                        entries[:, fy, fr] -= v
                        entries[:, fy, to] += v
            if spend is not None:
                early, late = spend[:, m, 0], spend[:, m, 1]
                money[:, fy, 0] += early
                money[:, fy, 1] += late
                money[:, fy, 2] += early / self.deflator[m]
                money[:, fy, 3] += late / self.deflator[m]
        return stock, entries, exits, dfe, money

    def stock_years(self):
        """[(fy index, year number)]: the 1st, 5th and 10th financial years
        ending in a 31 March (and the last when there are fewer than ten),
        as the headline picks them (engine/cli/headline.c)."""
        return pick_years([y for y, e in enumerate(self.fy_end_month) if e.endswith("-03")])

    def spend_years(self):
        """The same over the whole financial years (12 months)."""
        return pick_years([y for y, n in enumerate(self.fy_months) if n == 12])


def pick_years(candidates):
    out = [(candidates[k - 1], k) for k in (1, 5, 10) if k <= len(candidates)]
    n = len(candidates)
    if 0 < n < 10 and out[-1][1] != n:
        out.append((candidates[n - 1], n))
    return out


def npv(values, discount):
    """cs_npv_schedule: sum of values[y] / divisor[y], the factor multiplied
    up in the same order (discount: a constant rate or a schedule)."""
    schedule = cp.as_schedule(discount)
    total, factor = 0.0, 1.0
    for y, v in enumerate(values):
        total += v / factor
        factor *= 1 + cp.rate_of_year(schedule, y + 1)
    return total


def payback_year(cumulative):
    """cs_payback_year: the first year from which the cumulative path keeps,
    to the end, the sign opposite to its first non-zero value; -1 if none."""
    n = len(cumulative)
    first = 0
    while first < n and cumulative[first] == 0:
        first += 1
    if first == n:
        return -1
    start = 1 if cumulative[first] > 0 else -1
    payback = -1
    for y in range(n - 1, first, -1):
        v = cumulative[y]
        sign = 1 if v > 0 else (-1 if v < 0 else 0)
        if sign != -start:
            break
        payback = y
    return payback


class Comparison:
    """alt - base run by run (engine/cli/compare.c's compute), over the runs
    done in both: stock, entries [run, fy, column], dfe [run, fy, 3], money
    [run, fy, 9] (MONEY order), npv [run], payback [run], p_costs_more,
    payback_of_median, share_paying_back, schedule ((from year, rate), ...),
    discount (its first year's rate), price_base."""

    def __init__(self, tb, ta, discount):
        if tb.fy_labels != ta.fy_labels or tb.columns != ta.columns:
            raise cp.InputError("scenarios '%s' and '%s' do not share years and stages"
                                % (tb.name, ta.name))
        if tb.price_base != ta.price_base:
            raise cp.InputError("scenarios '%s' and '%s' are priced on different bases "
                                "(%s, %s)" % (tb.name, ta.name, tb.price_base, ta.price_base))
        common = np.intersect1d(tb.runs, ta.runs)
        if len(common) == 0:
            raise cp.InputError("scenarios '%s' and '%s' share no finished run"
                                % (tb.name, ta.name))
        bi, ai = np.searchsorted(tb.runs, common), np.searchsorted(ta.runs, common)
        self.base, self.alt, self.runs = tb, ta, common
        self.schedule = cp.as_schedule(discount)
        self.discount = self.schedule[0][1]
        self.price_base = tb.price_base
        self.fy_labels = tb.fy_labels
        self.stock = ta.stock[ai] - tb.stock[bi]
        self.entries = ta.entries[ai] - tb.entries[bi]
        self.dfe = ta.dfe[ai] - tb.dfe[bi]
        self.money = None
        if tb.spend is None or ta.spend is None:
            return
        a, b = ta.spend[ai], tb.spend[bi]
        nr, nf = len(common), len(self.fy_labels)
        m = np.zeros((nr, nf, len(MONEY)))
        self.npv = np.zeros(nr)
        self.payback = np.zeros(nr)
        for r in range(nr):
            cum_cash = cum_real = cum_disc = 0.0
            factor = 1.0
            net, cum = [], []
            for y in range(nf):
                row = m[r, y]
                row[0] = a[r, y, 0] - b[r, y, 0]
                row[1] = a[r, y, 1] - b[r, y, 1]
                row[2] = row[0] + row[1]
                row[4] = a[r, y, 2] - b[r, y, 2]
                row[5] = a[r, y, 3] - b[r, y, 3]
                row[6] = row[4] + row[5]
                cum_cash += row[2]
                cum_real += row[6]
                cum_disc += row[6] / factor
                factor *= 1 + cp.rate_of_year(self.schedule, y + 1)
                row[3], row[7], row[8] = cum_cash, cum_real, cum_disc
                net.append(row[6])
                cum.append(cum_disc)
            self.npv[r] = npv(net, self.schedule)
            self.payback[r] = payback_year(cum)
        self.money = m
        self.p_costs_more = float(np.count_nonzero(self.npv > 0)) / nr
        self.share_paying_back = float(np.count_nonzero(self.payback >= 0)) / nr
        self.payback_of_median = payback_year(
            [gsl_quantile(m[:, y, 8], 0.5) for y in range(nf)])


def discount_for(f, base, alt, tb, given=None):
    """The schedule `cascade compare` used for this pair: given (a rate or a
    schedule), else that of the file's /compare group, else the base
    scenario's recorded schedule (or constant rate), else (a format 1 file)
    its stored text's, else 3.5%."""
    if given is not None:
        return cp.as_schedule(given)
    found = cp.recorded_discount(cp.compare_group(f, base, alt))
    if found is None:
        g = f["scenarios"][base]
        found = cp.recorded_discount(g, cp.parse_yaml(cp._str(g.attrs.get("scenario_yaml", ""))))
    return found if found is not None else ((0, cp.DEFAULT_DISCOUNT),)


def pairs(f):
    """The comparisons a file calls for: its /compare groups' pairs, else the
    first scenario against each other one. [(base, alt)]."""
    names = cp.scenario_names(f)
    out = []
    if "compare" in f:
        for key in f["compare"]:
            g = f["compare"][key]
            b, a = cp._str(g.attrs.get("base", "")), cp._str(g.attrs.get("alt", ""))
            if b in names and a in names and (b, a) not in out:
                out.append((b, a))
    if not out:
        out = [(names[0], n) for n in names[1:]]
    return out


# --------------------------------------------------------------------------
# published figures beside the forecast (tools/report --data)

PUBLISHED = ("cla_31_march", "cpp_31_march", "cin_31_march")
ENGLAND = "E92000001"
SUPPRESSED = {"", "c", "x", "z", "low", "k", "u", "w", "[c]", "[x]", "[z]", "[low]", "[k]",
              "[u]", "[w]", ":", "~", "..", ".", "-", "*"}


class FitFigures:
    """What a fitted scenario was fitted to, as its output file records it
    (/scenarios/<name>/fit_figures, docs/output-format.md): the area, the
    data files' names, the window and, per measure, its kind ("stock",
    "flow", "population"), unit, and published and fitted values by DfE
    year (NaN where none)."""

    def __init__(self, group):
        def text(k):
            return cp._str(group.attrs[k])
        try:
            self.area_code, self.area_name = text("area_code"), text("area_name")
            self.source = text("source")
            self.first = int(group.attrs["window_first"])
            self.last = int(group.attrs["window_last"])
            self.years = [int(y) for y in group["year"][...]]
            self.measures = cp._strings(group["measure"])
            self.kind = cp._strings(group["measure_kind"])
            self.unit = cp._strings(group["measure_unit"])
            pub, fit = group["published"][...], group["fitted"][...]
        except (KeyError, ValueError, TypeError, OSError) as e:
            raise cp.InputError("fit_figures of %s: cannot read it (damaged?): %s"
                                % (group.parent.name, e))
        n = len(self.measures)
        if (self.years != list(range(self.first, self.last + 1)) or
                pub.shape != (n, len(self.years)) or fit.shape != pub.shape or
                len(self.kind) != n or len(self.unit) != n):
            raise cp.InputError("fit_figures of %s: its datasets do not match its "
                                "window and measures" % group.parent.name)
        self._pub, self._fit = pub, fit

    def area_label(self):
        return "England" if self.area_code == ENGLAND else \
            "%s (%s)" % (self.area_name, self.area_code)

    def series(self, measure, fitted=False):
        """[(year, value)] where there is a value, years ascending."""
        if measure not in self.measures:
            return []
        row = (self._fit if fitted else self._pub)[self.measures.index(measure)]
        return [(y, float(v)) for y, v in zip(self.years, row) if np.isfinite(v)]


def fit_figures(f, name):
    """The FitFigures of scenario `name` in output file f, or None."""
    g = f["scenarios"][name]
    return FitFigures(g["fit_figures"]) if "fit_figures" in g else None


def read_published(paths, area=ENGLAND):
    """The stocks at 31 March an area published, from the summary files the
    fit reads (docs/data.md: England summary, council summary, council by
    measure): {measure: [(year to 31 March, value)]} for PUBLISHED, years
    ascending, suppressed cells left out. `area` is a council's code or
    name, or England (E92000001, "England"; an England summary file is
    England's). Raises cp.InputError, naming file and line, for what it
    cannot read; the England detail file is refused with a pointer to the
    summary (its stocks are those of the summary)."""
    import csv
    out = {m: {} for m in PUBLISHED}
    want = area.strip().lower()
    is_england = want in (ENGLAND.lower(), "england")
    for path in paths:
        try:
            with open(path, newline="", encoding="utf-8-sig") as fh:
                rows = list(csv.reader(fh))
        except OSError as e:
            raise cp.InputError("--data %s: %s" % (path, e.strerror or e))
        except (UnicodeDecodeError, csv.Error) as e:
            raise cp.InputError("--data %s: not a CSV file of published figures (%s)"
                                % (path, e))
        if not rows:
            raise cp.InputError("--data %s: empty file" % path)
        head = [h.strip() for h in rows[0]]
        col = {h: i for i, h in enumerate(head)}
        if "year_to_31_march" not in col:
            what = "the England detail file: give the England summary " \
                "(year_to_31_march, ...), whose stocks are the same" if "section" in col \
                else "no year_to_31_march column"
            raise cp.InputError("--data %s:1: expected a summary or by-measure file of "
                                "published figures (docs/data.md), found %s" % (path, what))
        council = "la_code" in col or "la_name" in col
        long_form = "measure" in col and "value" in col
        for n, row in enumerate(rows[1:], start=2):
            if not any(c.strip() for c in row):
                continue
            if len(row) != len(head):
                raise cp.InputError("--data %s:%d: expected %d fields, found %d"
                                    % (path, n, len(head), len(row)))
            if council:
                code = row[col["la_code"]].strip().lower() if "la_code" in col else ""
                name = row[col["la_name"]].strip().lower() if "la_name" in col else ""
                if want not in (code, name) and not (is_england and code == ENGLAND.lower()):
                    continue
            elif not is_england:
                continue
            try:
                year = int(row[col["year_to_31_march"]])
            except ValueError:
                raise cp.InputError("--data %s:%d: year_to_31_march: expected a year, found "
                                    "'%s'" % (path, n, row[col["year_to_31_march"]]))
            cells = [(row[col["measure"]].strip(), row[col["value"]])] if long_form else \
                [(m, row[col[m]]) for m in PUBLISHED if m in col]
            for m, text in cells:
                if m not in out or text.strip().lower() in SUPPRESSED:
                    continue
                try:
                    v = float(text)
                except ValueError:
                    raise cp.InputError("--data %s:%d: %s: expected a number, found '%s'"
                                        % (path, n, m, text.strip()))
                if out[m].get(year, v) != v:
                    raise cp.InputError("--data %s:%d: %s %d: two values (%g and %g)"
                                        % (path, n, m, year, out[m][year], v))
                out[m][year] = v
    return {m: sorted(v.items()) for m, v in out.items()}
