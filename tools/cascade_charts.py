"""Interactive charts for tools/report: plotly figures of a cascade output file.

The data come from cascade_plots' Scenario and Comparison (the file's records,
runs done only); this module only draws them, with Debian's python3-plotly,
as the PNG charts of cascade_plots draw them for tools/plot (same series,
same statistics: numpy quantiles, R type 7). Each chart is returned with the
table of numbers it draws (chart_csv), which the report offers as a CSV
download beside it. Titles are not drawn inside the chart (the page gives
each one a heading that wraps), legends sit above the plot, fonts are fixed
in pixels, so nothing is cut or shrunk in a narrow column.

A chart: {"key": file-name stem, "section", "title", "subtitle", "figure":
plotly Figure, "columns": [(header, [values])]} (columns of equal length).
"""

import numpy as np

import plotly.graph_objects as go

import cascade_plots as cp

COLOURS = cp.COLOURS
FONT = {"family": "DejaVu Sans, Arial, Helvetica, sans-serif", "size": 13, "color": "#1a1a1a"}


def layout(fig, ytitle, xtitle=None, money=False, height=430):
    fig.update_layout(
        template="plotly_white", font=FONT, height=height,
        margin={"l": 70, "r": 16, "t": 16, "b": 16}, hovermode="x unified",
        # above the plot: below it, rotated year labels on a phone run into it
        legend={"orientation": "h", "yanchor": "bottom", "y": 1.02, "x": 0,
                "font": {"size": 12}},
        yaxis={"title": {"text": ytitle}, "tickformat": ",.1f" if money else ",.0f",
               "zeroline": True},
        xaxis={"title": {"text": xtitle or ""}, "automargin": True})
    fig.update_yaxes(automargin=True)
    return fig


def _dates(months):
    return [str(d) for d in cp.month_end_dates(months)]


def fan(key, section, title, subtitle, months, data, reference=None, reference_label=None,
        published=None, ytitle="children", n_drawn=cp.N_RUNS_DRAWN, fitted=None):
    """Median, 50% and 90% of runs, a few single runs, an optional dashed
    reference line, the published figures as points and the fitted model's
    values for them (the fit years, from the file's fit_figures) as open
    circles.

    data [run, month]; published, fitted: [(date "YYYY-03-31", value)] or
    None."""
    data = np.asarray(data, dtype=float)
    x = _dates(months)
    q = cp.qstats(data)
    fig = go.Figure()
    fmt = "%{y:,.0f}"
    fig.add_trace(go.Scatter(x=x, y=q["q05"], mode="lines", line={"width": 0},
                             name="5% of runs", legendgroup="b90", showlegend=False,
                             hovertemplate=fmt))
    fig.add_trace(go.Scatter(x=x, y=q["q95"], mode="lines", line={"width": 0}, fill="tonexty",
                             fillcolor=COLOURS["band90"], name="90% of runs (5% to 95%)",
                             legendgroup="b90", hovertemplate=fmt))
    fig.add_trace(go.Scatter(x=x, y=q["q25"], mode="lines", line={"width": 0},
                             name="25% of runs", legendgroup="b50", showlegend=False,
                             hovertemplate=fmt))
    fig.add_trace(go.Scatter(x=x, y=q["q75"], mode="lines", line={"width": 0}, fill="tonexty",
                             fillcolor=COLOURS["band50"], name="50% of runs (25% to 75%)",
                             legendgroup="b50", hovertemplate=fmt))
    k = min(n_drawn, data.shape[0])
    for i in range(k):
        fig.add_trace(go.Scatter(x=x, y=data[i], mode="lines",
                                 line={"width": 0.7, "color": "#8c8c8c"},
                                 name="single runs (%d of %d)" % (k, data.shape[0]),
                                 legendgroup="runs", showlegend=i == 0, hoverinfo="skip"))
    fig.add_trace(go.Scatter(x=x, y=q["median"], mode="lines",
                             line={"width": 2.5, "color": COLOURS["median"]}, name="median",
                             hovertemplate=fmt))
    columns = [("month_end", x), ("median", q["median"]), ("p05", q["q05"]),
               ("p25", q["q25"]), ("p75", q["q75"]), ("p95", q["q95"])]
    if reference is not None:
        fig.add_trace(go.Scatter(x=x, y=reference, mode="lines",
                                 line={"width": 1.6, "color": COLOURS["reference"],
                                       "dash": "dash"},
                                 name=reference_label or "reference", hovertemplate=fmt))
        columns.append(((reference_label or "reference").replace(" ", "_"), reference))
    for i in range(k):
        columns.append(("run_%d" % i, data[i]))
    extra = None
    if published:
        px = [d for d, _ in published]
        py = [v for _, v in published]
        fig.add_trace(go.Scatter(x=px, y=py, mode="markers+lines",
                                 marker={"size": 8, "color": "#000000", "symbol": "diamond"},
                                 line={"width": 1, "color": "#000000", "dash": "dot"},
                                 name="published (DfE, 31 March)", hovertemplate=fmt))
        extra = [("published_date", px), ("published", py)]
    if fitted:
        fx = [d for d, _ in fitted]
        fy = [v for _, v in fitted]
        fig.add_trace(go.Scatter(x=fx, y=fy, mode="markers",
                                 marker={"size": 9, "color": "#000000", "symbol": "circle-open",
                                         "line": {"width": 1.5}},
                                 name="fitted (the model one year ahead)", hovertemplate=fmt))
        if extra:
            by = dict(fitted)
            extra.append(("fitted", [by.get(d, float("nan")) for d in extra[0][1]]))
    layout(fig, ytitle)
    return {"key": key, "section": section, "title": title, "subtitle": subtitle,
            "figure": fig, "columns": columns, "extra": extra}


def spend(key, title, subtitle, fy_labels, by_name, prices):
    fig = go.Figure()
    columns = [("financial_year", list(fy_labels))]
    for nm in by_name:
        q = cp.qstats(by_name[nm] / 1e6)
        fig.add_trace(go.Bar(x=list(fy_labels), y=q["median"],
                             marker_color=COLOURS.get(nm), name="%s intervention (median)" % nm,
                             error_y={"type": "data", "symmetric": False,
                                      "array": q["q95"] - q["median"],
                                      "arrayminus": q["median"] - q["q05"],
                                      "color": "#222222", "thickness": 1.2},
                             customdata=np.stack([q["q05"], q["q95"]], axis=1),
                             hovertemplate="%{y:,.1f} (90%: %{customdata[0]:,.1f} to "
                             "%{customdata[1]:,.1f})"))
        columns += [("%s_median_gbp_m" % nm, q["median"]), ("%s_p05_gbp_m" % nm, q["q05"]),
                    ("%s_p95_gbp_m" % nm, q["q95"])]
    fig.update_layout(barmode="group")
    layout(fig, "GBP million", money=True)
    return {"key": key, "section": "spend", "title": title, "subtitle": subtitle,
            "figure": fig, "columns": columns, "extra": None}


def net_yearly(c, pair, prices):
    """Median net difference per year: red bars where the alternative spends
    more, green where less (two series, so each legend swatch is the colour
    of its bars), 90% error bars; early and late medians as lines."""
    fy = list(c.fy_labels)
    net = c.yearly["net"] / 1e6
    q = cp.qstats(net)
    more = q["median"] > 0
    fig = go.Figure()
    for sel, colour, label in ((more, COLOURS["more"], "net: the alternative spends more"),
                               (~more, COLOURS["less"], "net: the alternative spends less "
                                "(or the same)")):
        if not sel.any():
            continue
        fig.add_trace(go.Bar(
            x=[y for y, s in zip(fy, sel) if s], y=q["median"][sel], marker_color=colour,
            name=label + " (median)", opacity=0.85,
            error_y={"type": "data", "symmetric": False,
                     "array": (q["q95"] - q["median"])[sel],
                     "arrayminus": (q["median"] - q["q05"])[sel], "color": "#222222",
                     "thickness": 1.2},
            customdata=np.stack([q["q05"][sel], q["q95"][sel]], axis=1),
            hovertemplate="%{y:+,.1f} (90%: %{customdata[0]:+,.1f} to "
            "%{customdata[1]:+,.1f})"))
    columns = [("financial_year", fy), ("net_median_gbp_m", q["median"]),
               ("net_p05_gbp_m", q["q05"]), ("net_p95_gbp_m", q["q95"])]
    for nm, symbol in (("early", "circle"), ("late", "square")):
        if nm in c.yearly:
            med = np.median(c.yearly[nm] / 1e6, axis=0)
            fig.add_trace(go.Scatter(x=fy, y=med, mode="lines+markers",
                                     marker={"symbol": symbol, "size": 7},
                                     line={"color": COLOURS[nm], "width": 1.5},
                                     name="%s intervention (median)" % nm,
                                     hovertemplate="%{y:+,.1f}"))
            columns.append(("%s_median_gbp_m" % nm, med))
    fig.update_layout(barmode="overlay")
    layout(fig, "difference, GBP million", money=True)
    fig.update_xaxes(categoryorder="array", categoryarray=fy)
    return {"key": "net-yearly", "section": "compare", "title": "Net difference in spend "
            "each year", "subtitle": "%s, paired by run; %d runs; GBP million, %s; net = early "
            "+ late" % (pair, len(c.runs), prices), "figure": fig, "columns": columns,
            "extra": None}


def cumulative(c, pair, prices):
    fy = list(c.fy_labels)
    q = cp.qstats(c.cumulative / 1e6)
    disc = np.median(c.cum_discounted / 1e6, axis=0)
    fig = go.Figure()
    fmt = "%{y:+,.1f}"
    fig.add_trace(go.Scatter(x=fy, y=q["q05"], mode="lines", line={"width": 0},
                             showlegend=False, name="5% of runs", hovertemplate=fmt))
    fig.add_trace(go.Scatter(x=fy, y=q["q95"], mode="lines", line={"width": 0}, fill="tonexty",
                             fillcolor=COLOURS["band90"], name="90% of runs (5% to 95%)",
                             hovertemplate=fmt))
    fig.add_trace(go.Scatter(x=fy, y=q["q25"], mode="lines", line={"width": 0},
                             showlegend=False, name="25% of runs", hovertemplate=fmt))
    fig.add_trace(go.Scatter(x=fy, y=q["q75"], mode="lines", line={"width": 0}, fill="tonexty",
                             fillcolor=COLOURS["band50"], name="50% of runs (25% to 75%)",
                             hovertemplate=fmt))
    fig.add_trace(go.Scatter(x=fy, y=q["median"], mode="lines+markers",
                             line={"width": 2.5, "color": COLOURS["median"]},
                             name="median, undiscounted", hovertemplate=fmt))
    fig.add_trace(go.Scatter(x=fy, y=disc, mode="lines",
                             line={"width": 1.8, "color": COLOURS["reference"], "dash": "dash"},
                             name="median, discounted at %s"
                             % cp.describe_discount(c.schedule, len(fy)),
                             hovertemplate=fmt))
    if c.payback is not None:
        fig.add_vline(x=c.payback, line_dash="dot", line_color="#777777",
                      annotation_text="payback %s" % fy[c.payback],
                      annotation_position="top left")
    layout(fig, "cumulative difference, GBP million", money=True)
    return {"key": "net-cumulative", "section": "compare",
            "title": "Cumulative net difference in spend",
            "subtitle": "%s, paired by run; %d runs; GBP million, %s" % (pair, len(c.runs),
                                                                          prices),
            "figure": fig,
            "columns": [("financial_year", fy), ("cumulative_median_gbp_m", q["median"]),
                        ("cumulative_p05_gbp_m", q["q05"]), ("cumulative_p25_gbp_m", q["q25"]),
                        ("cumulative_p75_gbp_m", q["q75"]), ("cumulative_p95_gbp_m", q["q95"]),
                        ("cumulative_discounted_median_gbp_m", disc)], "extra": None}


def npv_histogram(c, pair, prices, probability_text):
    v = np.asarray(c.npv, dtype=float) / 1e6
    q = cp.qstats(v)
    fig = go.Figure()
    fig.add_trace(go.Histogram(x=v, marker_color=COLOURS["band50"], name="runs in each bin",
                               hovertemplate="NPV %{x} GBP m: %{y} runs<extra></extra>",
                               nbinsx=int(min(40, max(5, np.ceil(np.sqrt(len(v)) * 2))))))
    for val, dash, label in ((q["median"], "solid", "median %s" % "{:+,.1f}".format(q["median"])),
                             (q["q05"], "dash", "5%% and 95%%: %s and %s" % (
                                 "{:+,.1f}".format(q["q05"]), "{:+,.1f}".format(q["q95"]))),
                             (q["q95"], "dash", None)):
        fig.add_vline(x=float(val), line_dash=dash, line_color=COLOURS["median"])
        if label:  # a legend entry for the line (shapes have none)
            fig.add_trace(go.Scatter(x=[None], y=[None], mode="lines", name=label,
                                     line={"dash": dash, "color": COLOURS["median"]}))
    layout(fig, "number of runs", "NPV, GBP million (> 0: the alternative costs more)")
    fig.update_layout(hovermode="closest", bargap=0.05)
    return {"key": "npv", "section": "compare", "title": "Net present value of the difference",
            "subtitle": "%s, paired by run; %d runs; the alternative costs more (NPV > 0) in %s "
            "of runs" % (pair, len(v), probability_text), "figure": fig,
            "columns": [("run", [int(r) for r in c.runs][:len(v)] if len(c.runs) == len(v)
                         else list(range(len(v)))), ("npv_gbp_m", v)], "extra": None}


def chart_csv(chart):
    """The numbers a chart draws, as CSV text (one row per x value; the
    published points, if any, as rows of their own after a blank line)."""
    def cell(v):
        if isinstance(v, (float, np.floating)):
            return "" if not np.isfinite(v) else repr(float(v))
        return str(v)

    cols = chart["columns"]
    lines = [",".join(h for h, _ in cols)]
    for i in range(len(cols[0][1])):
        lines.append(",".join(cell(vals[i]) for _, vals in cols))
    if chart.get("extra"):
        lines.append("")
        lines.append(",".join(h for h, _ in chart["extra"]))
        for i in range(len(chart["extra"][0][1])):
            lines.append(",".join(cell(vals[i]) for _, vals in chart["extra"]))
    return "\n".join(lines) + "\n"


def dfe_series(s):
    """[(category, label, [run, month])]: the DfE counts summed over the
    stages of each category (children in need count cin, cp and looked
    after), from the file's records; by stage name while they are unknown."""
    cats = {k: [st for st in s.stages if s.category[st] == k] for k in
            ("looked_after", "cp", "cin")}
    if not any(cats.values()):
        cats = {k: [st for st in s.stages if s.top[st] == k] for k in cats}
    out = []
    labels = {"looked_after": "Looked-after children (all placements)",
              "cp": "Children on a child protection plan",
              "cin": "Children in need (all: CIN, CP and looked after, as DfE counts them)"}
    for k in ("looked_after", "cp", "cin"):
        members = cats[k] if k != "cin" else cats["cin"] + cats["cp"] + cats["looked_after"]
        if cats[k]:
            out.append((k, labels[k], sum(s.leaf[st] for st in members)))
    return out


def build(sel, scen, published=None, probability_text="", fitted=None):
    """The report's charts for a selection (cascade_plots.select), in page
    order: the comparison's money charts, the DfE counts (with the published
    figures, if given: {measure: [(year, value)]}, and the fitted model's
    values for them, likewise), spend, differences, and the other stages."""
    published = published or {}
    fitted = fitted or {}
    measure_of = {"looked_after": "cla_31_march", "cp": "cpp_31_march", "cin": "cin_31_march"}

    def points(cat, source=published):
        return [("%d-03-31" % y, v) for y, v in source.get(measure_of[cat], [])] or None

    def fitted_points(cat):
        return points(cat, fitted)

    charts = []
    if sel[0] == "single":
        s = scen[sel[1]]
        shown = set()
        for cat, label, data in dfe_series(s):
            charts.append(fan("dfe-%s-%s" % (cp.slug(s.name), cat), "dfe", label,
                              "scenario %s; %d runs; children at the end of each month"
                              % (s.name, data.shape[0]) +
                              ("; points: the published figures at 31 March" if points(cat)
                               else ""), s.months, data, published=points(cat),
                              fitted=fitted_points(cat)))
            if cat != "cin":  # the cin stage is not all children in need
                shown.add(cat)
        if s.has_spend():
            real = s.deflator is not None
            labels, by = s.spend_by_fy(real)
            charts.append(spend("spend-%s" % cp.slug(s.name), "Spend by financial year",
                                "scenario %s; %d runs; spend during each financial year, "
                                "GBP million, %s" % (s.name, len(s.runs),
                                                     s.prices_label(real)),
                                labels, by, s.prices_label(real)))
        for key, label, data in s.fan_series():
            if key in shown:
                continue
            charts.append(fan("fan-%s-%s" % (cp.slug(s.name), cp.slug(key)), "stocks",
                              "%s: children at the end of each month" % label,
                              "scenario %s; %d runs" % (s.name, data.shape[0]), s.months, data))
        return charts
    b, a = scen[sel[1]], scen[sel[2]]
    c = scen["_comparison"]
    pair = "%s minus %s" % (a.name, b.name)
    if c.yearly is not None:
        prices = b.prices_label(True)
        charts.append(net_yearly(c, pair, prices))
        charts.append(cumulative(c, pair, prices))
    if c.npv is not None:
        charts.append(npv_histogram(c, pair, b.prices_label(True), probability_text))
    base_dfe = {k: d for k, _, d in dfe_series(b)}
    shown = set()
    for cat, label, data in dfe_series(a):
        ref = np.median(base_dfe[cat], axis=0) if cat in base_dfe else None
        charts.append(fan("dfe-%s-%s" % (cp.slug(a.name), cat), "dfe", label,
                          "scenario %s; %d runs; dashed: the median of %s" % (
                              a.name, data.shape[0], b.name) +
                          ("; points: the published figures at 31 March" if points(cat)
                           else ""), a.months, data, reference=ref,
                          reference_label="median of %s" % b.name, published=points(cat),
                          fitted=fitted_points(cat)))
        if cat in base_dfe:
            d = data[c._ai] - base_dfe[cat][c._bi]
            charts.append(fan("diff-%s" % cat, "difference", "%s: difference, alt minus base"
                              % label, "%s, paired by run; %d runs" % (pair, d.shape[0]),
                              a.months, d, ytitle="difference in children (end of month)"))
        if cat != "cin":
            shown.add(cat)
    for s in (b, a):
        if s.has_spend():
            real = s.deflator is not None
            labels, by = s.spend_by_fy(real)
            charts.append(spend("spend-%s" % cp.slug(s.name), "Spend by financial year: %s"
                                % s.name, "scenario %s; %d runs; GBP million, %s"
                                % (s.name, len(s.runs), s.prices_label(real)),
                                labels, by, s.prices_label(real)))
    for key, label, data in a.fan_series():
        if key in shown:
            continue
        ref = np.median(b.groups.get(key, b.leaf.get(key)), axis=0)
        charts.append(fan("fan-%s-%s" % (cp.slug(a.name), cp.slug(key)), "stocks",
                          "%s: children at the end of each month" % label,
                          "scenario %s; %d runs; dashed: the median of %s"
                          % (a.name, data.shape[0], b.name), a.months, data, reference=ref,
                          reference_label="median of %s" % b.name))
    return charts
