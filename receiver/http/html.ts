// Server-rendered pages without a front-end build: a tagged template that escapes every interpolated value unless
// it is already markup built by this helper, and one page layout. Nothing a request carries reaches a page unescaped.
import type { FastifyReply } from 'fastify';

export class SafeHtml {
  constructor(readonly value: string) {}
  toString(): string {
    return this.value;
  }
}

export function escapeHtml(value: string): string {
  return value
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

function render(value: unknown): string {
  if (value instanceof SafeHtml) return value.value;
  if (Array.isArray(value)) return value.map(render).join('');
  if (value === null || value === undefined || value === false) return '';
  return escapeHtml(String(value));
}

/** `html\`<p>${text}</p>\``: values are escaped; SafeHtml values and arrays of them are inserted as they are. */
export function html(strings: TemplateStringsArray, ...values: unknown[]): SafeHtml {
  let out = strings[0] ?? '';
  values.forEach((value, i) => {
    out += render(value) + (strings[i + 1] ?? '');
  });
  return new SafeHtml(out);
}

const STYLE = `
  :root { color-scheme: light; }
  body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; margin: 0; background: #f5f8fa; color: #33475b; }
  header { background: #2d3e50; color: #fff; padding: 14px 32px; font-size: 15px; letter-spacing: .02em; }
  main { max-width: 880px; margin: 28px auto; padding: 0 24px 48px; }
  h1 { font-size: 26px; margin: 0 0 18px; }
  h2 { font-size: 18px; margin: 28px 0 10px; }
  section.card { background: #fff; border: 1px solid #dfe3eb; border-radius: 6px; padding: 16px 20px; margin: 14px 0; }
  .notice { border-left: 4px solid #00a4bd; }
  .success { border-left: 4px solid #00bda5; }
  .error { border-left: 4px solid #f2545b; }
  .button { display: inline-block; background: #ff7a59; color: #fff; text-decoration: none; padding: 10px 18px;
            border-radius: 4px; font-weight: 600; }
  .button:hover { background: #ff8f73; }
  table { border-collapse: collapse; width: 100%; }
  th, td { text-align: left; padding: 6px 8px; border-bottom: 1px solid #eaf0f6; font-size: 14px; vertical-align: top; }
  th { color: #516f90; font-weight: 600; }
  code { background: #eaf0f6; padding: 1px 5px; border-radius: 3px; font-size: 13px; }
  .muted { color: #7c98b6; }
  .ok { color: #00a38d; font-weight: 600; }
  .bad { color: #d94c53; font-weight: 600; }
  ul.plain { padding-left: 20px; margin: 6px 0; }
`;

export function layout(title: string, body: SafeHtml): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>${escapeHtml(title)}</title>
<style>${STYLE}</style>
</head>
<body>
<header>pretix ↔ HubSpot receiver</header>
<main>
${body.value}
</main>
</body>
</html>
`;
}

/** Sends a page with headers that keep it out of frames and caches. */
export function sendPage(reply: FastifyReply, status: number, title: string, body: SafeHtml): FastifyReply {
  return reply
    .code(status)
    .header('content-type', 'text/html; charset=utf-8')
    .header('cache-control', 'no-store')
    .header('x-frame-options', 'DENY')
    .header('content-security-policy', "default-src 'none'; style-src 'unsafe-inline'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
    .header('referrer-policy', 'no-referrer')
    .send(layout(title, body));
}
