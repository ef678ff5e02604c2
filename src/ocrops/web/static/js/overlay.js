// Boxes of a result page (blocks, lines, words) drawn as SVG over the page image, coloured by
// confidence. Coordinates are the page's pixels at its DPI; the SVG viewBox is the page size, so
// the overlay scales with the image whatever size the image is shown at.

import { confidenceColour, svg } from "./dom.js";

export const LEVELS = ["block", "line", "word"];

function mean(values) {
  const present = values.filter((v) => v !== null && v !== undefined);
  return present.length ? present.reduce((a, b) => a + b, 0) / present.length : null;
}

export function lineConfidence(line) {
  if (line.confidence !== null && line.confidence !== undefined) return line.confidence;
  return mean((line.words || []).map((w) => w.confidence));
}

function blockConfidence(block) {
  if (block.confidence !== null && block.confidence !== undefined) return block.confidence;
  return mean((block.lines || []).map(lineConfidence));
}

export function lineText(line) {
  return (line.words || []).map((w) => w.text).filter(Boolean).join(" ");
}

// Lines in the order the server numbers them (blocks by reading order, then their lines).
export function pageLines(page) {
  const blocks = [...(page.blocks || [])].sort((a, b) => (a.order || 0) - (b.order || 0));
  return blocks.flatMap((block) => block.lines || []);
}

function rect(box, colour, label, extra = {}) {
  const el = svg("rect", {
    x: box.x0, y: box.y0, width: Math.max(0, box.x1 - box.x0), height: Math.max(0, box.y1 - box.y0),
    stroke: colour, fill: colour, ...extra,
  });
  const title = svg("title");
  title.textContent = label;
  el.append(title);
  return el;
}

function pct(confidence) {
  return confidence === null || confidence === undefined ? "confidence unknown" : `confidence ${(confidence * 100).toFixed(0)} %`;
}

// -> {element, show(level, visible), highlight(lineIndex)}
export function drawOverlay(page, visible = { block: false, line: true, word: false }) {
  const root = svg("svg", {
    class: "overlay", viewBox: `0 0 ${page.width || 1} ${page.height || 1}`, preserveAspectRatio: "none",
    "aria-hidden": "true", focusable: "false",
  });
  const groups = Object.fromEntries(LEVELS.map((level) => [level, svg("g", { class: level })]));
  const lineRects = [];
  const blocks = [...(page.blocks || [])].sort((a, b) => (a.order || 0) - (b.order || 0));
  for (const block of blocks) {
    if (block.bbox) {
      const confidence = blockConfidence(block);
      groups.block.append(rect(block.bbox, confidenceColour(confidence), `${block.kind} block · ${pct(confidence)}`));
    }
    for (const line of block.lines || []) {
      const confidence = lineConfidence(line);
      const el = line.bbox ? rect(line.bbox, confidenceColour(confidence), `${lineText(line)} · ${pct(confidence)}`) : null;
      if (el) groups.line.append(el);
      lineRects.push(el);
      for (const word of line.words || []) {
        if (word.bbox) groups.word.append(rect(word.bbox, confidenceColour(word.confidence), `${word.text} · ${pct(word.confidence)}`));
      }
    }
  }
  // blocks below lines below words, so the finest boxes stay on top
  for (const level of LEVELS) root.append(groups[level]);
  function show(level, on) {
    if (on) groups[level].removeAttribute("display");
    else groups[level].setAttribute("display", "none");
  }
  for (const level of LEVELS) show(level, Boolean(visible[level]));
  let highlighted = null;
  return {
    element: root,
    show,
    counts: Object.fromEntries(LEVELS.map((level) => [level, groups[level].childElementCount])),
    highlight(index) {
      if (highlighted) highlighted.classList.remove("highlight");
      highlighted = index === null || index === undefined ? null : lineRects[index] || null;
      if (highlighted) highlighted.classList.add("highlight");
    },
  };
}
