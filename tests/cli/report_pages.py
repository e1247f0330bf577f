#!/usr/bin/python3
"""The printed report as a reviewer reads it (issue 18): report.pdf's text (pdftotext -layout,
pages split at form feeds) against report.html. Fails when a page ends with a section heading
(or a heading and one line), a table caption or a table's header row (orphaned: what it
introduces is on the next page), when a page begins with a table's notes (the legend of its
intervals' methods, the dagger note),
when page 1 holds only the table of contents, and when a bare "undefined" or "—" (no reason
beside it) is printed anywhere.

usage: report_pages.py REPORT_DIR PDF_TEXT"""
import html as H
import re
import sys

d, txt = sys.argv[1], sys.argv[2]
page = open(d + "/report.html", encoding="utf-8").read()
text = open(txt, encoding="utf-8").read()
norm = lambda s: re.sub(r"\s+", " ", H.unescape(re.sub(r"<[^>]+>", " ", s))).strip()
heads = [norm(h) for h in re.findall(r"<h[1-4][^>]*>(.*?)</h[1-4]>", page, re.S)]
caps = [norm(c) for c in re.findall(r"<caption>(.*?)</caption>", page, re.S)]
rows = [set(norm(th) for th in re.findall(r"<th[^>]*>(.*?)</th>", t, re.S))
        for t in re.findall(r"<thead>(.*?)</thead>", page, re.S)]
bad = []
pages = text.split("\f")
# the running header: the first line of every page
running = {re.sub(r"\s+", " ", p.strip().split("\n")[0]).strip() for p in pages if p.strip()}
for i, p in enumerate(pages, 1):
    lines = [re.sub(r"\s+", " ", ln).strip() for ln in p.split("\n")]
    lines = [ln for ln in lines if ln and not re.fullmatch(r"page \d+ of \d+", ln)]
    if not lines:
        continue
    last = lines[-1]
    toc = "Contents" in lines[:12]  # the contents list: its entries are the headings' text
    if not toc and len(last) >= 6 and any(last in h for h in heads + caps):
        bad.append("page %d ends with a heading or caption: %r" % (i, last))
    # a heading with one line of text under it, what that line introduces on the next page
    # (not a section that is that one line, the next page beginning with the next heading)
    nxt = [re.sub(r"\s+", " ", ln).strip() for ln in (pages[i].split("\n") if i < len(pages) else [])]
    nxt = [ln for ln in nxt if ln and ln not in running]
    if not toc and len(lines) >= 2 and any(lines[-2] == h for h in heads) and not (nxt and nxt[0] in heads):
        bad.append("page %d ends with a heading and one line: %r" % (i, lines[-2:]))
    words = last.split(" ")
    for cols in rows:
        joined = " ".join(cols)
        if len(words) >= 2 and all(w in joined for w in words) and not re.search(r"\d", last):
            bad.append("page %d ends with a table's header row: %r" % (i, last))
            break
    # a table's notes (its intervals' methods, the dagger) begin no page: they go with the table
    if nxt and (nxt[0].startswith("Interval methods (the mark") or nxt[0].startswith("\u2020 This interval")):
        bad.append("page %d begins with a note of the table on page %d: %r" % (i + 1, i, nxt[0][:80]))
# page 1: more than the title above the contents (what the report is, its verdict)
p1 = [re.sub(r"\s+", " ", ln).strip() for ln in pages[0].split("\n")]
p1 = [ln for ln in p1 if ln and ln not in running]
if "Contents" in p1 and p1.index("Contents") <= 1:
    bad.append("page 1 holds only the table of contents: %r" % " ".join(p1)[:300])
# a table cell (pdftotext -layout keeps two or more spaces between cells) reading only
# "undefined" or a dash, with no reason in it
for m in re.finditer(r"(?:^|(?<=  ))(undefined|\u2014)(?=  |\n|$)", text, re.M):
    ctx = text[max(0, m.start() - 100):m.end() + 60].replace("\n", " | ")
    bad.append("a bare %r: ...%s..." % (m.group(1), ctx))
for b in bad:
    print("FAIL: " + b)
sys.exit(1 if bad else 0)
