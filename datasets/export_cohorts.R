#!/usr/bin/env Rscript
# Export two Mayo Clinic cohorts shipped with R's survival package to CSV.
#
# Exported with: R version 4.2.2 Patched (2022-11-10 r83330), survival 3.5.3
# (Debian 12: r-base-core, r-cran-survival). survival is LGPL (>= 2); the data
# sets are distributed with it. See datasets/README.md.
#
# Run from the repository root:
#   Rscript datasets/export_cohorts.R && /usr/bin/python3 datasets/derive.py
#
# Output (row order as in the package; missing values written as empty fields):
#   datasets/raw/flchain.csv   7,874 rows  (Dispenzieri et al. 2012)
#   datasets/raw/nafld1.csv   17,549 rows  (Allen et al. 2018)

suppressPackageStartupMessages(library(survival))

args <- commandArgs(trailingOnly = FALSE)
script <- sub("^--file=", "", args[grep("^--file=", args)])
here <- if (length(script) == 1) dirname(normalizePath(script)) else "datasets"
out <- file.path(here, "raw")
dir.create(out, showWarnings = FALSE, recursive = TRUE)

message(sprintf("R %s.%s, survival %s", R.version$major, R.version$minor,
                as.character(packageVersion("survival"))))

export <- function(df, name) {
  path <- file.path(out, paste0(name, ".csv"))
  # write.csv writes numbers with up to 15 significant digits: exact for every
  # measured value here; nafld1's computed bmi is rounded to 15 digits.
  write.csv(df, path, row.names = FALSE, na = "", fileEncoding = "UTF-8")
  message(sprintf("wrote %s: %d rows x %d columns", path, nrow(df), ncol(df)))
}

data(flchain, package = "survival")
data(nafld, package = "survival")   # nafld1 is one of the data sets in 'nafld'
stopifnot(nrow(flchain) == 7874, nrow(nafld1) == 17549)
export(flchain, "flchain")
export(nafld1, "nafld1")
