/* eslint-disable @typescript-eslint/no-require-imports -- a CommonJS config file */
/**
 * npm run test:docker (scripts/test-docker.sh) only: the checks against the containerized server.
 * The script runs the protocol suite (../protocol.e2e-spec.ts) against the container first, then
 * this directory's *.docker-spec.ts.
 */
const base = require('../../../../jest.config.js');

module.exports = {
  ...base,
  rootDir: '../../../..',
  roots: ['<rootDir>/apps/server/test/'],
  testRegex: '(/docker/.*\\.docker-spec|/protocol\\.e2e-spec)\\.ts$',
  testTimeout: 120000,
};
