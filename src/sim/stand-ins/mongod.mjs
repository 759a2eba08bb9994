// The simulator's stand-in for mongod inside a one-off task's container (see ../mongod.ts). It
// does what the sim's judgement of the data directory says: print mongod's start-up log, then
// either exit as mongod would on a copy WiredTiger cannot open, or accept "connections" (a ready
// file the stand-in mongosh waits for) until SIGTERM, and shut down cleanly.

import { readFileSync, rmSync, writeFileSync } from 'node:fs';

const judgement = JSON.parse(readFileSync(process.env.CHATDB_SIM_MONGOD ?? '', 'utf8'));
const print = (lines) => {
  for (const line of lines) process.stdout.write(`${line}\n`);
};

print(judgement.startLines);
if (typeof judgement.exitsWith === 'number') {
  // Nothing listens any more: the stand-in mongosh's ping is refused at once.
  writeFileSync(`${judgement.readyFile}.exited`, String(judgement.exitsWith));
  process.exit(judgement.exitsWith);
}
writeFileSync(judgement.readyFile, String(process.pid));
const keepAlive = setInterval(() => {}, 1 << 30);
process.on('SIGTERM', () => {
  rmSync(judgement.readyFile, { force: true });
  print(judgement.shutdownLines);
  clearInterval(keepAlive);
  process.exit(judgement.shutdownExit ?? 0);
});
