import xarray as xr

path = "out.h5"
ds = xr.open_dataset(path, engine="h5netcdf",
                     group="scenarios/england-baseline")
ds = ds.sel(run=ds.run_done.values == 1)       # the runs written
print(ds.stocks.dims)                           # ('run', 'month', 'stage', 'age')

# Looked-after children (all placements, all ages) at each 31 March:
la = ds.stocks.where(ds.stage_category == "looked_after").sum(["stage", "age"])
march = la.sel(month=[m for m in ds.month.values if m.endswith("-03")])
print(march.quantile([0.05, 0.5, 0.95], dim="run").round().to_pandas().T)

# Late-intervention spend by financial year, GBP at constant prices:
real = (ds.spend / ds.deflator).sel(intervention="late")
by_year = real.groupby(ds.month_financial_year).sum()
by_year = by_year.assign_coords(month_financial_year=ds.financial_year.values)
print(ds.deflator.attrs["price_base"], "prices, median:",
      by_year.median("run").round().to_pandas().to_dict())

# The summaries are a subgroup; its month, stage and age are the group's:
summary = xr.open_dataset(path, engine="h5netcdf",
                          group="scenarios/england-baseline/summary")
summary = summary.assign_coords(month=ds.month, stage=ds.stage, age=ds.age)
print(summary.quantiles.sel(quantile=0.5, month="2020-03").sum("age")
      .round().to_pandas())

# A comparison written by `cascade compare`:
cmp = xr.open_dataset(path, engine="h5netcdf", group="compare/"
                      "troubled-families-withdrawal_vs_england-baseline")
print("NPV median", float(cmp.npv.median()), "GBP;",
      "P(alt costs more) =", cmp.attrs["probability_alt_costs_more"])
