// Character-level diff (Myers' O(ND) algorithm) for the compare views.
// diff(a, b) -> [[op, text], ...] with op "=" (both), "-" (only in a), "+" (only in b).
// Texts that differ too much for a character diff to be cheap fall back to a line diff.

import { h } from "./dom.js";

const MAX_EDITS = 4000; // Myers keeps O(D^2) state; beyond this, diff lines instead

// The shortest edit script between two sequences; null when it needs more than maxEdits edits.
function myers(a, b, maxEdits) {
  const n = a.length;
  const m = b.length;
  const max = Math.min(n + m, maxEdits);
  const offset = max + 1;
  const v = new Int32Array(2 * max + 3);
  const trace = [];
  for (let d = 0; d <= max; d += 1) {
    trace.push(v.slice(offset - d - 1, offset + d + 2));
    for (let k = -d; k <= d; k += 2) {
      let x;
      if (k === -d || (k !== d && v[offset + k - 1] < v[offset + k + 1])) x = v[offset + k + 1];
      else x = v[offset + k - 1] + 1;
      let y = x - k;
      while (x < n && y < m && a[x] === b[y]) {
        x += 1;
        y += 1;
      }
      v[offset + k] = x;
      if (x >= n && y >= m) return backtrack(trace, n, m, d);
    }
  }
  return null;
}

// Walk the saved frontiers back from (n, m) to (0, 0); returns ops on single items.
function backtrack(trace, n, m, dFinal) {
  const ops = [];
  let x = n;
  let y = m;
  for (let d = dFinal; d > 0; d -= 1) {
    const v = trace[d]; // frontier before step d, indices k in [-d-1, d+1] stored from 0
    const at = (k) => v[k + d + 1];
    const k = x - y;
    const prevK = k === -d || (k !== d && at(k - 1) < at(k + 1)) ? k + 1 : k - 1;
    const prevX = at(prevK);
    const prevY = prevX - prevK;
    while (x > prevX && y > prevY) {
      ops.push(["=", x - 1]);
      x -= 1;
      y -= 1;
    }
    if (x === prevX) ops.push(["+", y - 1]);
    else ops.push(["-", x - 1]);
    x = prevX;
    y = prevY;
  }
  while (x > 0 && y > 0) {
    ops.push(["=", x - 1]);
    x -= 1;
    y -= 1;
  }
  return ops.reverse();
}

function merge(parts) {
  const out = [];
  for (const [op, text] of parts) {
    if (!text) continue;
    const last = out[out.length - 1];
    if (last && last[0] === op) last[1] += text;
    else out.push([op, text]);
  }
  return out;
}

function diffItems(a, b, join) {
  const ops = myers(a, b, MAX_EDITS);
  if (ops === null) return null;
  return ops.map(([op, index]) => [op, join(op === "+" ? b[index] : a[index])]);
}

export function diff(a, b) {
  a = a || "";
  b = b || "";
  let start = 0;
  while (start < a.length && start < b.length && a[start] === b[start]) start += 1;
  let endA = a.length;
  let endB = b.length;
  while (endA > start && endB > start && a[endA - 1] === b[endB - 1]) {
    endA -= 1;
    endB -= 1;
  }
  const head = [["=", a.slice(0, start)]];
  const tail = [["=", a.slice(endA)]];
  const midA = Array.from(a.slice(start, endA));
  const midB = Array.from(b.slice(start, endB));
  let middle = diffItems(midA, midB, (c) => c);
  if (middle === null) {
    const linesA = a.slice(start, endA).split(/(?<=\n)/);
    const linesB = b.slice(start, endB).split(/(?<=\n)/);
    middle = diffItems(linesA, linesB, (line) => line) || [["-", a.slice(start, endA)], ["+", b.slice(start, endB)]];
  }
  return merge([...head, ...middle, ...tail]);
}

export function diffStats(ops) {
  const stats = { same: 0, removed: 0, added: 0 };
  for (const [op, text] of ops) {
    const size = Array.from(text).length;
    if (op === "=") stats.same += size;
    else if (op === "-") stats.removed += size;
    else stats.added += size;
  }
  return stats;
}

// One side of a side-by-side diff: "a" shows equal + removed text, "b" equal + added text.
export function renderSide(ops, side) {
  const pre = h("pre", { class: "diff" });
  for (const [op, text] of ops) {
    if (op === "=") pre.append(text);
    else if (op === "-" && side === "a") pre.append(h("del", { title: "only on this side" }, text));
    else if (op === "+" && side === "b") pre.append(h("ins", { title: "only on this side" }, text));
  }
  return pre;
}

export function renderUnified(ops) {
  const pre = h("pre", { class: "diff" });
  for (const [op, text] of ops) {
    if (op === "=") pre.append(text);
    else pre.append(h(op === "-" ? "del" : "ins", {}, text));
  }
  return pre;
}
