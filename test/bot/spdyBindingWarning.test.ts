import { isSpdyBindingWarning, setAsideSpdyBindingWarning } from '../../bot/spdyBindingWarning';

/** A stand-in for `process`: only what the helpers touch. */
function fakeProcess() {
  const emitted: unknown[][] = [];
  const target = { emitWarning: (...args: unknown[]) => void emitted.push(args) } as unknown as NodeJS.Process;
  return { target, emitted };
}

const SPDY_WARNING = ["Access to process.binding('http_parser') is deprecated.", 'DeprecationWarning', 'DEP0111'];

describe('setting aside the DEP0111 warning of restify’s spdy dependency', () => {
  it('recognises exactly that warning, as Node emits it and in the options form', () => {
    expect(isSpdyBindingWarning(SPDY_WARNING)).toBe(true);
    expect(isSpdyBindingWarning([SPDY_WARNING[0], { type: 'DeprecationWarning', code: 'DEP0111' }])).toBe(true);
    expect(isSpdyBindingWarning(["Access to process.binding('uv') is deprecated.", 'DeprecationWarning', 'DEP0111'])).toBe(false);
    expect(isSpdyBindingWarning([SPDY_WARNING[0], 'DeprecationWarning', 'DEP0005'])).toBe(false);
    expect(isSpdyBindingWarning(['something else'])).toBe(false);
  });

  it('drops it until restored, passes every other warning, and restores the original', () => {
    const { target, emitted } = fakeProcess();
    const original = target.emitWarning;
    const restore = setAsideSpdyBindingWarning(target);
    target.emitWarning(...(SPDY_WARNING as [string, string, string]));
    target.emitWarning('Buffer() is deprecated', 'DeprecationWarning', 'DEP0005');
    expect(emitted).toEqual([['Buffer() is deprecated', 'DeprecationWarning', 'DEP0005']]);
    restore();
    expect(target.emitWarning).toBe(original);
    target.emitWarning(...(SPDY_WARNING as [string, string, string]));
    expect(emitted).toHaveLength(2);
  });
});
