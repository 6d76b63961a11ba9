import h5py
import numpy as np

with h5py.File("out.h5", "r") as f:
    assert f.attrs["format_version"] <= 3
    print(f.attrs["cascade_version"], f.attrs["created"], int(f.attrs["seed"]))
    months = f["dims/month"].asstr()[...]        # array of "2019-04", ...
    stages = f["dims/stage"].asstr()[...]
    levels = f["dims/quantile"][...]

    # Financial year of each month ("2019/20" runs 2019-04 to 2020-03),
    # and what each stage is:
    fy_label = f["dims/financial_year"].asstr()[...]
    month_fy = f["dims/month_financial_year"][...]
    years = range(len(fy_label))
    kind = dict(zip(stages, f["dims/stage_intervention"].asstr()[...]))
    group = dict(zip(stages, f["dims/stage_group"].asstr()[...]))

    for name in f["scenarios"]:                  # scenario names
        g = f["scenarios"][name]
        done = g["run_done"][...].astype(bool)
        stocks = g["stocks"]                     # [run, month, stage, age]
        print(name, g.attrs["n_runs"], "runs,", done.sum(), "written")

        # Looked-after children at the end of each month, every run, all ages:
        la = [i for i, s in enumerate(stages)
              if group[s] == "looked_after" or s == "looked_after"]
        lac = stocks[:, :, la, :].sum(axis=(2, 3))   # [run, month], children
        lac = lac[done]

        # Stored summaries (same definitions as above):
        mean = g["summary/mean"][...]            # [month, stage, age]
        q = g["summary/quantiles"][...]          # [quantile, month, stage, age]
        median = q[list(levels).index(0.5)]

        # Axis names from the dimension scales (format 3: datasets of the
        # group, e.g. g["stage"], the same labels as /dims/stage):
        print([d.label for d in stocks.dims])    # ['run', 'month', 'stage', 'age']
        print(stocks.dims[2][0].name)            # /scenarios/<name>/stage

        # Spend at constant prices by financial year, GBP a year:
        spend = g["spend"][...][done]            # [run, month, spend], GBP cash per month
        deflator = g["deflator"][...]            # [month]
        real = spend / deflator[None, :, None]   # GBP at constant prices per month
        by_fy = np.stack([real[:, month_fy == y].sum(axis=1) for y in years], axis=1)
        # by_fy: [run, financial_year, spend]; spend axis is ["early", "late"]
        print(g["deflator"].attrs["price_base"], "prices, median late spend",
              dict(zip(fy_label, np.median(by_fy[:, :, 1], axis=0))))

    # A comparison written by `cascade compare`:
    for name, c in f.get("compare", {}).items():  # e.g. "alt_vs_base"
        npv = c["npv"][...]                      # [run], GBP at constant prices
        print(c.attrs["alt"], "vs", c.attrs["base"], "NPV median",
              np.median(npv), "GBP at", c.attrs["price_base"], "prices;",
              "P(alt costs more) =", c.attrs["probability_alt_costs_more"])
