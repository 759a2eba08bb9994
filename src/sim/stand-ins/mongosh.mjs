// The simulator's stand-in for mongosh inside a one-off task's container (see ../mongod.ts).
// `--eval` (the wrapper's readiness ping) succeeds once the stand-in mongod is ready, waiting a
// little as mongosh's own server selection does; a file argument runs that script, as mongosh
// does, against a database object that answers from the sim's judgement of the data directory.

import { existsSync, readFileSync } from 'node:fs';
import { runInNewContext } from 'node:vm';

const judgement = JSON.parse(readFileSync(process.env.CHATDB_SIM_MONGOD ?? '', 'utf8'));
const args = process.argv.slice(2);

if (args.includes('--eval')) {
  const deadline = Date.now() + 3000;
  const poll = () => {
    if (existsSync(judgement.readyFile)) process.exit(0);
    if (existsSync(`${judgement.readyFile}.exited`) || Date.now() > deadline) {
      process.stderr.write('MongoNetworkError: connect ECONNREFUSED 127.0.0.1:27999\n');
      process.exit(1);
    }
    setTimeout(poll, 20);
  };
  poll();
} else {
  runInNewContext(readFileSync(args[args.length - 1], 'utf8'), {
    db: { getSiblingDB: (name) => database(name, judgement.database) },
    print: (line) => process.stdout.write(`${line}\n`),
    quit: (code) => process.exit(code ?? 0),
  });
}

/** The part of mongosh's database object that a check uses. */
function database(name, state) {
  const collections = state?.collections ?? {};
  return {
    getName: () => name,
    version: () => state?.version ?? '7.0.14',
    getCollectionNames: () => Object.keys(collections),
    runCommand(command) {
      const c = collections[command.validate];
      if (!c) {
        return {
          ok: 0,
          errmsg: `Collection '${name}.${command.validate}' does not exist to validate.`,
          code: 26,
          codeName: 'NamespaceNotFound',
        };
      }
      return { ns: `${name}.${command.validate}`, nrecords: c.count, ...c.validate };
    },
    getCollection(collection) {
      const c = collections[collection] ?? { count: 0 };
      const newest =
        collection === 'rocketchat_message' && state?.newestMessageAt
          ? [{ ts: new Date(state.newestMessageAt) }]
          : [];
      return {
        aggregate: () => ({ toArray: () => (c.count === 0 ? [] : [{ _id: null, n: c.count }]) }),
        find: () => {
          const cursor = { sort: () => cursor, limit: () => cursor, toArray: () => newest };
          return cursor;
        },
      };
    },
  };
}
