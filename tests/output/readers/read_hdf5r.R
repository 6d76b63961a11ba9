library(hdf5r)

f <- H5File$new("out.h5", mode = "r")
g <- f[["scenarios/england-baseline"]]

# R reverses the axes (stocks arrives as [age, stage, month, run]); each
# axis's labels are the group's dataset named by its DIMENSION_LABELS entry,
# the dimension scale:
read_labelled <- function(group, path) {
  d <- group[[path]]
  x <- d$read()
  axes <- rev(h5attr(d, "DIMENSION_LABELS"))
  dimnames(x) <- lapply(axes, function(a) as.character(group[[a]]$read()))
  names(dimnames(x)) <- axes
  x
}
stocks <- read_labelled(g, "stocks")
print(names(dimnames(stocks)))                  # "age" "stage" "month" "run"
done <- g[["run_done"]]$read() == 1
category <- g[["stage_category"]]$read()        # along stage
la <- dimnames(stocks)$stage[category == "looked_after"]
march <- apply(stocks[, la, "2020-03", done, drop = FALSE], 4, sum)
cat("looked after on 31 March 2020, median of runs:", median(march), "\n")

spend <- read_labelled(g, "spend")              # [intervention, month, run], GBP cash
print(spend["late", 1:3, 1])
mean <- read_labelled(g, "summary/mean")        # [age, stage, month]
cat("mean in care at 31 March 2020:", sum(mean[, la, "2020-03"]), "\n")
f$close_all()
