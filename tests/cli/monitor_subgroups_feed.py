#!/usr/bin/env python3
"""Write the seeded feed of tests/cli/test_monitor_subgroups.sh into the current directory:
feed.csv, nights 0 (the reference) to 3, with a unit and a sex column for the subgroups. The
current nights' units are built for the cell-size policy: A and B large, C 7 cases (a level
withheld) and G 12 (withheld with it: C alone would give its count away), D 60 cases with 4
events (its AUROC and prevalence withheld), E 40 cases and no event (its AUROC undefined; its
prevalence withheld with D's, and H's, 70 cases, with them), Z only on night 0 and among
unlabelled cases (a level the labelled cases lack);
scores are rounded to 0.05 (ties); about 1 in 8 labels is not yet known, and some sex values
are missing (the level "(missing)"). Night 1's first case is of unit B, while the file's first
rows are unit A: the levels' order is the labelled cases' own."""
import random

random.seed(17)
rows = []
def case(night, unit, sex, p, label):
    rows.append((night, unit, sex, p, label))

for i in range(400):  # the reference night
    p = round(min(max(random.betavariate(2, 6), 0.05), 0.95) * 20) / 20
    case(0, "A" if i == 0 else random.choice("AABZ"), random.choice("FM"), p, int(random.random() < p))
for night in (1, 2, 3):
    block = []
    for unit, n, events in (("B", 150, None), ("A", 260, None), ("C", 7, 0), ("G", 12, 0), ("D", 60, 4),
                            ("E", 40, 0), ("H", 70, None)):
        for i in range(n):
            p = round(min(max(random.betavariate(2, 5), 0.05), 0.95) * 20) / 20
            if events is None:
                y = int(random.random() < min(p * (1.3 if night == 3 and unit == "A" else 1.0), 1))
            else:
                y = int(i < events)
            block.append((unit, p, y))
    head, rest = block[0], block[1:]
    random.shuffle(rest)
    for k, (unit, p, y) in enumerate([head] + rest):
        sex = "" if k % 23 == 5 else random.choice("FM")
        label = "" if k % 8 == 3 else str(y)
        case(night, unit, sex, p, label)
    for i in range(5):  # unit Z: unlabelled only
        case(night, "Z", "F", 0.2, "")
with open("feed.csv", "w") as f:
    f.write("night,x,unit,sex,score,label\n")
    for night, unit, sex, p, label in rows:
        f.write("%d,%.4f,%s,%s,%.2f,%s\n" % (night, random.gauss(0, 1), unit, sex, p, label))
