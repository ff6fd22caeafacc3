import { Session } from 'node:inspector/promises';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * CPU profile of this thread (a bench bot's: HTTP edge, adapter, app, embedded Cosmos server) over
 * one measured run only. `node --cpu-prof` would also record start-up and the
 * TypeScript transpiling that ts-node does on first import, which drowns the turns.
 * Open the file in Chrome DevTools (Performance) or VS Code.
 */
export interface CpuProfiler {
  around<T>(name: string, work: () => Promise<T>): Promise<T>;
  /** Starts a profile; the returned function stops it and writes `<name>.cpuprofile`. */
  begin(name: string): Promise<() => Promise<void>>;
  close(): Promise<void>;
}

export async function startCpuProfiler(directory: string): Promise<CpuProfiler> {
  await mkdir(directory, { recursive: true });
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  // 1 ms between samples is V8's default; coarse enough to stay out of the figures.
  await session.post('Profiler.setSamplingInterval', { interval: 1000 });
  const begin = async (name: string) => {
    await session.post('Profiler.start');
    return async () => {
      const { profile } = await session.post('Profiler.stop');
      await writeFile(join(directory, `${name}.cpuprofile`), JSON.stringify(profile));
    };
  };
  return {
    begin,
    async around(name, work) {
      const stop = await begin(name);
      try {
        return await work();
      } finally {
        await stop();
      }
    },
    async close() {
      await session.post('Profiler.disable');
      session.disconnect();
    },
  };
}
