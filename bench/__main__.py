"""Run every benchmark, print a table, write bench/results.json.

These are measurements, not tests: nothing here fails on a slow machine.
Medians are quoted because these machines are noisy.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
from datetime import UTC, datetime
from pathlib import Path

from bench import assets, lookup, server, throughput

RESULTS = Path(__file__).parent / "results.json"


def _table(title: str, rows: dict) -> None:
    print(f"\n{title}")
    width = max(len(str(k)) for k in rows)
    for key, value in rows.items():
        print(f"  {key:<{width}}  {value}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=100_000, help="requests to seed")
    parser.add_argument("--due", type=int, default=10_000, help="overdue ones to sweep")
    parser.add_argument("--skip-browser", action="store_true")
    parser.add_argument(
        "--only",
        choices=["throughput"],
        help="run only this section (the other sections of results.json are kept)",
    )
    parser.add_argument("--seconds", type=int, default=5, help="each throughput run's length")
    args = parser.parse_args()
    if args.only == "throughput":
        results = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
        results["throughput"] = _throughput(args.seconds)
        RESULTS.write_text(json.dumps(results, indent=2) + "\n")
        print(f"\nWritten to {RESULTS}")
        return

    results: dict = {
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores",
        "python": platform.python_version(),
    }
    results["assets"] = assets.run()
    for name, sizes in results["assets"].items():
        _table(f"{name} bytes", sizes)
    if not args.skip_browser:
        from bench import browser

        results["browser"] = browser.run()
        for name, section in results["browser"].items():
            if isinstance(section, dict):
                _table(f"browser, {name.replace('_', ' of ')} products (medians)", section)
    results["server_sqlite"] = server.run(None, args.requests, args.due)
    _table("review and sweeper, SQLite", results["server_sqlite"])
    postgres = os.environ.get("DOTS_BENCH_DATABASE_URL")
    if postgres:
        results["server_postgresql"] = server.run(postgres, args.requests, args.due)
        _table("review and sweeper, PostgreSQL", results["server_postgresql"])
    results["lookup_sqlite"] = lookup.run(None)
    _table("product lookup, 50 keys at 10,000 products, SQLite", results["lookup_sqlite"])
    if postgres:
        results["lookup_postgresql"] = lookup.run(postgres)
        _table(
            "product lookup, 50 keys at 10,000 products, PostgreSQL", results["lookup_postgresql"]
        )
    results["throughput"] = _throughput(args.seconds)
    RESULTS.write_text(json.dumps(results, indent=2) + "\n")
    print(f"\nWritten to {RESULTS}")


def _throughput(seconds: int) -> dict:
    section = throughput.run(seconds)
    section["machine"] = f"{platform.machine()}, {os.cpu_count()} cores"
    section["when"] = datetime.now(UTC).isoformat(timespec="seconds")
    _table("throughput under wrk, req/s (Dots vs a bare Flask route)", section)
    return section


if __name__ == "__main__":
    main()
