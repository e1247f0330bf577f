#!/usr/bin/env python3
"""Peers for bench/drift_peers.sh (PyPI, in their own virtual environment):
    python3 -m venv /tmp/vigil-peers && /tmp/vigil-peers/bin/pip install evidently nannyml "pandas<2.3"
usage: drift_peers.py evidently REF.csv CUR.csv   Evidently's DataDriftPreset report
       drift_peers.py nannyml REF.csv CUR.csv     NannyML's UnivariateDriftCalculator (KS and
                                                  Wasserstein, one chunk per window)
Each prints 'seconds S' for the drift computation (files read before the clock starts) and the
number of drifted columns it reports."""
import sys, time
import pandas as pd

tool, ref_p, cur_p = sys.argv[1:4]
ref, cur = pd.read_csv(ref_p), pd.read_csv(cur_p)
cols = list(ref.columns)
if tool == "evidently":
    import evidently
    from evidently import Report
    from evidently.presets import DataDriftPreset
    t = time.perf_counter()
    snap = Report([DataDriftPreset()]).run(reference_data=ref, current_data=cur)
    s = time.perf_counter() - t
    print(f"seconds {s:.2f} evidently {evidently.__version__}")
else:
    import nannyml as nml
    ref["ts"] = pd.date_range("2020-01-01", periods=len(ref), freq="s")
    cur["ts"] = pd.date_range("2021-01-01", periods=len(cur), freq="s")
    t = time.perf_counter()
    calc = nml.UnivariateDriftCalculator(column_names=cols, timestamp_column_name="ts",
                                         continuous_methods=["kolmogorov_smirnov", "wasserstein"],
                                         chunk_number=1)
    calc.fit(ref)
    res = calc.calculate(cur)
    s = time.perf_counter() - t
    print(f"seconds {s:.2f} nannyml {nml.__version__}")
