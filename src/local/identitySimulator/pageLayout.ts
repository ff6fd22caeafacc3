import { escapeHtml } from '../../domain/escapeHtml';

/** Turns any text into a stable, id-safe slug, so tests can address `#account-megan-bowen-contoso-onmicrosoft-com`. */
export function slug(value: string): string {
  return value
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
}

const STYLE = `
  body { font-family: "Segoe UI", system-ui, sans-serif; background: #f2f2f2; color: #1b1b1b; margin: 0; }
  main { max-width: 30rem; margin: 3rem auto; background: #fff; padding: 2rem 2.5rem; box-shadow: 0 2px 6px rgba(0,0,0,.2); }
  .banner { font-size: .8rem; color: #605e5c; margin-bottom: 1rem; }
  h1 { font-size: 1.5rem; font-weight: 600; margin: 0 0 1rem; }
  label { display: block; margin: .35rem 0; }
  input[type=text] { width: 100%; box-sizing: border-box; font-size: 1rem; padding: .4rem; border: 0; border-bottom: 1px solid #666; }
  fieldset { border: 1px solid #ddd; margin: 1rem 0; padding: .5rem 1rem; }
  legend { font-weight: 600; }
  .tenant { color: #605e5c; font-size: .85rem; }
  .buttons { display: flex; gap: .5rem; justify-content: flex-end; margin-top: 1.5rem; }
  button { font-size: 1rem; padding: .4rem 1.5rem; border: 1px solid #8a8886; background: #fff; cursor: pointer; }
  button.primary { background: #0067b8; border-color: #0067b8; color: #fff; }
  .error { color: #a4262c; }
  .warning { background: #fff4ce; padding: .5rem; }
  code { font-size: 1.1rem; }
`;

/** The frame of every simulator page: plain HTML, inline CSS, nothing loaded from anywhere. */
export function renderPage(title: string, content: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>${STYLE}</style>
</head>
<body>
<main>
<div class="banner" role="note">Local identity simulator — not Microsoft</div>
${content}
</main>
</body>
</html>
`;
}
