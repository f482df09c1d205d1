"""Feeding hundreds of kept pieces from one decoded stream without cloning every frame hundreds
of times: the split of the render's filter graph, as a tree when there are many pieces."""

from __future__ import annotations

SPLIT_FANOUT = 24
"""Most branches one split feeds. A split clones every frame into each of its open branches, so
one split into hundreds of kept pieces (an hour with a cut every few seconds) costs hundreds of
clones per source frame; above this many pieces they are split in groups (a first split into
the groups, each trimmed to its pieces' range, then a split per group into its pieces)."""


def _groups(ranges: list[tuple[int, int]]) -> list[list[int]]:
    """Indices of `ranges` in consecutive groups of at most SPLIT_FANOUT (one group if few)."""
    size = len(ranges) if len(ranges) <= SPLIT_FANOUT else SPLIT_FANOUT
    return [list(range(i, min(i + size, len(ranges)))) for i in range(0, len(ranges), size)]


def _group_origin(ranges: list[tuple[int, int]], group: list[int], grouped: bool) -> int:
    return min(ranges[i][0] for i in group) if grouped else 0


def split_tree(
    source: str, kind: str, ranges: list[tuple[int, int]], trim: str, unit: str, setpts: str
) -> list[str]:
    """Filter chains feeding `[{kind}{i}]` for each range: `source` (a chain ending in `,` or an
    input label) split once, or in groups (see SPLIT_FANOUT), each group trimmed to its range."""
    groups = _groups(ranges)
    if len(groups) == 1:
        outs = "".join(f"[{kind}{i}]" for i in groups[0])
        return [f"{source}{'a' if kind == 'a' else ''}split={len(ranges)}{outs}"]
    split = "asplit" if kind == "a" else "split"
    heads = "".join(f"[{kind}g{g}]" for g in range(len(groups)))
    chains = [f"{source}{split}={len(groups)}{heads}"]
    for g, group in enumerate(groups):
        start, end = _group_origin(ranges, group, True), max(ranges[i][1] for i in group)
        outs = "".join(f"[{kind}{i}]" for i in group)
        chains.append(
            f"[{kind}g{g}]{trim}=start_{unit}={start}:end_{unit}={end},"
            f"{setpts}=PTS-STARTPTS,{split}={len(group)}{outs}"
        )
    return chains


def leaf_ranges(ranges: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Each range relative to the start of its group's branch (see `split_tree`)."""
    groups = _groups(ranges)
    grouped = len(groups) > 1
    out: list[tuple[int, int]] = []
    for group in groups:
        origin = _group_origin(ranges, group, grouped)
        out += [(ranges[i][0] - origin, ranges[i][1] - origin) for i in group]
    return out
