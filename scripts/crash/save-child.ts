// The process `npm run crash:save` kills: the console's export service (the job store and
// export:save's save job, composed as console-core.ts composes them) saving one job of
// sign-in cards to a path, as Electron's save dialog hands it one. Started as
//   node --import tsx scripts/crash/save-child.ts '<json SaveChildArgs>'
// it prints `SAVING` just before export:save starts and `SAVED <bytes>` when it returns,
// so the parent can time the save and kill the process anywhere inside it.
import { createSaveJobs } from '../../src/main/services/export/save-job';
import { createJobStore } from '../../src/main/services/issuing/job-store';
import { crashCards, SaveChildArgsSchema } from './save-cards';

const args = SaveChildArgsSchema.parse(JSON.parse(process.argv[2] ?? '{}'));
const cards = crashCards(args.users, args.seed);
const jobs = createJobStore();
jobs.add({
  jobId: 'crash-job',
  serverId: 'https://crash.gatepass.test',
  serverName: 'Crash test',
  serverUrl: 'https://crash.gatepass.test',
  createdAt: new Date().toISOString(),
  tlsPin: null,
  codes: [],
  cards,
  notIssued: [],
  cancelled: false,
});
const saves = createSaveJobs({
  jobs,
  // Where Electron's save dialog would answer with the path the administrator chose.
  saveTarget: async () => ({ kind: 'path', path: args.path }),
  onProgress: () => undefined,
});

process.stdout.write('SAVING\n');
const result = await saves.save({ jobId: 'crash-job', format: args.format, includeConfig: args.includeConfig, pageSize: 'A4', layout: 'single', omitBroken: false });
if (result.kind !== 'saved') throw new Error(`unexpected save result ${result.kind}`);
process.stdout.write(`SAVED ${result.bytes}\n`);
jobs.close();
