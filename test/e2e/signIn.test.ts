import { cardFacts, cardText, cardTitle } from '../support/botHarness';
import { CONTOSO, adminOf, invite, simulatedDirectory, SignInWorld, staffSays, staffUpdates, STAFF_CONVERSATION, startSignInWorld, storedInvitation } from './signInDriver';

let w: SignInWorld;
const dir = simulatedDirectory(['tailspin']);

beforeAll(async () => {
  const t0 = Date.now();
  w = await startSignInWorld(dir.tenants);
  console.log('start', Date.now() - t0);
});
afterAll(async () => {
  await w?.h.close();
});

it('global admin', async () => {
  const t0 = Date.now();
  const { h, sim } = w;
  const inv = await invite(h, CONTOSO, adminOf(CONTOSO));
  const opened = await inv.page.open();
  console.log(opened.status, [...opened.headers.entries()]);
  console.log((await storedInvitation(h, inv.id)).status);
  const { userCode, screen } = await inv.page.startAndGetCode();
  console.log(userCode, screen.countdownTo, screen.text);
  console.log(sim.control.completeDeviceCode({ userCode, upn: adminOf(CONTOSO) }));
  const done = await inv.page.waitFor('Tenant activated');
  console.log(done.text);
  console.log(staffUpdates(h, inv.id).map((u) => [u.title, u.conversationId === STAFF_CONVERSATION]));
  console.log(cardText(await staffSays(h, 'tenants')));
  const st = await staffSays(h, `status ${CONTOSO.domain}`);
  console.log(cardTitle(st), cardFacts(st));
  console.log('flow', Date.now() - t0);
});
