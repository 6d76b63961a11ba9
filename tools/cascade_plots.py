"""Read cascade output files and draw their charts.

Used by tools/report (one self-contained HTML page) and tools/plot (PNG files).
Everything here reads the documented HDF5 layout (docs/output-format.md), never
the engine's internals. Debian Python only: /usr/bin/python3 with h5py, numpy,
matplotlib (Agg backend) and yaml.

What a chart needs comes from the file's records: which stages are early or
late intervention (/dims/stage_intervention), which placement group each
belongs to (/dims/stage_group), the financial years (/dims/financial_year,
month_financial_year), the price base (deflator's price_base) and each
scenario's discount_rate. Files of format 1 lack some of these; what they imply
is derived as the C reader does (interventions from the cost lines, groups from
placement ids, years from the months), and only the discount rate of a format 1
file is read from its stored scenario text. That text is otherwise only shown
(description, labels, the key-parameters table), and never followed to other
files. A file whose claims it cannot back (more runs marked done than it stores
chunks for) is refused before any work.

Every file written goes through write_output: a temporary beside the target,
renamed when complete, never over one of the inputs (compared by device and
inode), written into a FIFO or character device rather than over it.

Statistics over runs use only the runs with run_done = 1. Quantiles are numpy's
default (linear interpolation, R type 7), as the engine's summaries are; "90%
interval" means the 5% and 95% quantiles over runs.
"""

import contextlib
import errno
import io
import math
import os
import re
import stat
import textwrap

import numpy as np

import matplotlib

matplotlib.use("Agg")
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.ticker import FuncFormatter, MaxNLocator  # noqa: E402

import h5py  # noqa: E402

try:
    import yaml
except ImportError:  # the report still works without it, with less detail
    yaml = None

# Every chart is FIGSIZE inches at DPI: PIXELS wide x high.
FIGSIZE = (8.0, 4.2)
DPI = 120
PIXELS = (int(FIGSIZE[0] * DPI), int(round(FIGSIZE[1] * DPI)))  # (960, 504)

N_RUNS_DRAWN = 8
FORMAT_VERSION = 3  # the newest output format read (docs/output-format.md)
MAX_RUNS = 10_000_000  # CS_OUTPUT_MAX_RUNS: no cascade file holds more
DEFAULT_DISCOUNT = 0.035  # a format 1 file's rate when nothing says otherwise
# HM Treasury's declining long-term discount rate (Green Book, Annex 6,
# Table 6.1): (from year, rate a year); year y is discounted beyond year y - 1
# by the rate of the last step starting at or before y (engine/econ).
GREEN_BOOK = ((0, 0.035), (31, 0.03), (76, 0.025), (126, 0.02), (201, 0.015), (301, 0.01))

COLOURS = {
    "band90": "#c6dbef",
    "band50": "#6baed6",
    "median": "#08306b",
    "runs": "#525252",
    "reference": "#d94801",
    "early": "#41ab5d",
    "late": "#2171b5",
    "more": "#cb181d",
    "less": "#238b45",
}


class InputError(Exception):
    """A problem with the input (exit status 2)."""


# --------------------------------------------------------------------------
# calendar


def fy_of_month(month):
    """Start year of the financial year (April-March) of "YYYY-MM"."""
    y, m = int(month[:4]), int(month[5:7])
    return y if m >= 4 else y - 1


def fy_label(start_year):
    return "%d/%02d" % (start_year, (start_year + 1) % 100)


def financial_years(months):
    """[(start_year, [month indices])] in order, for the months given."""
    out = []
    for i, m in enumerate(months):
        y = fy_of_month(m)
        if not out or out[-1][0] != y:
            out.append((y, []))
        out[-1][1].append(i)
    return out


def march_indices(months):
    """[(index, "31 March YYYY")] for every March (stock at 31 March)."""
    return [(i, "31 March " + m[:4]) for i, m in enumerate(months) if m[5:7] == "03"]


def month_end_dates(months):
    start = np.array([m + "-01" for m in months], dtype="datetime64[D]")
    nxt = (start.astype("datetime64[M]") + 1).astype("datetime64[D]")
    return nxt - np.timedelta64(1, "D")


# --------------------------------------------------------------------------
# statistics


def qstats(x, axis=0):
    """median, 5%, 25%, 75%, 95% over axis (numpy linear = R type 7)."""
    x = np.asarray(x, dtype=float)
    q = np.quantile(x, [0.5, 0.05, 0.25, 0.75, 0.95], axis=axis)
    return {"median": q[0], "q05": q[1], "q25": q[2], "q75": q[3], "q95": q[4]}


def payback_index(path, eps=0.0):
    """First index from which path keeps the sign opposite to its start.

    The start is the sign of the first value with |value| > eps. None if the
    path never changes sign for good (or is all zero)."""
    s = np.sign(np.where(np.abs(path) > eps, path, 0.0))
    nz = np.nonzero(s)[0]
    if len(nz) == 0:
        return None
    start = s[nz[0]]
    for i in range(nz[0] + 1, len(s)):
        if np.all(s[i:] == -start):
            return i
    return None


def as_schedule(discount):
    """A schedule ((from_year, rate), ...) from a schedule or a constant rate."""
    if isinstance(discount, (int, float, np.floating)):
        return ((0, float(discount)),)
    return tuple((int(y), float(r)) for y, r in discount)


def parse_schedule(text):
    """The attribute discount_schedule ("0:0.035 31:0.03 ..."), or None if it
    is not one (cs_discount_parse's rules)."""
    steps = []
    try:
        for part in text.split(" "):
            y, r = part.split(":")
            steps.append((int(y), float(r)))
    except ValueError:
        return None
    if not steps or steps[0][0] != 0 or any(b[0] <= a[0] for a, b in zip(steps, steps[1:])) \
            or not all(0 <= r < 1 for _, r in steps) or len(steps) > 8:
        return None
    return tuple(steps)


def rate_of_year(schedule, year):
    """cs_discount_rate_of_year: the rate of year (>= 1) beyond year - 1."""
    rate = schedule[0][1]
    for y, r in schedule:
        if y <= year:
            rate = r
    return rate


def divisors(schedule, n):
    """cs_discount_divisors: what years 0..n-1 are divided by, multiplied up."""
    schedule = as_schedule(schedule)
    out, factor = [], 1.0
    for y in range(n):
        if y > 0:
            factor *= 1 + rate_of_year(schedule, y)
        out.append(factor)
    return np.array(out)


def describe_discount(schedule, n_years):
    """The rates that apply within n_years, as cascade compare says them:
    "3.5% a year", or "3.5% a year to year 30, 3% from year 31"."""
    schedule = as_schedule(schedule)

    def pct(r):
        t = "%.1f" % (100 * r)
        return (t[:-2] if t.endswith(".0") else t) + "%"
    text = pct(schedule[0][1]) + " a year"
    later = [(y, r) for y, r in schedule[1:] if y < n_years]
    if later:
        text += " to year %d" % (later[0][0] - 1)
        text += "".join(", %s from year %d" % (pct(r), y) for y, r in later)
    return text


def npv(yearly, discount):
    """Net present value over the last axis: year 0 undiscounted; discount a
    constant rate or a schedule."""
    yearly = np.asarray(yearly, dtype=float)
    disc = 1.0 / divisors(discount, yearly.shape[-1])
    return (yearly * disc).sum(axis=-1)


# --------------------------------------------------------------------------
# reading the file


def _str(v):
    if isinstance(v, bytes):
        return v.decode("utf-8", "replace")
    if isinstance(v, np.ndarray) and v.shape == ():
        return _str(v[()])
    return str(v)


def _scalar(v):
    v = np.asarray(v)
    return v.reshape(-1)[0].item() if v.size else None


def _strings(ds):
    return [_str(x) for x in ds[...]]


def open_output(path):
    """Open a cascade output file read-only, or raise InputError saying why."""
    if not os.path.exists(path):
        raise InputError("%s: no such file" % path)
    if os.path.isdir(path):
        raise InputError("%s: is a directory, not a cascade output file" % path)
    try:
        is_h5 = h5py.is_hdf5(path)
    except OSError as e:
        raise InputError("%s: cannot read: %s" % (path, e.strerror or e))
    if not is_h5:
        raise InputError("%s: not an HDF5 file (expected the output of cascade run)" % path)
    try:
        f = h5py.File(path, "r")
    except OSError:
        raise InputError("%s: HDF5 file cannot be opened (truncated or corrupt?)" % path)
    try:
        attrs = f.attrs
        if "format_version" not in attrs or "cascade_version" not in attrs:
            raise InputError("%s: HDF5 file but not a cascade output "
                             "(no format_version/cascade_version)" % path)
        fv = _scalar(attrs["format_version"])
        if fv is None or fv > FORMAT_VERSION:
            raise InputError("%s: format_version %s is newer than this tool reads (%d)"
                             % (path, fv, FORMAT_VERSION))
        if "scenarios" not in f or len(f["scenarios"]) == 0:
            raise InputError("%s: cascade output without scenarios" % path)
        for name in f["scenarios"]:
            check_claims(f, path, name)
    except InputError:
        f.close()
        raise
    except (OSError, KeyError, ValueError, RuntimeError, TypeError):
        f.close()
        raise InputError("%s: cannot read the file's metadata (truncated or corrupt?)" % path)
    return f


def stored_runs(ds):
    """How many runs' data a run-major dataset stores at most: a chunked one
    holds a run only in chunks actually written, a contiguous one all of its
    runs once allocated."""
    if ds.chunks is None:
        full = int(np.prod(ds.shape)) * ds.dtype.itemsize
        return ds.shape[0] if ds.id.get_storage_size() >= full else 0
    per_row = 1
    for extent, chunk in zip(ds.shape[1:], ds.chunks[1:]):
        per_row *= max(1, math.ceil(extent / chunk))
    return min(ds.shape[0], ds.id.get_num_chunks() // per_row * ds.chunks[0])


def check_claims(f, path, name):
    """Refuse a scenario that claims more than the file holds: more runs than
    any cascade file has, or more runs done than its chunks could hold (a
    small crafted file would otherwise keep the tools busy for hours)."""
    g = f["scenarios"][name]
    if "run_done" not in g or "stocks" not in g:
        raise InputError("%s: scenario '%s' has no run_done or stocks" % (path, name))
    runs = g["run_done"].shape[0] if g["run_done"].shape else 0
    if runs > MAX_RUNS:
        raise InputError("%s: scenario '%s' declares %d runs; a cascade file holds at "
                         "most %d" % (path, name, runs, MAX_RUNS))
    done = int(np.count_nonzero(g["run_done"][...]))
    for key in ("stocks", "flows", "spend", "costs", "capacity", "params"):
        if key in g and isinstance(g[key], h5py.Dataset):
            held = stored_runs(g[key])
            if held < done:
                raise InputError("%s: scenario '%s' marks %d of its %d runs done, but its %s "
                                 "holds data for at most %d (a damaged or crafted file)"
                                 % (path, name, done, runs, key, held))


def file_records(f):
    """What each stage is and the financial years, from the file's records
    (format 2) or what a format 1 file implies: {"stages", "intervention",
    "group", "fy_labels", "month_fy"}."""
    stages = _strings(f["dims/stage"])
    months = _strings(f["dims/month"])
    d = f["dims"]
    categories = _strings(d["stage_category"]) if "stage_category" in d \
        else ["unknown"] * len(stages)
    if "stage_intervention" in d and "stage_group" in d:
        kinds = _strings(d["stage_intervention"])
        groups = _strings(d["stage_group"])
    else:  # format 1: cost lines are exactly the early and late stages
        kind_of = {}
        if "cost_line" in d and "cost_line_intervention" in d:
            kind_of = dict(zip(_strings(d["cost_line"]),
                               _strings(d["cost_line_intervention"])))
        kinds = [kind_of.get(s, "none") for s in stages]
        groups = [s.split(".", 1)[0] if "." in s else "" for s in stages]
    if "financial_year" in d and "month_financial_year" in d:
        fy_labels = _strings(d["financial_year"])
        month_fy = [int(x) for x in d["month_financial_year"][...]]
    else:  # format 1: April to March, from the month labels
        fys = financial_years(months)
        fy_labels = [fy_label(y) for y, _ in fys]
        month_fy = [k for k, (_, idx) in enumerate(fys) for _ in idx]
    if len(kinds) != len(stages) or len(groups) != len(stages) or \
            len(categories) != len(stages) or \
            len(month_fy) != len(months) or \
            any(not 0 <= k < len(fy_labels) for k in month_fy):
        raise InputError("%s: /dims records do not match /dims/stage and /dims/month"
                         % f.filename)
    return {"stages": stages, "intervention": kinds, "group": groups,
            "category": categories, "fy_labels": fy_labels, "month_fy": month_fy}


def scenario_names(f):
    return list(f["scenarios"])


def parse_yaml(text):
    if yaml is None or not text:
        return {}
    try:
        spec = yaml.safe_load(text)
    except yaml.YAMLError:
        return {}
    return spec if isinstance(spec, dict) else {}


# --------------------------------------------------------------------------
# the scenario text, shown (never followed)


def fmt_value(v):
    if isinstance(v, bool):
        return "yes" if v else "no"
    if isinstance(v, int):
        return "{:,}".format(v)
    if isinstance(v, float):
        return ("{:,.6g}".format(v) if abs(v) < 1000 else "{:,.0f}".format(v))
    if isinstance(v, dict):
        return ", ".join("%s: %s" % (k, fmt_value(x)) for k, x in v.items())
    if isinstance(v, list):
        return "[" + ", ".join(fmt_value(x) for x in v) + "]"
    return str(v)


def key_parameters(spec):
    """[(parameter, value)] for unit costs, funding, capacities, economics, levers."""
    rows = []
    econ = spec.get("economics")
    if isinstance(econ, dict):
        for k, v in econ.items():
            rows.append(("economics." + k, v))
    for k, v in (spec.get("funding") or {}).items():
        if isinstance(v, dict):
            for kk in ("per_year", "growth", "from"):
                if kk in v:
                    rows.append(("funding.%s.%s" % (k, kk), v[kk]))
    for k, v in (spec.get("stages") or {}).items():
        if not isinstance(v, dict):
            continue
        for kk in ("unit_cost", "capacity"):
            if kk in v:
                rows.append(("stages.%s.%s" % (k, kk), v[kk]))
        for p, pv in (v.get("placements") or {}).items():
            if isinstance(pv, dict):
                for kk in ("entry_share", "unit_cost", "capacity"):
                    if kk in pv:
                        rows.append(("stages.%s.placements.%s.%s" % (k, p, kk), pv[kk]))
    births = spec.get("births")
    if isinstance(births, dict) and "per_year" in births:
        rows.append(("births.per_year", births["per_year"]))
    for k, v in (spec.get("levers") or {}).items():
        rows.append(("levers." + k, v))
    return rows


class Scenario:
    """One scenario's runs, summed over ages (memory: runs x months x stages).

    Attributes:
      name, yaml_text, spec (parsed YAML, shown only), description, months,
      stages (leaf ids), intervention[stage] ("none", "early", "late"),
      top[stage] (its group, or itself), runs (indices of runs with
      run_done = 1), leaf[stage] -> [run, month] children at the end of the
      month, groups[top] -> [run, month] summed over the group's placements,
      spend_cash -> [run, month, k] GBP cash per month or None, spend_names,
      deflator -> [month] or None, price_base (e.g. "2019/20"),
      category[stage] (DfE: "none", "cin", "cp", "looked_after", "unknown"),
      fy_labels, month_fy, discount_rate (NaN if the file does not say).
    """

    def __init__(self, f, name):
        if name not in f["scenarios"]:
            raise InputError("no scenario '%s' in %s (it holds: %s)"
                             % (name, f.filename, ", ".join(scenario_names(f))))
        g = f["scenarios"][name]
        rec = file_records(f)
        self.name = name
        self.yaml_text = _str(g.attrs.get("scenario_yaml", ""))
        self.spec = parse_yaml(self.yaml_text)
        d = self.spec.get("description", "")
        self.description = " ".join(str(d).split()) if d else ""
        self.months = _strings(f["dims/month"])
        self.stages = rec["stages"]
        self.intervention = dict(zip(self.stages, rec["intervention"]))
        self.category = dict(zip(self.stages, rec["category"]))
        self.top = {s: grp or s for s, grp in zip(self.stages, rec["group"])}
        self.fy_labels, self.month_fy = rec["fy_labels"], rec["month_fy"]
        done = g["run_done"][...].astype(bool)
        self.n_runs = int(len(done))
        self.runs = np.nonzero(done)[0]
        if len(self.runs) == 0:
            raise InputError("scenario '%s' in %s has no finished runs" % (name, f.filename))
        stocks = g["stocks"]
        if stocks.shape[1:3] != (len(self.months), len(self.stages)):
            raise InputError("scenario '%s': stocks do not match /dims" % name)
        st = np.concatenate(list(self._done_blocks(stocks, done, lambda x: x.sum(axis=-1))),
                            axis=0)  # [run, month, stage]
        self.leaf = {s: st[:, :, i] for i, s in enumerate(self.stages)}
        self.groups = {}
        for i, s in enumerate(self.stages):
            grp = self.top[s]
            if grp in self.groups:
                self.groups[grp] = self.groups[grp] + st[:, :, i]
            else:
                self.groups[grp] = st[:, :, i].copy()
        self.spend_cash = None
        self.spend_names = []
        self.deflator = None
        self.price_base = ""
        if "spend" in g and "dims/spend" in f:
            self.spend_names = _strings(f["dims/spend"])
            self.spend_cash = np.concatenate(list(self._done_blocks(g["spend"], done)), axis=0)
        if "deflator" in g:
            self.deflator = g["deflator"][...]
            pb = g["deflator"].attrs.get("price_base")
            if pb is not None:
                self.price_base = _str(pb)
        self.discount_rate = float(_scalar(g.attrs["discount_rate"])) \
            if "discount_rate" in g.attrs else float("nan")
        self.discount_schedule = parse_schedule(_str(g.attrs["discount_schedule"])) \
            if "discount_schedule" in g.attrs else None

    @staticmethod
    def _done_blocks(ds, done, reduce=lambda x: x, block=32):
        """The rows of ds for the runs done, read a block of runs at a time
        and only where some run is done."""
        for r0 in range(0, ds.shape[0], block):
            sel = done[r0:r0 + block]
            if sel.any():
                yield reduce(ds[r0:r0 + block])[sel]

    # labels -------------------------------------------------------------
    def label(self, stage):
        st = self.spec.get("stages", {}) if isinstance(self.spec.get("stages"), dict) else {}
        if "." in stage:
            grp, pl = stage.split(".", 1)
            try:
                return str(st[grp]["placements"][pl]["label"])
            except (KeyError, TypeError):
                return stage
        try:
            return str(st[stage]["label"])
        except (KeyError, TypeError):
            return stage

    # derived ------------------------------------------------------------
    def fan_series(self):
        """[(key, label, [run, month])]: every top-level stage of early or late
        intervention (not universal services: intervention "none"), plus
        residential care alone when there is such a placement."""
        kind = {}
        for s in self.stages:
            kind.setdefault(self.top[s], self.intervention[s])
        out = [(k, self.label(k), v) for k, v in self.groups.items() if kind[k] != "none"]
        for s in self.stages:
            if s.endswith(".residential"):
                out.append((s, self.label(s), self.leaf[s]))
        return out

    def headline_keys(self):
        """The top-level stages the headline table shows: those whose DfE
        category is looked_after, then cp. When no stage has those
        categories (the file does not know them: format 1, or a scenario
        that does not say), the stages named looked_after and cp."""
        keys = []
        for want in ("looked_after", "cp"):
            for st in self.stages:
                if self.category[st] == want and self.top[st] not in keys:
                    keys.append(self.top[st])
        if not keys:  # categories unknown (format 1) or never given
            keys = [k for k in ("looked_after", "cp") if k in self.groups]
        return keys

    def has_spend(self):
        return self.spend_cash is not None and len(self.spend_names) > 0

    def spend_by_fy(self, real):
        """(fy labels, {name: [run, fy]} GBP) cash or constant prices."""
        fys = [[t for t, k in enumerate(self.month_fy) if k == y]
               for y in range(len(self.fy_labels))]
        x = self.spend_cash
        if real:
            if self.deflator is None:
                raise InputError("scenario '%s': no deflator for constant prices" % self.name)
            x = x / self.deflator[None, :, None]
        out = {}
        for k, nm in enumerate(self.spend_names):
            out[nm] = np.stack([x[:, idx, k].sum(axis=1) for idx in fys], axis=1)
        labels = [lab + ("" if len(idx) == 12 else " (part)")
                  for lab, idx in zip(self.fy_labels, fys)]
        return labels, out

    def prices_label(self, real):
        if real:
            return "constant %s prices" % (self.price_base or "base-year")
        return "cash"


def recorded_discount(group, spec=None):
    """The schedule a group's attributes record: discount_schedule, else a
    constant discount_rate (a file from before the declining rate); else,
    from a format 1 file's stored scenario text (parsed, never followed),
    its economics.discount_rate (green_book or a number); else None."""
    if group is not None and "discount_schedule" in group.attrs:
        s = parse_schedule(_str(group.attrs["discount_schedule"]))
        if s is not None:
            return s
    if group is not None and "discount_rate" in group.attrs:
        return ((0, float(_scalar(group.attrs["discount_rate"]))),)
    econ = spec.get("economics") if isinstance(spec, dict) else None
    if isinstance(econ, dict) and "discount_rate" in econ:
        if econ["discount_rate"] == "green_book":
            return GREEN_BOOK
        try:
            return ((0, float(econ["discount_rate"])),)
        except (TypeError, ValueError):
            pass
    return None


def discount_rate(f, base, alt, base_scenario):
    """The schedule of a stored comparison, else the base scenario's
    recorded one (recorded_discount), else the 3.5% a format 1 file was
    compared at."""
    g = compare_group(f, base, alt)
    found = recorded_discount(g) if g is not None else None
    if found is None:
        found = recorded_discount(f["scenarios"][base_scenario.name]
                                  if base_scenario.name in f["scenarios"] else None,
                                  base_scenario.spec)
    return found if found is not None else ((0, DEFAULT_DISCOUNT),)


def compare_group(f, base, alt):
    key = "compare/%s_vs_%s" % (alt, base)
    return f[key] if key in f else None


class Comparison:
    """alt - base, paired by run index (runs finished in both)."""

    def __init__(self, f, base, alt):
        self.base, self.alt = base, alt
        if base.months != alt.months or base.fy_labels != alt.fy_labels:
            raise InputError("scenarios '%s' and '%s' cover different months"
                             % (base.name, alt.name))
        common = np.intersect1d(base.runs, alt.runs)
        if len(common) == 0:
            raise InputError("scenarios '%s' and '%s' share no finished run"
                             % (base.name, alt.name))
        self.runs = common
        self._bi = np.searchsorted(base.runs, common)
        self._ai = np.searchsorted(alt.runs, common)
        self.schedule = discount_rate(f, base.name, alt.name, base)
        self.rate = self.schedule[0][1]  # the first year's, for labels
        self.stored = compare_group(f, base.name, alt.name) is not None
        self.fy_labels = None
        self.yearly = None
        self.npv = None
        self.payback = None
        self.prob_alt_costs_more = None
        if base.has_spend() and alt.has_spend() and base.deflator is not None \
                and alt.deflator is not None:
            lb, sb = base.spend_by_fy(real=True)
            _, sa = alt.spend_by_fy(real=True)
            self.fy_labels = lb
            self.yearly = {nm: sa[nm][self._ai] - sb[nm][self._bi] for nm in sb if nm in sa}
            self.yearly["net"] = sum(self.yearly[nm] for nm in sb if nm in sa)
            self.cumulative = np.cumsum(self.yearly["net"], axis=1)
            disc = 1.0 / divisors(self.schedule, self.cumulative.shape[1])
            self.cum_discounted = np.cumsum(self.yearly["net"] * disc, axis=1)
            self.npv = npv(self.yearly["net"], self.schedule)
        g = compare_group(f, base.name, alt.name)
        if g is not None and "npv" in g:
            v = g["npv"][...]
            if "run" in g:
                rr = g["run"][...]
                keep = np.isin(rr, common) & np.isfinite(v)
                v = v[keep]
            else:
                v = v[np.isfinite(v)]
            if len(v):
                self.npv = v
        if self.npv is not None:
            self.prob_alt_costs_more = float(np.mean(self.npv > 0))
        if self.yearly is not None:
            self.payback = payback_index(np.median(self.cum_discounted, axis=0))

    def group_diff(self, key):
        b = self.base.groups.get(key, self.base.leaf.get(key))
        a = self.alt.groups.get(key, self.alt.leaf.get(key))
        return a[self._ai] - b[self._bi]


def select(f, scenario=None, base=None, alt=None):
    """Decide what to report: ("single", name) or ("compare", base, alt)."""
    names = scenario_names(f)
    if (base is None) != (alt is None):
        raise InputError("give both --base NAME and --alt NAME")
    if base is not None:
        if scenario is not None:
            raise InputError("give either --scenario or --base/--alt, not both")
        if len(names) < 2:
            raise InputError("%s holds one scenario (%s): a comparison needs two "
                             "(run both in one cascade run)" % (f.filename, names[0]))
        for n in (base, alt):
            if n not in names:
                raise InputError("no scenario '%s' in %s (it holds: %s)"
                                 % (n, f.filename, ", ".join(names)))
        if base == alt:
            raise InputError("--base and --alt are the same scenario")
        return ("compare", base, alt)
    if scenario is not None:
        if scenario not in names:
            raise InputError("no scenario '%s' in %s (it holds: %s)"
                             % (scenario, f.filename, ", ".join(names)))
        return ("single", scenario)
    if len(names) == 1:
        return ("single", names[0])
    if len(names) == 2:
        return ("compare", names[0], names[1])
    if "compare" in f and len(f["compare"]) >= 1:
        g = f["compare"][list(f["compare"])[0]]
        b, a = _str(g.attrs.get("base", "")), _str(g.attrs.get("alt", ""))
        if b in names and a in names:
            return ("compare", b, a)
    raise InputError("%s holds %d scenarios (%s): choose one with --scenario NAME "
                     "or a pair with --base NAME --alt NAME"
                     % (f.filename, len(names), ", ".join(names)))


# --------------------------------------------------------------------------
# writing files


@contextlib.contextmanager
def write_output(path, inputs, mode="w"):
    """Open path for writing as a temporary beside it, renamed over it when
    the block ends without error (deleted if it raises). Refuses (InputError)
    an output that is one of the inputs, compared by device and inode (also
    through another name, a symlink or a hard link), a directory, a block
    device, a socket, and a name too long for its temporary. A FIFO or a
    character device (/dev/stdout) is written into as it is."""
    try:
        target = os.stat(path)
    except FileNotFoundError:
        target = None
    except OSError as e:
        raise InputError("%s: %s" % (path, e.strerror or e))
    if target is not None:
        for i in inputs:
            try:
                same = os.path.samefile(i, path)
            except OSError:
                same = False
            if same:
                raise InputError("%s is the input %s: refusing to write over a file being "
                                 "read; give another name" % (path, i))
        if stat.S_ISFIFO(target.st_mode) or stat.S_ISCHR(target.st_mode):
            with open(path, mode) as fh:
                yield fh
            return
        if not stat.S_ISREG(target.st_mode):
            raise InputError("%s exists and is not a regular file: refusing to write it"
                             % path)
    tmp = "%s.tmp-%d" % (path, os.getpid())
    if len(os.path.basename(tmp)) > 255 or len(tmp) >= 4096:
        raise InputError("%s: the output file name is too long" % path)
    try:
        fh = open(tmp, mode.replace("w", "x"), **({} if "b" in mode else {"encoding": "utf-8"}))
    except OSError as e:
        if e.errno == errno.ENAMETOOLONG:
            raise InputError("%s: the output file name is too long" % path)
        raise
    try:
        with fh:
            yield fh
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


# --------------------------------------------------------------------------
# charts


def _thousands(x, _pos=None):
    return "{:,.0f}".format(x)


def _million(x, _pos=None):
    return "{:,.0f}".format(x) if abs(x) >= 100 or x == 0 else "{:,.1f}".format(x)


def new_figure():
    fig = Figure(figsize=FIGSIZE, dpi=DPI)
    return fig


def _finish(fig, ax, title, subtitle):
    lines = textwrap.wrap(subtitle, 118)
    ax.set_title("\n".join(lines), fontsize=8.5, color="#444444", loc="left")
    fig.suptitle(title, x=0.01, ha="left", fontsize=11.5, fontweight="bold")
    ax.spines["top"].set_visible(False)
    ax.spines["right"].set_visible(False)
    fig.subplots_adjust(left=0.11, right=0.98, top=0.86 - 0.035 * (len(lines) - 1),
                        bottom=0.14)


def _fy_axis(ax, months):
    """Financial-year ticks: grid at each 1 April, labels mid-year."""
    fys = financial_years(months)
    ends = month_end_dates(months)
    starts = []
    mids = []
    labels = []
    for y, idx in fys:
        a = np.datetime64("%d-04-01" % y)
        starts.append(a)
        mids.append(np.datetime64("%d-10-01" % y))
        labels.append(fy_label(y))
    ax.set_xticks(starts, minor=True)
    ax.set_xticks(mids)
    ax.set_xticklabels(labels, fontsize=8)
    ax.tick_params(axis="x", which="major", length=0)
    ax.grid(True, which="minor", axis="x", color="#dddddd", linewidth=0.8)
    ax.grid(True, which="major", axis="y", color="#eeeeee", linewidth=0.8)
    ax.set_xlim(ends[0] - np.timedelta64(31, "D"), ends[-1] + np.timedelta64(5, "D"))
    ax.set_xlabel("financial year (April to March)", fontsize=8.5)


def fan_chart(months, data, title, scenario, ylabel="children (stock at end of month)",
              reference=None, reference_label=None, n_drawn=N_RUNS_DRAWN, zero_line=False):
    """Median, 50% and 90% bands over runs, and n_drawn runs drawn thin.

    data: [run, month]. reference: optional [month] line (e.g. another
    scenario's median), drawn dashed."""
    data = np.asarray(data, dtype=float)
    x = month_end_dates(months)
    q = qstats(data)
    fig = new_figure()
    ax = fig.add_subplot(1, 1, 1)
    ax.fill_between(x, q["q05"], q["q95"], color=COLOURS["band90"], lw=0,
                    label="90% of runs (5% to 95%)")
    ax.fill_between(x, q["q25"], q["q75"], color=COLOURS["band50"], lw=0,
                    label="50% of runs (25% to 75%)")
    k = min(n_drawn, data.shape[0])
    for i in range(k):
        ax.plot(x, data[i], color="#8c8c8c", lw=0.5,
                label="individual runs (%d of %d)" % (k, data.shape[0]) if i == 0 else None)
    ax.plot(x, q["median"], color=COLOURS["median"], lw=2.0, label="median")
    if reference is not None:
        ax.plot(x, reference, color=COLOURS["reference"], lw=1.4, ls="--",
                label=reference_label or "reference")
    if zero_line:
        ax.axhline(0, color="black", lw=0.8)
    ax.yaxis.set_major_formatter(FuncFormatter(_thousands))
    ax.set_ylabel(ylabel, fontsize=8.5)
    _fy_axis(ax, months)
    ax.legend(fontsize=7, loc="best", frameon=False)
    sub = "%s; %d runs; months %s to %s" % (scenario, data.shape[0], months[0], months[-1])
    _finish(fig, ax, title, sub)
    return fig


def spend_chart(fy_labels, by_name, scenario, prices, n_runs):
    """Grouped bars per financial year: median spend (GBP million) of each
    spend line (early, late), error bars from 5% to 95% over runs."""
    fig = new_figure()
    ax = fig.add_subplot(1, 1, 1)
    names = list(by_name)
    nfy = len(fy_labels)
    w = 0.8 / max(1, len(names))
    xs = np.arange(nfy)
    for j, nm in enumerate(names):
        q = qstats(by_name[nm] / 1e6)
        pos = xs - 0.4 + w * (j + 0.5)
        err = np.vstack([q["median"] - q["q05"], q["q95"] - q["median"]])
        ax.bar(pos, q["median"], width=w * 0.95, color=COLOURS.get(nm, None),
               label="%s intervention (median)" % nm, yerr=err,
               error_kw={"elinewidth": 1.0, "capsize": 2.5, "ecolor": "#222222"})
    ax.set_xticks(xs)
    ax.set_xticklabels(fy_labels, fontsize=8)
    ax.set_xlabel("financial year (April to March); error bars: 90% of runs (5% to 95%)",
                  fontsize=8.5)
    ax.set_ylabel("GBP million, %s" % prices, fontsize=8.5)
    ax.yaxis.set_major_formatter(FuncFormatter(_thousands))
    ax.grid(True, axis="y", color="#eeeeee")
    ax.set_axisbelow(True)
    ax.legend(fontsize=7.5, loc="upper left", frameon=False)
    _finish(fig, ax, "Early and late intervention spend by financial year",
            "scenario: %s; %d runs; spend during each financial year, GBP million, %s"
            % (scenario, n_runs, prices))
    return fig


def yearly_difference_chart(fy_labels, yearly, title_pair, prices, n_runs):
    """Median net difference per year (bars, red = alternative costs more),
    90% error bars, and the early and late medians as markers."""
    fig = new_figure()
    ax = fig.add_subplot(1, 1, 1)
    net = yearly["net"] / 1e6
    q = qstats(net)
    xs = np.arange(len(fy_labels))
    cols = [COLOURS["more"] if v > 0 else COLOURS["less"] for v in q["median"]]
    err = np.vstack([q["median"] - q["q05"], q["q95"] - q["median"]])
    ax.bar(xs, q["median"], width=0.6, color=cols, alpha=0.85, yerr=err,
           error_kw={"elinewidth": 1.0, "capsize": 3, "ecolor": "#222222"},
           label="net (median; red: alternative spends more, green: less)")
    for nm, mk in (("early", "o"), ("late", "s")):
        if nm in yearly:
            ax.plot(xs, np.median(yearly[nm] / 1e6, axis=0), marker=mk, lw=1, ms=4,
                    color=COLOURS[nm], label="%s intervention (median)" % nm)
    ax.axhline(0, color="black", lw=0.8)
    ax.set_xticks(xs)
    ax.set_xticklabels(fy_labels, fontsize=8)
    ax.set_xlabel("financial year (April to March); error bars: 90% of runs (5% to 95%)",
                  fontsize=8.5)
    ax.set_ylabel("difference, GBP million, %s" % prices, fontsize=8.5)
    ax.yaxis.set_major_formatter(FuncFormatter(_million))
    ax.grid(True, axis="y", color="#eeeeee")
    ax.set_axisbelow(True)
    ax.legend(fontsize=7, loc="best", frameon=False)
    _finish(fig, ax, "Net difference in spend each year",
            "%s, paired by run; %d runs; GBP million, %s; net = early + late"
            % (title_pair, n_runs, prices))
    return fig


def cumulative_chart(fy_labels, cumulative, cum_discounted, discount, payback, title_pair,
                     prices, n_runs):
    """Cumulative net difference: median, 50% and 90% bands; the median of
    the cumulative discounted difference dashed; the payback year marked."""
    fig = new_figure()
    ax = fig.add_subplot(1, 1, 1)
    xs = np.arange(len(fy_labels))
    q = qstats(cumulative / 1e6)
    ax.fill_between(xs, q["q05"], q["q95"], color=COLOURS["band90"], lw=0,
                    label="90% of runs (5% to 95%)")
    ax.fill_between(xs, q["q25"], q["q75"], color=COLOURS["band50"], lw=0, alpha=0.8,
                    label="50% of runs (25% to 75%)")
    ax.plot(xs, q["median"], color=COLOURS["median"], lw=2, marker="o", ms=3,
            label="median, undiscounted")
    ax.plot(xs, np.median(cum_discounted / 1e6, axis=0), color=COLOURS["reference"], lw=1.4,
            ls="--", label="median, discounted at %s" % describe_discount(discount, len(fy_labels)))
    ax.axhline(0, color="black", lw=0.8)
    if payback is not None:
        ax.axvline(payback, color="#777777", lw=1, ls=":")
        ax.annotate("payback year %s" % fy_labels[payback], (payback, 0),
                    xytext=(-6, 18), textcoords="offset points", fontsize=7.5, ha="right",
                    color="#333333", bbox={"fc": "white", "ec": "none", "pad": 1})
    ax.set_xticks(xs)
    ax.set_xticklabels(fy_labels, fontsize=8)
    ax.set_xlim(-0.3, len(xs) - 0.7)
    ax.set_xlabel("up to the end of financial year (April to March)", fontsize=8.5)
    ax.set_ylabel("cumulative difference, GBP million,\n%s" % prices, fontsize=8.5)
    ax.yaxis.set_major_formatter(FuncFormatter(_million))
    ax.grid(True, axis="y", color="#eeeeee")
    ax.legend(fontsize=7, loc="best", frameon=False)
    _finish(fig, ax, "Cumulative net difference in spend",
            "%s, paired by run; %d runs; GBP million, %s" % (title_pair, n_runs, prices))
    return fig


def npv_histogram(npv_values, rate, title_pair, prices):
    """Distribution over runs of the net present value (GBP million)."""
    v = np.asarray(npv_values, dtype=float) / 1e6
    fig = new_figure()
    ax = fig.add_subplot(1, 1, 1)
    nb = int(min(40, max(5, np.ceil(np.sqrt(len(v)) * 2))))
    ax.hist(v, bins=nb, color=COLOURS["band50"], edgecolor="white")
    q = qstats(v)
    ax.axvline(q["median"], color=COLOURS["median"], lw=2,
               label="median %s" % _million(q["median"]))
    ax.axvline(q["q05"], color=COLOURS["median"], lw=1, ls="--",
               label="5%% and 95%%: %s and %s" % (_million(q["q05"]), _million(q["q95"])))
    ax.axvline(q["q95"], color=COLOURS["median"], lw=1, ls="--")
    lo, hi = ax.get_xlim()
    if lo < 0 < hi:
        ax.axvline(0, color="black", lw=0.8)
    ax.set_ylim(0, ax.get_ylim()[1] * 1.4)
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    p = float(np.mean(v > 0))
    ax.legend(fontsize=7.5, loc="upper left", frameon=True, framealpha=0.9, edgecolor="none",
              title="alternative costs more (NPV > 0) in %.0f%% of runs" % (100 * p),
              title_fontsize=7.5)
    ax.set_xlabel("net present value of alt - base, GBP million, %s, discounted at %.1f%%"
                  % (prices, rate * 100), fontsize=8.5)
    ax.set_ylabel("number of runs", fontsize=8.5)
    ax.xaxis.set_major_formatter(FuncFormatter(_million))
    _finish(fig, ax, "Net present value of the difference in spend",
            "%s, paired by run; %d runs; GBP million, %s; positive: the alternative costs more"
            % (title_pair, len(v), prices))
    return fig


def png_bytes(fig):
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=DPI)
    return buf.getvalue()


# --------------------------------------------------------------------------
# the set of charts for a report


def slug(s):
    return re.sub(r"[^A-Za-z0-9_.-]+", "-", s)


def build_charts(sel, scen):
    """[(section, filename, caption, Figure)] for a selection.

    sel: ("single", name) or ("compare", base, alt); scen: {name: Scenario};
    for a comparison also scen["_comparison"] = Comparison."""
    charts = []
    if sel[0] == "single":
        s = scen[sel[1]]
        for key, label, data in s.fan_series():
            charts.append(("stocks", "fan-%s-%s.png" % (slug(s.name), slug(key)),
                           "%s: children at the end of each month" % label,
                           fan_chart(s.months, data, "%s: children at the end of each month"
                                     % label, "scenario: " + s.name)))
        if s.has_spend():
            real = s.deflator is not None
            labels, by = s.spend_by_fy(real)
            charts.append(("spend", "spend-%s.png" % slug(s.name), "Spend by financial year",
                           spend_chart(labels, by, s.name, s.prices_label(real), len(s.runs))))
        return charts
    b, a = scen[sel[1]], scen[sel[2]]
    c = scen["_comparison"]
    pair = "%s minus %s" % (a.name, b.name)
    for key, label, data in a.fan_series():
        ref = np.median(b.groups.get(key, b.leaf.get(key)), axis=0)
        charts.append(("stocks", "fan-%s-%s.png" % (slug(a.name), slug(key)),
                       "%s: children at the end of each month" % label,
                       fan_chart(a.months, data, "%s: children at the end of each month" % label,
                                 "scenario: " + a.name, reference=ref,
                                 reference_label="median of %s" % b.name)))
        charts.append(("difference", "diff-%s.png" % slug(key),
                       "%s: difference in children at the end of each month" % label,
                       fan_chart(a.months, c.group_diff(key),
                                 "%s: difference in children, alt - base" % label,
                                 pair + ", paired by run",
                                 ylabel="difference in children (end of month)",
                                 zero_line=True)))
    for s in (b, a):
        if s.has_spend():
            real = s.deflator is not None
            labels, by = s.spend_by_fy(real)
            charts.append(("spend", "spend-%s.png" % slug(s.name),
                           "Spend by financial year: %s" % s.name,
                           spend_chart(labels, by, s.name, s.prices_label(real), len(s.runs))))
    if c.yearly is not None:
        prices = b.prices_label(True)
        charts.append(("compare", "net-yearly.png", "Yearly net difference in spend",
                       yearly_difference_chart(c.fy_labels, c.yearly, pair, prices,
                                               len(c.runs))))
        charts.append(("compare", "net-cumulative.png", "Cumulative net difference in spend",
                       cumulative_chart(c.fy_labels, c.cumulative, c.cum_discounted, c.schedule,
                                        c.payback, pair, prices, len(c.runs))))
    if c.npv is not None:
        charts.append(("compare", "npv.png", "Net present value",
                       npv_histogram(c.npv, c.rate, pair, b.prices_label(True))))
    return charts


def load(f, sel):
    """Scenario objects for a selection (and the Comparison)."""
    scen = {}
    for n in sel[1:]:
        scen[n] = Scenario(f, n)
    if sel[0] == "compare":
        scen["_comparison"] = Comparison(f, scen[sel[1]], scen[sel[2]])
    return scen
