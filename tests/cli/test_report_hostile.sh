#!/bin/sh
# vigil report with hostile names in every string that reaches the page: a group column, a
# subgroup level, the suite (run) name, the model files' names, a feature name and the PCCP
# texts all carry markup that would add elements or attributes (an <img onerror>, a <script>, a
# quote ending an id attribute). report.html is opened in headless Chromium (--dump-dom) and the
# set of element names and attribute names of the parsed page is compared with that of a benign
# run's report: any element or attribute the report did not write fails. report.md is checked
# to keep the hostile text inside its escapes and code fence.
. "$(dirname "$0")/lib.sh"
V=${VIGIL:-$ROOT/build/vigil}
cd "$ROOT"
if ! command -v chromium >/dev/null 2>&1; then
    echo "SKIP: chromium missing ('make deps' installs it): hostile-name rendering not checked"
    finish
fi

/usr/bin/python3 - "$ROOT" "$T" <<'PY'
import csv, json, sys
root, t = sys.argv[1:]
x = "\"><img src=x onerror=alert(1)><script>alert(2)</script>'><b onclick=alert(3)>`````"
group, level, feat = "g" + x, "F" + x, "lambda" + x
rows = list(csv.reader(open(root + "/datasets/flchain/test.csv", newline="")))
sex, band, lam = rows[0].index("sex"), rows[0].index("age_band"), rows[0].index("lambda")
rows[0][band], rows[0][lam] = group, feat
for r in rows[1:]:
    if r[sex] == "F":
        r[sex] = level
csv.writer(open(t + "/evil.csv", "w", newline="")).writerows(rows)
rows = list(csv.reader(open(root + "/datasets/flchain/train.csv", newline="")))
if "lambda" in rows[0]:
    rows[0][rows[0].index("lambda")] = feat
if "age_band" in rows[0]:
    rows[0][rows[0].index("age_band")] = group
csv.writer(open(t + "/evil-train.csv", "w", newline="")).writerows(rows)
s = json.load(open(root + "/suites/flchain-v2-vs-v1.json"))
for k, v in list(s["model"].items()):
    m = json.load(open(root + "/datasets/models/" + v.split("/")[-1]))
    m["learner"]["feature_names"] = [feat if f == "lambda" else f for f in m["learner"]["feature_names"]]
    name = t + "/" + k + x.replace("/", "") + ".json"
    json.dump(m, open(name, "w"))
    s["model"][k] = name
s["name"] = "suite" + x
s["data"]["path"] = t + "/evil.csv"
s["data"]["columns"]["groups"] = ["sex", group]
s["training_data"]["path"] = t + "/evil-train.csv"
for c in s["criteria"]:
    if c.get("scope", {}).get("group") == "age_band":
        c["scope"]["group"] = group
    if "features" in c:
        c["features"] = [feat if f == "lambda" else f for f in c["features"]]
for k in s["pccp"]:
    s["pccp"][k] = s["pccp"][k] + x + "\n```\n# heading\n<script>alert(4)</script>"
json.dump(s, open(t + "/evil.json", "w"), indent=1)
PY
run "$V" suite run suites/flchain-v2-vs-v1.json --format json
expect_rc 0 "benign suite run"
BID=$(/usr/bin/python3 -c "import json; print(json.load(open('$T/out'))['run_id'])")
run "$V" suite run "$T/evil.json" --format json
expect_rc 0 "suite run on hostile names"
EID=$(/usr/bin/python3 -c "import json; print(json.load(open('$T/out'))['run_id'])")
run "$V" report --run "$BID" --out "$T/b"
expect_rc 0 "benign report"
run "$V" report --run "$EID" --out "$T/e"
expect_rc 0 "report on hostile names"
for d in b e; do
    timeout 90 chromium --headless --no-sandbox --disable-gpu --dump-dom "file://$T/$d/report.html" \
        >"$T/$d.dom" 2>/dev/null
done
/usr/bin/python3 - "$T" <<'PY' || fails=$((fails + 1))
import sys
import re
from html.parser import HTMLParser
t = sys.argv[1]
class P(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags, self.attrs = set(), set()
    def handle_starttag(self, tag, attrs):
        self.tags.add(tag)
        self.attrs.update(tag + "@" + a for a, _ in attrs)
def parse(d):
    p = P()
    p.feed(open(t + "/" + d + ".dom", encoding="utf-8").read())
    return p
b, e = parse("b"), parse("e")
assert len(b.tags) > 10, "benign page did not render: %s" % sorted(b.tags)
# (script in the page, e.g. an alert(), stops Chromium's dump: an empty DOM fails too)
assert len(e.tags) > 10, "the hostile-name page did not render in Chromium (did script run?)"
extra = (e.tags - b.tags) | (e.attrs - b.attrs)
assert not extra, "elements/attributes the report did not write: %s" % sorted(extra)
for bad in ("img", "script", "b"):
    assert bad not in e.tags, bad
assert not any("@on" in a for a in e.attrs), [a for a in e.attrs if "@on" in a]
html = open(t + "/e/report.html", encoding="utf-8").read()
dom = open(t + "/e.dom", encoding="utf-8").read()
# the hostile strings are shown as text
assert "onerror=alert(1)&gt;" in dom and "suite&quot;&gt;&lt;img" in html, "hostile name not shown as text"
md = open(t + "/e/report.md", encoding="utf-8").read()
# outside code fences no raw '<' from the data survives in the Markdown
out, fence = [], None
for line in md.split("\n"):
    s = line.strip()
    if fence is None and s.startswith("```"):
        fence = s[: len(s) - len(s.lstrip("`"))]
        continue
    if fence is not None:
        if s == fence:
            fence = None
        continue
    out.append(line)
assert fence is None, "a code fence in report.md is never closed"
text = "\n".join(out)
import re
m = re.search(r"(?<!\\)<(img|script|b )", text)
assert not m, "raw markup outside code in report.md: " + text[max(0, m.start() - 60):m.end() + 20]
assert not re.search(r"(?m)^[> ]*#+ heading", text), "a quoted text added a Markdown heading"
PY
[ -z "$KEEP" ] || cp -r "$T" "$KEEP"
finish
