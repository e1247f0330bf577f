#!/usr/bin/env python3
"""Write the seeded daily feed and monitor file the monitor-record CLI tests share
(test_monitor_report.sh, test_monitor_export.sh) into the current directory: feed.csv, 40
cases a day from 2026-01-01 for 60 days; x shifts from 2026-02-16, lab goes half missing then,
k has 3 missing values a day then (a small cell), and there is no case on 2026-02-12 (the feed
stalled). night.json monitors it with a one-day current window."""
import datetime
import random

random.seed(7)
d0 = datetime.date(2026, 1, 1)
with open("feed.csv", "w") as f:
    f.write("day,x,g,lab,k,score,label\n")
    for j in range(60):
        day = d0 + datetime.timedelta(days=j)
        if day == datetime.date(2026, 2, 12):
            continue
        late = day >= datetime.date(2026, 2, 16)
        for i in range(40):
            lab = "" if late and i % 2 else "%.3f" % random.gauss(0, 1)
            k = "" if late and i < 3 else "%.3f" % random.gauss(0, 1)
            s = min(max(random.random() * 0.4, 0.01), 0.99)
            f.write("%s,%.4f,%s,%s,%s,%.4f,%d\n" % (day, random.gauss(1.0 if late else 0.0, 1),
                    random.choice("abc"), lab, k, s, random.random() < s))
with open("night.json", "w") as f:
    f.write("""{ "name": "night", "data": { "path": "feed.csv", "columns": { "time": "day", "label": "label",
    "score": "score", "features": ["x", "g", "lab", "k"] }, "types": { "g": "categorical" } },
  "windows": { "reference": { "from": "2026-01-01", "to": "2026-01-31" }, "current": { "last_days": 1 } },
  "min_samples": 20, "prediction_drift": true, "label_drift": true }
""")
