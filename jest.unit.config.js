/**
 * `npm run test:unit`: the fast layer on the in-memory stores — domain, use cases, the commands and
 * card actions (through the real server on loopback, with the identity simulator in the process),
 * command parsing, cards and views, configuration and the layer rules. No Cosmos-protocol server,
 * no child process.
 * @type {import('jest').Config}
 */
const base = require('./jest.config');
module.exports = {
  ...base,
  testMatch: [
    '<rootDir>/test/deadline.test.ts',
    '<rootDir>/test/domain/inputs.test.ts',
    '<rootDir>/test/domain/invitation.test.ts',
    '<rootDir>/test/domain/onboarding.test.ts',
    '<rootDir>/test/onboarding/**/*.test.ts',
    // Commands and card actions through the real server, on the in-memory stores.
    '<rootDir>/test/e2e/commands.test.ts',
    // The sweep: its use case, the runner lease, its schedule, and its two commands.
    '<rootDir>/test/sweeps/**/*.test.ts',
    '<rootDir>/test/e2e/sweepCommands.test.ts',
    '<rootDir>/test/bot/parseCommand.test.ts',
    '<rootDir>/test/bot/customerView.test.ts',
    '<rootDir>/test/cards/**/*.test.ts',
    '<rootDir>/test/crypto/**/*.test.ts',
    '<rootDir>/test/identity/entraErrors.test.ts',
    '<rootDir>/test/config.test.ts',
    '<rootDir>/test/architecture.test.ts',
  ],
};
