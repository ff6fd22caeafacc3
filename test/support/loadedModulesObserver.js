// Preloaded with --require by tests: on SIGUSR2 the process writes the files it has loaded (require.cache)
// to LOADED_MODULES_FILE, so a test can see what a production start pulls in.
const { writeFileSync } = require('node:fs');
process.on('SIGUSR2', () => {
  writeFileSync(process.env.LOADED_MODULES_FILE, JSON.stringify(Object.keys(require.cache)));
});
