/**
 * Small SVG charts for the HTML report, drawn server-side so the report needs no script and prints as
 * it shows. Every text that comes from data is escaped here, since the SVG is inserted unescaped.
 */

const PALETTE = [
  '#1b6ca8',
  '#d1495b',
  '#edae49',
  '#00798c',
  '#66a182',
  '#8d6a9f',
  '#3d405b',
  '#e07a5f',
  '#2e4057',
  '#a8763e',
  '#5c946e',
  '#9e2a2b',
];

export function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

export interface Bar {
  readonly label: string;
  readonly value: number | null;
  readonly lower: number | null;
  readonly upper: number | null;
  readonly flagged?: boolean;
}

/** Horizontal bars on [0, 1] with interval whiskers; a dashed line marks the overall value. */
export function barChart(title: string, bars: readonly Bar[], overall: number | null): string {
  const width = 560;
  const labelWidth = 170;
  const row = 22;
  const height = 40 + bars.length * row;
  const x = (value: number) => labelWidth + Math.max(0, Math.min(1, value)) * (width - labelWidth - 60);
  const parts = [`<text x="0" y="16" class="chart-title">${escapeXml(title)}</text>`];
  bars.forEach((bar, i) => {
    const y = 28 + i * row;
    parts.push(
      `<text x="${labelWidth - 6}" y="${y + 13}" text-anchor="end">${escapeXml(bar.label)}${bar.flagged ? ' ⚠' : ''}</text>`,
    );
    if (bar.value === null) {
      parts.push(`<text x="${labelWidth + 4}" y="${y + 13}" class="muted">undefined</text>`);
      return;
    }
    parts.push(
      `<rect x="${labelWidth}" y="${y + 3}" width="${(x(bar.value) - labelWidth).toFixed(1)}" height="12" fill="${bar.flagged ? '#c9a227' : '#1b6ca8'}"/>`,
    );
    if (bar.lower !== null && bar.upper !== null) {
      const [a, b] = [x(bar.lower), x(bar.upper)];
      parts.push(
        `<path d="M${a.toFixed(1)} ${y + 9}H${b.toFixed(1)}M${a.toFixed(1)} ${y + 4}V${y + 14}M${b.toFixed(1)} ${y + 4}V${y + 14}" stroke="#222" fill="none"/>`,
      );
    }
    parts.push(`<text x="${width - 54}" y="${y + 13}">${bar.value.toFixed(3)}</text>`);
  });
  if (overall !== null)
    parts.push(`<path d="M${x(overall).toFixed(1)} 24V${height - 4}" stroke="#888" stroke-dasharray="4 3"/>`);
  return svg(width, height, parts, title);
}

export interface Series {
  readonly label: string;
  readonly points: readonly { x: number; y: number }[];
}

/** A unit-square line chart (ROC or reliability) with a diagonal reference and a legend. */
export function curveChart(title: string, xLabel: string, yLabel: string, series: readonly Series[]): string {
  const size = 240;
  const left = 40;
  const top = 24;
  const legendWidth = 190;
  const px = (v: number) => (left + v * size).toFixed(1);
  const py = (v: number) => (top + (1 - v) * size).toFixed(1);
  const parts = [
    `<text x="0" y="14" class="chart-title">${escapeXml(title)}</text>`,
    `<rect x="${left}" y="${top}" width="${size}" height="${size}" fill="none" stroke="#bbb"/>`,
    `<path d="M${px(0)} ${py(0)}L${px(1)} ${py(1)}" stroke="#bbb" stroke-dasharray="4 3"/>`,
    `<text x="${left + size / 2}" y="${top + size + 30}" text-anchor="middle">${escapeXml(xLabel)}</text>`,
    `<text x="12" y="${top + size / 2}" transform="rotate(-90 12 ${top + size / 2})" text-anchor="middle">${escapeXml(yLabel)}</text>`,
    `<text x="${left - 4}" y="${top + size + 12}" text-anchor="end">0</text><text x="${left + size}" y="${top + size + 12}" text-anchor="middle">1</text><text x="${left - 4}" y="${top + 8}" text-anchor="end">1</text>`,
  ];
  series.slice(0, PALETTE.length).forEach((line, i) => {
    const color = PALETTE[i];
    if (line.points.length > 0) {
      const d = line.points.map((p, j) => `${j ? 'L' : 'M'}${px(p.x)} ${py(p.y)}`).join('');
      parts.push(`<path d="${d}" stroke="${color}" fill="none" stroke-width="1.5"/>`);
    }
    const ly = top + 10 + i * 16;
    parts.push(`<rect x="${left + size + 16}" y="${ly - 8}" width="10" height="10" fill="${color}"/>`);
    parts.push(`<text x="${left + size + 30}" y="${ly + 1}">${escapeXml(line.label)}</text>`);
  });
  return svg(left + size + legendWidth, top + size + 40, parts, title);
}

/** `role="img"` named by the chart's title, so a screen reader announces what the picture is. */
function svg(width: number, height: number, parts: string[], title: string): string {
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="11" role="img" aria-label="${escapeXml(title)}">${parts.join('')}</svg>`;
}
