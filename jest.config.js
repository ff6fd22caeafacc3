/** @type {import('jest').Config} */
module.exports = {
  preset: 'ts-jest',
  // jest's node environment without one known warning of a dependency (see the file).
  testEnvironment: '<rootDir>/test/support/nodeEnvironment.ts',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  // Type-checking happens once in `npm test` (tsc --noEmit); ts-jest only transpiles, file by file:
  // `isolatedModules` in the compiler options it reads (tsconfig.json plus these) makes it use
  // TypeScript's transpileModule. ts-jest 29.4 deprecates its own option of that name.
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: { isolatedModules: true }, diagnostics: false }] },
  testTimeout: 30000,
  // Two workers, whatever the core count says (jest's default on 2 cores is one, running the files in
  // turn): most suites spend their time waiting on sockets, child processes and a browser, so two at a
  // time use the machine instead of leaving a core idle. Measured on 2 cores: 273 s in one worker,
  // 152-161 s in two (README, "Tests").
  maxWorkers: 2,
};
