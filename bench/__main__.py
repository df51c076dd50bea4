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


def _sizes(text: str) -> list[int]:
    """``100000,1000000`` as a list of sizes."""
    return [int(part.replace("_", "")) for part in text.split(",") if part.strip()]


def _review(results: dict, args: argparse.Namespace) -> None:
    """The review pages at each size, on SQLite and (with DOTS_BENCH_DATABASE_URL) PostgreSQL."""
    postgres = os.environ.get("DOTS_BENCH_DATABASE_URL")
    for name, url in (("sqlite", None), ("postgresql", postgres)):
        if name == "postgresql" and not url:
            continue
        section = results.setdefault(f"server_{name}", {})
        for size in args.requests:
            section[str(size)] = server.run(url, size, args.due, fresh=args.fresh)
            _table(f"review and sweeper, {name}, {size:,} requests", section[str(size)])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--requests",
        type=_sizes,
        default=[100_000, 1_000_000],
        help="requests to seed, one review benchmark per size (default: 100000,1000000)",
    )
    parser.add_argument("--due", type=int, default=10_000, help="overdue ones to sweep")
    parser.add_argument(
        "--fresh", action="store_true", help="seed again instead of reusing bench/.data"
    )
    parser.add_argument("--skip-browser", action="store_true")
    parser.add_argument(
        "--only",
        choices=["throughput"],
        help="run only this section (the other sections of results.json are kept)",
    )
    parser.add_argument("--seconds", type=int, default=3, help="each throughput run's length")
    parser.add_argument("--review-only", action="store_true", help="only the review benchmarks")
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
    if args.review_only:
        _review(results, args)
        RESULTS.write_text(json.dumps(results, indent=2) + "\n")
        return
    results["assets"] = assets.run()
    for name, sizes in results["assets"].items():
        _table(f"{name} bytes", sizes)
    if not args.skip_browser:
        from bench import browser

        results["browser"] = browser.run()
        for name, section in results["browser"].items():
            if isinstance(section, dict):
                _table(f"browser, {name.replace('_', ' of ')} products (medians)", section)
    _review(results, args)
    postgres = os.environ.get("DOTS_BENCH_DATABASE_URL")
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
