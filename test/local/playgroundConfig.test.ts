import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { LOCAL_PLAYGROUND } from '../../src/config';

/** `.m365agentsplayground.yml` and local mode's identities must agree, or `npm start` refuses the Playground's user. */
describe('Agents Playground configuration', () => {
  const text = readFileSync(join(__dirname, '../../.m365agentsplayground.yml'), 'utf8');
  const field = (name: string) => [...text.matchAll(new RegExp(`^\\s*${name}: (.+)$`, 'gm'))].map((m) => m[1].trim());

  it("makes its tenant local mode's provider tenant and its current user a bootstrap admin", () => {
    expect(field('tenantId')[0]).toBe(LOCAL_PLAYGROUND.tenantIds[0]);
    expect(field('aadObjectId')[0]).toBe(LOCAL_PLAYGROUND.adminObjectIds[0]);
  });

  it('uses real GUIDs for every object id (the bot validates them) and has the five users the Playground requires', () => {
    const ids = field('aadObjectId');
    expect(ids.length).toBeGreaterThanOrEqual(6);
    for (const id of [...ids, ...field('tenantId')]) expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    expect(new Set(field('id')).size).toBe(field('id').length);
  });
});
