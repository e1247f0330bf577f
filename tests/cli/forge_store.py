#!/usr/bin/python3
"""The forger of tests/cli/test_audit.sh: someone with write access to the store's file who
knows exactly how vigil seals it (src/store/digest.c, written again here from its comments,
with Python's sqlite3 and hashlib). Each action edits the store, then re-seals the whole hash
chain so that `vigil audit verify` without a checkpoint passes again:

  forge_store.py DB verdict RUN     set run RUN's verdict to passed, re-seal
  forge_store.py DB metric RUN      add 0.05 to one of RUN's metrics, re-seal
  forge_store.py DB delete RUN      drop the triggers, delete run RUN and its entries, re-seal
  forge_store.py DB truncate K      delete the newest K entries (and runs begun in them), re-seal
  forge_store.py DB cache           replace every cached value with other bytes, re-seal
"""
import hashlib
import sqlite3
import sys


def text(v):
    if v is None:
        return "-1:\n"
    s = str(v)
    return "%d:%s\n" % (len(s.encode()), s)


def real(v):
    return ("null" if v is None else "%.17g" % v) + "\n"


def sha(s):
    return hashlib.sha256(s.encode() if isinstance(s, str) else s).hexdigest()


def has_operator(db):
    return any(r[1] == "operator_user" for r in db.execute("PRAGMA table_info(runs)"))


def header(db, rid):
    r = db.execute("SELECT kind, name, started_at, tool_version, seed, config_json, config_sha256 "
                   "FROM runs WHERE id = ?", (rid,)).fetchone()
    b = "run %d\n" % rid + "".join(text(x) for x in r)
    if has_operator(db):
        o = db.execute("SELECT operator_uid, operator_user, host FROM runs WHERE id = ? AND "
                       "operator_user IS NOT NULL", (rid,)).fetchone()
        if o:
            b += "operator\n" + "".join(text(x) for x in o)
    for f in db.execute("SELECT ord, role, path, sha256, bytes FROM run_files WHERE run_id = ? "
                        "ORDER BY ord", (rid,)):
        b += "".join(text(x) for x in f)
    return sha(b)


def results(db, rid):
    b = ""
    for m in db.execute("SELECT scope, name, value, ci_low, ci_high FROM metrics WHERE run_id = ? "
                        "ORDER BY scope, name", (rid,)):
        b += text(m[0]) + text(m[1]) + real(m[2]) + real(m[3]) + real(m[4])
    for d in db.execute("SELECT name, body FROM documents WHERE run_id = ? ORDER BY name", (rid,)):
        b += "doc\n" + text(d[0]) + text(d[1])
    return sha(b)


def end(db, rid):
    res = results(db, rid)
    db.execute("UPDATE runs SET result_digest = ? WHERE id = ? AND result_digest IS NOT NULL", (res, rid))
    r = db.execute("SELECT status, finished_at, passed, result_digest, error FROM runs WHERE id = ?",
                   (rid,)).fetchone()
    return sha("end\n%s\n%s\n" % (header(db, rid), res) + "".join(text(x) for x in r))


def cache_digest(key, value):
    k = key.encode()
    return sha(b"cache\n%d:" % len(k) + k + b"\n%d:" % len(value) + value)


def drop_triggers(db):
    for (name,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'").fetchall():
        db.execute("DROP TRIGGER %s" % name)


def reseal(db):
    """Recompute every digest and link, renumbering the entries 1..n."""
    rows = db.execute("SELECT seq, at, action, run_id, digest FROM audit ORDER BY seq").fetchall()
    db.execute("DELETE FROM audit")
    prev = "0" * 64
    for i, (seq, at, action, rid, digest) in enumerate(rows, 1):
        if action == "run.begin":
            digest = header(db, rid)
        elif action in ("run.finish", "run.fail"):
            digest = end(db, rid)
        h = sha("%s\n%d\n%s\n%s\n%d\n%s" % (prev, i, at, action, rid or 0, digest))
        db.execute("INSERT INTO audit (seq, at, action, run_id, digest, prev, hash) VALUES (?,?,?,?,?,?,?)",
                   (i, at, action, rid, digest, prev, h))
        prev = h


def delete_run(db, rid):
    for t in ("metrics", "documents", "run_files"):
        db.execute("DELETE FROM %s WHERE run_id = ?" % t, (rid,))
    db.execute("DELETE FROM audit WHERE run_id = ?", (rid,))
    db.execute("DELETE FROM runs WHERE id = ?", (rid,))


def main():
    path, what = sys.argv[1], sys.argv[2]
    arg = sys.argv[3] if len(sys.argv) > 3 else None
    db = sqlite3.connect(path)
    drop_triggers(db)
    if what == "verdict":
        db.execute("UPDATE runs SET passed = 1 WHERE id = ?", (int(arg),))
    elif what == "metric":
        db.execute("UPDATE metrics SET value = value + 0.05 WHERE rowid = (SELECT rowid FROM metrics "
                   "WHERE run_id = ? AND value IS NOT NULL LIMIT 1)", (int(arg),))
    elif what == "delete":
        delete_run(db, int(arg))
    elif what == "truncate":
        k = int(arg)
        for (seq, action, rid) in db.execute("SELECT seq, action, run_id FROM audit ORDER BY seq DESC "
                                             "LIMIT ?", (k,)).fetchall():
            if action == "run.begin":
                delete_run(db, rid)
            db.execute("DELETE FROM audit WHERE seq = ?", (seq,))
        unended = "(SELECT id FROM runs WHERE id NOT IN (SELECT run_id FROM audit WHERE action IN " \
                  "('run.finish', 'run.fail')))"
        for t in ("metrics", "documents"):
            db.execute("DELETE FROM %s WHERE run_id IN %s" % (t, unended))
        db.execute("UPDATE runs SET status = 'running', finished_at = NULL, passed = NULL, "
                   "result_digest = NULL, error = NULL WHERE id IN " + unended)
    elif what == "cache":
        for (key, value) in db.execute("SELECT key, value FROM cache").fetchall():
            forged = bytes(value)[::-1]
            db.execute("UPDATE cache SET value = ? WHERE key = ?", (forged, key))
            db.execute("UPDATE audit SET digest = ? WHERE action = 'cache.put' AND digest = ?",
                       (cache_digest(key, forged), cache_digest(key, bytes(value))))
    else:
        sys.exit("unknown forgery " + what)
    reseal(db)
    db.commit()
    db.close()


if __name__ == "__main__":
    main()
