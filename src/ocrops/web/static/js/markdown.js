// A small, safe Markdown renderer for the subset ocrops writes: ATX headings, paragraphs, lists,
// GitHub pipe tables, fenced code, $$ math blocks, block quotes, rules; inline code, bold,
// italic, links (http/https only) and backslash escapes. Raw HTML is shown as text (HTML comments
// such as page markers are dropped). Nodes are built with the DOM API, never innerHTML.

import { h } from "./dom.js";

const INLINE = /(\\[\\`*_{}[\]()#+\-.!|$<>~])|(`+)([\s\S]*?[^`])\2(?!`)|\*\*([\s\S]+?)\*\*|__([\s\S]+?)__|\*([^*\s][\s\S]*?)\*|(?<![\w])_([^_\s][\s\S]*?)_(?![\w])|\[([^\]]*)\]\(([^)\s]+)\)/g;

export function renderInline(text) {
  const out = [];
  let last = 0;
  for (const match of text.matchAll(INLINE)) {
    if (match.index > last) out.push(text.slice(last, match.index));
    const [all, escaped, , code, bold1, bold2, em1, em2, linkText, href] = match;
    if (escaped) out.push(escaped.slice(1));
    else if (code !== undefined) out.push(h("code", {}, code.trim()));
    else if (bold1 || bold2) out.push(h("strong", {}, renderInline(bold1 || bold2)));
    else if (em1 || em2) out.push(h("em", {}, renderInline(em1 || em2)));
    else if (href !== undefined) {
      out.push(/^https?:\/\//i.test(href)
        ? h("a", { href, rel: "noopener noreferrer nofollow", target: "_blank" }, renderInline(linkText))
        : all);
    } else out.push(all);
    last = match.index + all.length;
  }
  if (last < text.length) out.push(text.slice(last));
  return out;
}

function splitRow(line) {
  let row = line.trim();
  if (row.startsWith("|")) row = row.slice(1);
  if (row.endsWith("|") && !row.endsWith("\\|")) row = row.slice(0, -1);
  const cells = [];
  let current = "";
  for (let i = 0; i < row.length; i += 1) {
    if (row[i] === "\\" && row[i + 1] === "|") {
      current += "|";
      i += 1;
    } else if (row[i] === "|") {
      cells.push(current.trim());
      current = "";
    } else current += row[i];
  }
  cells.push(current.trim());
  return cells;
}

const isRule = (line) => /^ {0,3}([-*_])( *\1){2,} *$/.test(line);
const isTableDivider = (line) => /^\s*\|?\s*:?-{1,}:?\s*(\|\s*:?-{1,}:?\s*)*\|?\s*$/.test(line) && line.includes("-");
const LIST_ITEM = /^(\s*)([-*+]|\d{1,9}[.)])\s+(.*)$/;

function table(lines, start) {
  const header = splitRow(lines[start]);
  const body = [];
  let i = start + 2;
  while (i < lines.length && lines[i].includes("|") && lines[i].trim()) {
    body.push(splitRow(lines[i]));
    i += 1;
  }
  const el = h("table", {},
    h("thead", {}, h("tr", {}, header.map((cell) => h("th", { scope: "col" }, renderInline(cell))))),
    h("tbody", {}, body.map((row) => h("tr", {}, header.map((_, c) => h("td", {}, renderInline(row[c] || "")))))));
  return { el: h("div", { class: "table-wrap" }, el), next: i };
}

function list(lines, start) {
  const ordered = /\d/.test(LIST_ITEM.exec(lines[start])[2]);
  const el = h(ordered ? "ol" : "ul");
  let i = start;
  while (i < lines.length) {
    const match = LIST_ITEM.exec(lines[i]);
    if (!match) break;
    const depth = Math.floor(match[1].length / 2);
    el.append(h("li", { class: depth ? `depth-${Math.min(depth, 5)}` : undefined }, renderInline(match[3])));
    i += 1;
  }
  return { el, next: i };
}

export function renderMarkdown(source) {
  const root = h("div", { class: "markdown" });
  const lines = (source || "").replace(/\r\n?/g, "\n").replace(/<!--[\s\S]*?-->/g, "").split("\n");
  let i = 0;
  while (i < lines.length) {
    const line = lines[i];
    if (!line.trim()) {
      i += 1;
      continue;
    }
    const fence = /^\s*(```|~~~|\$\$)/.exec(line);
    if (fence) {
      const body = [];
      i += 1;
      while (i < lines.length && !lines[i].trim().startsWith(fence[1])) body.push(lines[(i += 1) - 1]);
      i += 1;
      root.append(h("pre", { class: fence[1] === "$$" ? "math" : "code" }, h("code", {}, body.join("\n"))));
      continue;
    }
    const heading = /^ {0,3}(#{1,6})\s+(.*?)\s*#*\s*$/.exec(line);
    if (heading) {
      root.append(h(`h${heading[1].length}`, {}, renderInline(heading[2])));
      i += 1;
      continue;
    }
    if (isRule(line)) {
      root.append(h("hr"));
      i += 1;
      continue;
    }
    if (line.includes("|") && i + 1 < lines.length && isTableDivider(lines[i + 1])) {
      const { el, next } = table(lines, i);
      root.append(el);
      i = next;
      continue;
    }
    if (LIST_ITEM.test(line)) {
      const { el, next } = list(lines, i);
      root.append(el);
      i = next;
      continue;
    }
    if (/^\s*>/.test(line)) {
      const body = [];
      while (i < lines.length && /^\s*>/.test(lines[i])) body.push(lines[(i += 1) - 1].replace(/^\s*> ?/, ""));
      root.append(h("blockquote", {}, Array.from(renderMarkdown(body.join("\n")).childNodes)));
      continue;
    }
    const paragraph = [];
    while (i < lines.length && lines[i].trim() && !/^\s*(#{1,6}\s|```|~~~|\$\$|>)/.test(lines[i]) && !LIST_ITEM.test(lines[i])) {
      paragraph.push(lines[i].trim());
      i += 1;
    }
    if (!paragraph.length) {
      paragraph.push(line.trim());
      i += 1;
    }
    root.append(h("p", {}, renderInline(paragraph.join("\n"))));
  }
  return root;
}
