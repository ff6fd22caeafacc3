// Preloaded with --require by tests: on SIGUSR2 the process writes the files it has loaded (require.cache)
// to LOADED_MODULES_FILE, so a test can see what a production start pulls in. Written beside it and
// renamed into place, so a test that sees the file sees all of it.
const { renameSync, writeFileSync } = require('node:fs');
process.on('SIGUSR2', () => {
  const target = process.env.LOADED_MODULES_FILE;
  writeFileSync(`${target}.partial`, JSON.stringify(Object.keys(require.cache)));
  renameSync(`${target}.partial`, target);
});
