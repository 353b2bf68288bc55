#!/usr/bin/env python3
"""Run every migration statement and every dashboard query on a ClickHouse
engine, in a fresh database, and report each failure by file and statement.

Engines:
  chdb (default)              current ClickHouse, in-process (PyPI package chdb)
  --client PORT               a clickhouse-server through clickhouse-client
                              (the local 18.16 on port 9000)

Migrations (warehouse/migrations/*.sql), and the generated SQL in
projector/testdata/check_*.sql and dashboard/testdata/check_*.sql after
them, are split exactly as the Go code splits them
(warehouse.SplitStatements): on semicolons that end a line, comment-only
lines dropped. Dashboard queries (dashboard/queries/*.sql) get
each sample of their {{placeholders}} (see PLACEHOLDERS) and sample literals
for their ? parameters (see PARAMS), and run against the migrated, empty
tables. Exit status 1 when anything failed.
"""
import argparse
import glob
import itertools
import os
import re
import subprocess
import sys
import uuid

# Samples for the dashboard's whitelisted expressions. A new placeholder
# must be added here, or the check fails naming it.
PLACEHOLDERS = {
    "bucket": ["day", "toMonday(day)", "toStartOfMonth(day)", "toStartOfQuarter(day)"],
    "key": ["''", "commune_code"],
    "where": ["1"],
    "text": ["text"],
    "order": ["occurred_at DESC", "sentiment_label = '', sentiment_score ASC, occurred_at DESC, aggregate_id"],
    "rollup": ["feedback_commune_daily", "feedback_topic_channel_daily", "feedback_cell_daily", "feedback_cell_monthly",
               "feedback_commune_monthly", "feedback_topic_channel_monthly"],
    "cut": ["toUInt32(occurred_at)", "toUInt8(sentiment_label = ''), toFloat64(sentiment_score)"],
}

# Combinations of samples the dashboard never builds, skipped: it never
# groups feedback_topic_channel_daily (no commune column) by commune (see
# rollup in dashboard/data.go).
NEVER = [
    {"rollup": "feedback_topic_channel_daily", "key": "commune_code"},
    {"rollup": "feedback_topic_channel_monthly", "key": "commune_code"},
]

# Sample literals for the ? parameters, in order, per query file; other
# files get 0 for every ?.
PARAMS = {
    "case_events.sql": ["'F-1'"],
    "case_rescores.sql": ["'F-1'"],
    "case_status.sql": ["['F-1']"],
    "feedback_list.sql": ["0", "10"],
    "feedback_list_scores.sql": ["0", "10"],
    "feedback_search_list.sql": ["0", "10"],
    "feedback_search_count.sql": ["10001"],
    "list_rows.sql": ["['F-1']"],
    "commune_days.sql": [],
    "cell_months.sql": [],
    "list_index.sql": [],
    "issue_days.sql": [],
    "list_term.sql": ["'rac'"],
    "feedback_cut.sql": ["9"],
    "hotspots.sql": ["1767225600", "1766620800", "1767225600"],
    "hotspot_windows.sql": ["1767225600", "1766534400", "1767225600"],
    "commitments_grouped.sql": ["1767225600"],
    "feedback_volume.sql": ["'2026-01-01'", "'2026-03-31'"],
}


def split_statements(sql):
    out, cur = [], []
    for line in sql.split("\n"):
        t = line.strip()
        if not t or t.startswith("--"):
            continue
        cur.append(line)
        if t.endswith(";"):
            out.append("\n".join(cur).strip().rstrip(";"))
            cur = []
    rest = "\n".join(cur).strip()
    if rest:
        out.append(rest)
    return out


def strip_comments(sql):
    return "\n".join(l for l in sql.split("\n") if not l.strip().startswith("--")).strip().rstrip(";")


class Chdb:
    name = "chdb"

    def __init__(self, db):
        import chdb
        from chdb import session
        self.version = chdb.__version__
        self.sess = session.Session()
        self.db = db
        self.sess.query(f"CREATE DATABASE IF NOT EXISTS {db}")
        try:
            self.server_version = self.sess.query("SELECT version()", "CSV").data().strip().strip('"')
        except Exception:  # pragma: no cover
            self.server_version = "?"

    def run(self, sql):
        self.sess.query(f"USE {self.db}")
        res = self.sess.query(sql, "CSV")
        err = getattr(res, "error_message", None)
        if callable(err):
            err = err()
        if err:
            raise RuntimeError(err)


class Client:
    name = "clickhouse-client"

    def __init__(self, db, port):
        self.db, self.port = db, port
        self._q(f"CREATE DATABASE IF NOT EXISTS {db}", None)
        self.server_version = self._q("SELECT version()", None).strip()

    def _q(self, sql, db):
        cmd = ["clickhouse-client", "--port", str(self.port), "--query", sql]
        if db:
            cmd += ["--database", db]
        p = subprocess.run(cmd, capture_output=True, text=True)
        if p.returncode != 0:
            raise RuntimeError(p.stderr.strip() or p.stdout.strip())
        return p.stdout

    def run(self, sql):
        self._q(sql, self.db)

    def drop(self):
        try:
            self._q(f"DROP DATABASE IF EXISTS {self.db}", None)
        except RuntimeError:
            pass


def first_line(s):
    line = s.strip().split("\n")[0]
    return line if len(line) <= 100 else line[:100] + "…"


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--root", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
    ap.add_argument("--client", metavar="PORT", help="check a clickhouse-server through clickhouse-client on this port instead of chdb")
    args = ap.parse_args()
    root = os.path.abspath(args.root)
    db = "dvcheck_" + uuid.uuid4().hex[:8]
    eng = Client(db, args.client) if args.client else Chdb(db)
    failures = []
    ran = 0
    try:
        for path in sorted(glob.glob(os.path.join(root, "warehouse/migrations/*.sql"))):
            rel = os.path.relpath(path, root)
            for i, st in enumerate(split_statements(open(path, encoding="utf-8").read()), 1):
                ran += 1
                try:
                    eng.run(st)
                except Exception as e:  # noqa: BLE001
                    failures.append(f"{rel}, statement {i} ({first_line(st)}):\n    {str(e).strip()[:600]}")
        # Generated SQL that the Go code sends as is (kept equal to the code
        # by Go tests, e.g. projector TestRescoreSQLFile, dashboard
        # TestSearchSQLFile): split like the migrations and run after them.
        for path in sorted(glob.glob(os.path.join(root, "projector/testdata/check_*.sql")) +
                           glob.glob(os.path.join(root, "dashboard/testdata/check_*.sql"))):
            rel = os.path.relpath(path, root)
            for i, st in enumerate(split_statements(open(path, encoding="utf-8").read()), 1):
                ran += 1
                try:
                    eng.run(st)
                except Exception as e:  # noqa: BLE001
                    failures.append(f"{rel}, statement {i} ({first_line(st)}):\n    {str(e).strip()[:600]}")
        for path in sorted(glob.glob(os.path.join(root, "dashboard/queries/*.sql"))):
            rel, base = os.path.relpath(path, root), os.path.basename(path)
            sql = strip_comments(open(path, encoding="utf-8").read())
            names = sorted(set(re.findall(r"\{\{(\w+)\}\}", sql)))
            unknown = [n for n in names if n not in PLACEHOLDERS]
            if unknown:
                failures.append(f"{rel}: placeholder(s) {', '.join(unknown)} have no sample in deploy/check/chdb_check.py PLACEHOLDERS")
                continue
            params = PARAMS.get(base, [])
            for combo in itertools.product(*[PLACEHOLDERS[n] for n in names]):
                chosen = dict(zip(names, combo))
                if any(all(chosen.get(k) == v for k, v in nv.items()) for nv in NEVER):
                    continue
                q = sql
                for n, v in zip(names, combo):
                    q = q.replace("{{" + n + "}}", v)
                it = iter(params)
                q = re.sub(r"\?", lambda m: next(it, "0"), q)
                ran += 1
                try:
                    eng.run(q)
                except Exception as e:  # noqa: BLE001
                    label = ", ".join(f"{n}={v}" for n, v in zip(names, combo)) or "as is"
                    failures.append(f"{rel} ({label}):\n    {str(e).strip()[:600]}")
    finally:
        if isinstance(eng, Client):
            eng.drop()
    print(f"{eng.name} (ClickHouse {eng.server_version}): {ran} statements and queries, {len(failures)} failed")
    for f in failures:
        print("FAIL " + f)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
