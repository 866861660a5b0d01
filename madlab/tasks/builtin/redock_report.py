"""Success rates of a redocking benchmark, and their JSON and markdown reports.

A run gives one entry per complex and seed (top-1 and best RMSD to the crystal
pose, score, time). Per seed, the top-1 success rate counts complexes whose
top-ranked pose is within the threshold, and the best-of-N rate those with any
returned pose within it; both are then averaged over the seeds. A complex that
failed counts as a failure (it is in the denominator).
"""

from __future__ import annotations

import json
import statistics
from collections.abc import Sequence
from pathlib import Path
from typing import Any

__all__ = ["markdown_report", "summarize", "write_reports"]


def _rate(hits: int, total: int) -> float:
    return round(hits / total, 4) if total else 0.0


def summarize(entries: Sequence[dict[str, Any]], threshold: float) -> dict[str, Any]:
    """Success rates per seed, and their mean, from a benchmark's entries.

    Parameters
    ----------
    entries
        One per complex and seed, with ``seed``, ``top1_rmsd``, ``best_rmsd``
        and ``seconds`` (``None`` RMSDs for failures).
    threshold
        Success threshold in Å.

    Returns
    -------
    dict
        ``per_seed`` (seed, complexes, top-1 and best-of-N successes and
        rates, mean time), ``top1_rate_mean`` and ``best_rate_mean`` over the
        seeds, ``top1_rate_stdev`` (0 for one seed), and ``threshold``.
    """
    seeds: list[Any] = []
    for e in entries:
        if e.get("seed") not in seeds:
            seeds.append(e.get("seed"))
    per_seed = []
    for seed in seeds:
        rows = [e for e in entries if e.get("seed") == seed]
        top1 = sum(1 for e in rows if e["top1_rmsd"] is not None and e["top1_rmsd"] < threshold)
        best = sum(1 for e in rows if e["best_rmsd"] is not None and e["best_rmsd"] < threshold)
        per_seed.append(
            {
                "seed": seed,
                "complexes": len(rows),
                "top1_success": top1,
                "top1_rate": _rate(top1, len(rows)),
                "best_success": best,
                "best_rate": _rate(best, len(rows)),
                "errors": sum(1 for e in rows if e.get("error")),
                "mean_seconds": round(statistics.fmean(e["seconds"] for e in rows), 3)
                if rows
                else 0.0,
            }
        )
    top1_rates = [s["top1_rate"] for s in per_seed]
    best_rates = [s["best_rate"] for s in per_seed]
    return {
        "threshold": threshold,
        "per_seed": per_seed,
        "top1_rate_mean": round(statistics.fmean(top1_rates), 4) if top1_rates else 0.0,
        "top1_rate_stdev": round(statistics.stdev(top1_rates), 4) if len(top1_rates) > 1 else 0.0,
        "best_rate_mean": round(statistics.fmean(best_rates), 4) if best_rates else 0.0,
    }


def _cell(value: Any, digits: int = 2) -> str:
    if value is None:
        return "–"
    if isinstance(value, float):
        return f"{value:.{digits}f}"
    return str(value)


def markdown_report(report: dict[str, Any]) -> str:
    """A markdown page of a benchmark's output: settings, rates per seed, and every entry."""
    summary = report["summary"]
    lines = [
        f"# Redocking: {report.get('engine', '')} ({report.get('backend', '')})",
        "",
        f"Complexes: {report.get('set', '')}; exhaustiveness {report.get('exhaustiveness')}; "
        f"seeds {', '.join(str(s) for s in report.get('seeds', []))}; success: top-1 pose "
        f"within {summary['threshold']:g} Å of the crystal pose (symmetry-corrected "
        "heavy-atom RMSD).",
        "",
        "| seed | complexes | top-1 success | best-of-N success | errors | mean time (s) |",
        "|---|---|---|---|---|---|",
    ]
    for s in summary["per_seed"]:
        lines.append(
            f"| {s['seed']} | {s['complexes']} | {s['top1_success']} ({s['top1_rate']:.0%}) | "
            f"{s['best_success']} ({s['best_rate']:.0%}) | {s['errors']} | "
            f"{s['mean_seconds']:.1f} |"
        )
    lines += [
        f"| **mean** | | **{summary['top1_rate_mean']:.0%}** | "
        f"**{summary['best_rate_mean']:.0%}** | | |",
        "",
        "| complex | seed | top-1 RMSD (Å) | best RMSD (Å) | score | time (s) | error |",
        "|---|---|---|---|---|---|---|",
    ]
    for e in report["complexes"]:
        error = (e.get("error") or "").replace("|", "/")
        lines.append(
            f"| {e['complex']} | {_cell(e.get('seed'))} | {_cell(e['top1_rmsd'])} | "
            f"{_cell(e['best_rmsd'])} | {_cell(e['score'])} | {_cell(e['seconds'], 1)} | "
            f"{error} |"
        )
    return "\n".join(lines) + "\n"


def write_reports(report: dict[str, Any], out: Path) -> tuple[Path, Path]:
    """Write the report as JSON at ``out`` (``.json`` added if missing) and markdown beside it."""
    json_path = out if out.suffix == ".json" else out.with_suffix(".json")
    json_path.parent.mkdir(parents=True, exist_ok=True)
    json_path.write_text(json.dumps(report, indent=2, default=str))
    md_path = json_path.with_suffix(".md")
    md_path.write_text(markdown_report(report))
    return json_path, md_path
