/*
 * restify 11 requires spdy as it loads (lib/server.js), for the spdy server it offers through
 * `options.spdy`, which we never ask for. spdy's http-deceiver reads process.binding('http_parser')
 * at load, which Node deprecates (DEP0111): two warnings at every start, and two more for every test
 * file that loads restify. Nothing we run calls that code. These helpers set aside exactly that
 * warning — code DEP0111 about process.binding('http_parser') — and let every other one through, so
 * a new deprecation still shows.
 */

type EmitWarning = typeof process.emitWarning;

/** Whether a `process.emitWarning` call is the http_parser binding deprecation (Node calls it with (message, type, code)). */
export function isSpdyBindingWarning(args: readonly unknown[]): boolean {
  const [warning, typeOrOptions, code] = args;
  const message = warning instanceof Error ? warning.message : String(warning);
  const warningCode = typeof typeOrOptions === 'object' && typeOrOptions !== null ? (typeOrOptions as { code?: unknown }).code : code;
  return warningCode === 'DEP0111' && message.includes("process.binding('http_parser')");
}

/** Drops that one warning from `target.emitWarning` until the returned function is called. */
export function setAsideSpdyBindingWarning(target: NodeJS.Process = process): () => void {
  const emitWarning = target.emitWarning;
  const filtered = function (this: NodeJS.Process, ...args: unknown[]) {
    if (isSpdyBindingWarning(args)) return;
    return (emitWarning as (...all: unknown[]) => void).apply(this, args);
  } as EmitWarning;
  target.emitWarning = filtered;
  return () => {
    if (target.emitWarning === filtered) target.emitWarning = emitWarning;
  };
}
