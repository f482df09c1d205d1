// The reviewer's edits over an engine cut, mirrored from the server's rules (roughy.cuts.edits):
// keep/remove intervals that never overlap; kept = base kept − removes + keeps. Times are integer
// microseconds; the API speaks decimal-second strings.

export function us(text) {
  const [whole, frac = ""] = String(text).split(".");
  return Number(whole) * 1e6 + Number((frac + "000000").slice(0, 6));
}

export function secs(micro) {
  const whole = Math.floor(micro / 1e6);
  return `${whole}.${String(micro - whole * 1e6).padStart(6, "0")}`;
}

function subtract(spans, [a, b]) {
  const out = [];
  for (const [s, e] of spans) {
    if (e <= a || s >= b) { out.push([s, e]); continue; }
    if (s < a) out.push([s, a]);
    if (e > b) out.push([b, e]);
  }
  return out;
}

function union(spans) {
  const out = [];
  for (const [s, e] of [...spans].sort((x, y) => x[0] - y[0])) {
    const last = out[out.length - 1];
    if (last && s <= last[1]) last[1] = Math.max(last[1], e); else out.push([s, e]);
  }
  return out;
}

export class EditModel {
  constructor(cut) {
    this.duration = us(cut.source_duration_seconds);
    this.baseKept = cut.kept_segments.map((s) => [us(s.start), us(s.end)]);
    const span = (suggested) => (s) => ({ start: us(s.start), end: us(s.end), kind: s.kind, reason: s.reason,
      confidence: s.confidence, pass: s.pass, suggested });
    this.removed = cut.removed_spans.map(span(false));
    this.suggested = (cut.suggested_spans || []).map(span(true));
    this.edits = [];
    this.history = [];
    this.cache = null;
  }

  load(edits) {
    this.edits = edits.map((e) => ({ start: us(e.start), end: us(e.end), action: e.action }));
    this.cache = null;
  }

  set(start, end, action) {
    if (end <= start) return;
    this.history.push(this.edits.map((e) => ({ ...e })));
    const rest = [];
    for (const edit of this.edits) {
      for (const [s, e] of subtract([[edit.start, edit.end]], [start, end])) rest.push({ ...edit, start: s, end: e });
    }
    rest.push({ start, end, action });
    this.edits = rest.sort((x, y) => x.start - y.start);
    this.cache = null;
  }

  undo() {
    if (!this.history.length) return false;
    this.edits = this.history.pop();
    this.cache = null;
    return true;
  }

  kept() {
    if (this.cache) return this.cache;
    let kept = this.baseKept.map((s) => [...s]);
    for (const e of this.edits) if (e.action === "remove") kept = subtract(kept, [e.start, e.end]);
    kept = union([...kept, ...this.edits.filter((e) => e.action === "keep").map((e) => [e.start, e.end])]);
    this.cache = kept;
    return kept;
  }

  keptDuration() { return this.kept().reduce((sum, [s, e]) => sum + (e - s), 0); }

  /** Microseconds of [start, end) that the current edit keeps. */
  keptWithin(start, end) {
    let total = 0;
    for (const [s, e] of this.kept()) total += Math.max(0, Math.min(e, end) - Math.max(s, start));
    return total;
  }

  isKept(t) {
    const kept = this.kept();
    let lo = 0; let hi = kept.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (kept[mid][1] <= t) lo = mid + 1; else if (kept[mid][0] > t) hi = mid - 1; else return true;
    }
    return false;
  }

  editCovering(start, end) {
    return this.edits.find((e) => e.start <= start && e.end >= end) || null;
  }

  /** What to walk through: the engine's removals and suggestions, then the reviewer's own removals. */
  decisions() {
    const engine = [...this.removed, ...this.suggested];
    const own = this.edits.filter((e) => e.action === "remove" &&
      !engine.some((d) => d.start <= e.start && d.end >= e.end))
      .map((e) => ({ start: e.start, end: e.end, kind: "manual", reason: "Removed by you.", confidence: 1,
        pass: "reviewer", suggested: false, own: true }));
    return [...engine, ...own].sort((a, b) => a.start - b.start || a.end - b.end);
  }

  status(d) {
    const kept = this.keptWithin(d.start, d.end);
    const length = d.end - d.start;
    if (d.own) return "Removed by you";
    if (d.suggested) {
      if (kept === 0) return "Suggestion accepted: removed";
      return this.editCovering(d.start, d.end) ? "Suggestion rejected: kept" : "Suggested: not decided yet";
    }
    if (kept === 0) return "Removed by Roughy";
    return kept >= length ? "Restored by you: kept" : "Partly restored by you";
  }

  toApi() { return this.edits.map((e) => ({ start: secs(e.start), end: secs(e.end), action: e.action })); }
  signature() { return JSON.stringify(this.toApi()); }
}
