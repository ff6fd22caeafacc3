import { setAsideSpdyBindingWarning } from './spdyBindingWarning';

/*
 * Imported first by the entry point: restify is loaded here once, with the DEP0111 warning of its
 * spdy dependency set aside while it loads (see spdyBindingWarning.ts), and every later
 * `import 'restify'` gets it from the module cache.
 */
const restore = setAsideSpdyBindingWarning();
try {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  require('restify');
} finally {
  restore();
}
