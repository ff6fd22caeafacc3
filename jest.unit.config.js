/**
 * `npm run test:unit`: the fast layer — domain, use cases on the in-memory stores, commands' parsing,
 * cards and views, configuration and the layer rules. No socket, no child process.
 * @type {import('jest').Config}
 */
const base = require('./jest.config');
module.exports = {
  ...base,
  testMatch: [
    '<rootDir>/test/domain/inputs.test.ts',
    '<rootDir>/test/domain/invitation.test.ts',
    '<rootDir>/test/onboarding/**/*.test.ts',
    '<rootDir>/test/bot/parseCommand.test.ts',
    '<rootDir>/test/bot/customerView.test.ts',
    '<rootDir>/test/cards/**/*.test.ts',
    '<rootDir>/test/crypto/**/*.test.ts',
    '<rootDir>/test/identity/entraErrors.test.ts',
    '<rootDir>/test/config.test.ts',
    '<rootDir>/test/architecture.test.ts',
  ],
};
