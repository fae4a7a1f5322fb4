"""The one table layout every benchmark prints: metric, value, note."""

from __future__ import annotations

Row = tuple[str, str, str]


def print_rows(rows: list[Row]) -> None:
    width = max(len(r[0]) for r in rows)
    vwidth = max(len(r[1]) for r in rows)
    print(f"{'metric':<{width}}  {'value':>{vwidth}}  note")
    print(f"{'-' * width}  {'-' * vwidth}  ----")
    for metric, value, note in rows:
        print(f"{metric:<{width}}  {value:>{vwidth}}  {note}")
    print(flush=True)
