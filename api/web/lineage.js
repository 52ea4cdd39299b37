// The lineage graph: a layered layout of our own (no library) drawn as SVG.
//
// The API gives each node a level: negative for sources, 0 for the asset asked about, positive for derived
// products. Levels become columns from left to right; within a column, nodes are ordered by the barycentre
// of their neighbours in the adjacent columns (a few sweeps each way), which removes most crossings in the
// small graphs lineage produces; then columns are centred vertically.

import { s } from "./dom.js";

export const NODE_WIDTH = 230;
export const NODE_HEIGHT = 58;
export const COLUMN_GAP = 110;
export const ROW_GAP = 22;
export const MARGIN = 16;

/** Positions for the nodes and paths for the edges of `graph` ({nodes: [{asset_id, level}], edges}). */
export function layout(graph) {
  const nodes = graph.nodes.map((n) => ({ ...n, id: n.asset_id }));
  const byId = new Map(nodes.map((n) => [n.id, n]));
  const edges = graph.edges.filter((e) => byId.has(e.source) && byId.has(e.derived));
  const levels = [...new Set(nodes.map((n) => n.level))].sort((a, b) => a - b);
  const columns = levels.map((level) => nodes.filter((n) => n.level === level));
  const neighbours = new Map(nodes.map((n) => [n.id, []]));
  for (const e of edges) {
    neighbours.get(e.source).push(e.derived);
    neighbours.get(e.derived).push(e.source);
  }
  const order = () => {
    for (const column of columns) column.forEach((n, i) => { n.order = i; });
  };
  order();
  const sweep = (column, fromLevel) => {
    for (const n of column) {
      const adjacent = neighbours.get(n.id).map((id) => byId.get(id)).filter((m) => m.level === fromLevel);
      n.weight = adjacent.length ? adjacent.reduce((sum, m) => sum + m.order, 0) / adjacent.length : n.order;
    }
    column.sort((a, b) => a.weight - b.weight || a.order - b.order);
    column.forEach((n, i) => { n.order = i; });
  };
  for (let pass = 0; pass < 4; pass++) {
    for (let c = 1; c < columns.length; c++) sweep(columns[c], levels[c - 1]);
    for (let c = columns.length - 2; c >= 0; c--) sweep(columns[c], levels[c + 1]);
  }
  const tallest = Math.max(1, ...columns.map((column) => column.length));
  const height = MARGIN * 2 + tallest * NODE_HEIGHT + (tallest - 1) * ROW_GAP;
  columns.forEach((column, c) => {
    const columnHeight = column.length * NODE_HEIGHT + (column.length - 1) * ROW_GAP;
    const top = (height - columnHeight) / 2;
    column.forEach((n, i) => {
      n.x = MARGIN + c * (NODE_WIDTH + COLUMN_GAP);
      n.y = top + i * (NODE_HEIGHT + ROW_GAP);
    });
  });
  const width = MARGIN * 2 + columns.length * NODE_WIDTH + Math.max(0, columns.length - 1) * COLUMN_GAP;
  const paths = edges.map((e) => {
    const from = byId.get(e.source);
    const to = byId.get(e.derived);
    const x1 = from.x + NODE_WIDTH;
    const y1 = from.y + NODE_HEIGHT / 2;
    const x2 = to.x;
    const y2 = to.y + NODE_HEIGHT / 2;
    const bend = Math.max(30, (x2 - x1) / 2);
    return {
      ...e,
      d: `M${x1},${y1} C${x1 + bend},${y1} ${x2 - bend},${y2} ${x2 - 6},${y2}`,
      labelX: (x1 + x2) / 2,
      labelY: (y1 + y2) / 2 - 6,
    };
  });
  return { nodes, edges: paths, width, height, levels };
}

function clip(text, max) {
  const chars = Array.from(text || "");
  // CJK characters are about twice as wide as Latin ones.
  let width = 0;
  let out = "";
  for (const ch of chars) {
    width += /[\u2e80-\u9fff\uff00-\uffef]/.test(ch) ? 2 : 1;
    if (width > max) return `${out}…`;
    out += ch;
  }
  return out;
}

/** The SVG for a layout; `label(node)` gives a node's accessible name, `href(node)` its link. */
export function render(graph, { current, href, label, edgeLabel, title }) {
  const g = layout(graph);
  const svg = s("svg", {
    class: "lineage-graph", viewBox: `0 0 ${g.width} ${g.height}`, width: g.width, height: g.height,
    role: "group", "aria-label": title,
  });
  svg.append(s("defs", null,
    s("marker", { id: "arrow", viewBox: "0 0 10 10", refX: "9", refY: "5", markerWidth: "8", markerHeight: "8",
                  orient: "auto-start-reverse" },
      s("path", { d: "M0,0 L10,5 L0,10 z", class: "arrow-head" }))));
  for (const e of g.edges) {
    svg.append(s("g", { class: "edge" },
      s("path", { d: e.d, "marker-end": "url(#arrow)" }),
      s("text", { x: e.labelX, y: e.labelY, "text-anchor": "middle" }, edgeLabel(e))));
  }
  for (const n of g.nodes) {
    const isCurrent = n.id === current;
    const link = s("a", { href: href(n), class: isCurrent ? "node current" : "node", "aria-label": label(n),
                          "data-asset": n.id },
      s("title", null, label(n)),
      s("rect", { x: n.x, y: n.y, width: NODE_WIDTH, height: NODE_HEIGHT, rx: 8, ry: 8 }),
      s("text", { x: n.x + 12, y: n.y + 24, class: "node-name" }, clip(n.name || n.id, 28)),
      s("text", { x: n.x + 12, y: n.y + 44, class: "node-id" },
        `${n.id.slice(0, 10)}…${n.id.slice(-6)}${n.status && n.status !== "active" ? ` · ${n.status}` : ""}`));
    svg.append(link);
  }
  return svg;
}
