// MongoDB's own reading of a restored Rocket.Chat database: validate and count the key
// collections, read the newest message's time, print one report line.
//
// Runs in the chat-db image's own shell: mongosh, or the legacy `mongo` shell of older images
// (3.4 and later, SpiderMonkey 45), so it is a plain script: no modules, no `require`, and top-level
// names are globals (`var` and `function`) that the appended call can reach. This file only
// defines functions; check-wrapper.sh prepends the validated database name and appends the one
// call that runs it:
//
//   var CHATDB_CHECK_DB = 'rocketchat';
//   <this file>
//   quit(chatdbCheckMain(db, CHATDB_CHECK_DB));
//
// The core, chatdbCheck(database), takes a database object and nothing else, so the unit tests
// load this file as it ships and call it with a fake one.
//
// The report line is `CHATDB_CHECK {json}`. It stays well under Docker's 16 KiB line limit (a
// longer line reaches CloudWatch Logs split in pieces): at most MAX_MESSAGES messages a
// collection, each cut to MAX_MESSAGE_CHARS.

var CHATDB_CHECK_PREFIX = 'CHATDB_CHECK ';
var CHATDB_CHECK_VERSION = 1;

/** Rocket.Chat cannot serve chat without these; a missing or invalid one fails the check. */
var CHATDB_CHECK_COLLECTIONS = [
  'rocketchat_message',
  'rocketchat_room',
  'rocketchat_subscription',
  'users',
  'rocketchat_settings',
];

var MAX_MESSAGES = 5;
var MAX_MESSAGE_CHARS = 400;

function chatdbCheckText(value) {
  const text = value === undefined || value === null ? '' : String(value);
  return text.length > MAX_MESSAGE_CHARS ? `${text.slice(0, MAX_MESSAGE_CHARS - 3)}...` : text;
}

function chatdbCheckMessages(list) {
  const out = [];
  if (!list || typeof list.length !== 'number') return out;
  for (let i = 0; i < list.length && out.length < MAX_MESSAGES; i++) out.push(chatdbCheckText(list[i]));
  return out;
}

/** A count as a plain number: big ones come back as Long (mongosh) or NumberLong (legacy shell). */
function chatdbCheckNumber(value) {
  return value !== null && typeof value === 'object' && typeof value.toNumber === 'function'
    ? value.toNumber()
    : Number(value);
}

/** An error thrown by the shell (network, server error) in MongoDB's words. */
function chatdbCheckError(error) {
  // biome-ignore lint/complexity/useOptionalChain: `?.` is newer than the legacy shell's SpiderMonkey 60.
  if (error && error.message) return chatdbCheckText(error.message);
  return chatdbCheckText(error);
}

/** validate and a document count of one collection; never throws. */
function chatdbCheckCollection(database, name) {
  const entry = { name: name, exists: true, valid: false, count: null, errors: [], warnings: [] };
  try {
    const result = database.runCommand({ validate: name });
    if (result.ok !== 1) {
      entry.errors.push(chatdbCheckText(result.errmsg || `validate answered ok: ${result.ok}`));
    } else {
      entry.valid = result.valid === true;
      entry.errors = chatdbCheckMessages(result.errors);
      entry.warnings = chatdbCheckMessages(result.warnings);
      if (!entry.valid && entry.errors.length === 0) entry.errors.push('validate reported valid: false');
    }
  } catch (error) {
    entry.errors.push(chatdbCheckError(error));
  }
  try {
    // What countDocuments({}) runs, spelled so that the 3.x shells, which lack it, run it too.
    const counted = database
      .getCollection(name)
      .aggregate([{ $group: { _id: null, n: { $sum: 1 } } }])
      .toArray();
    entry.count = counted.length === 0 ? 0 : chatdbCheckNumber(counted[0].n);
  } catch (error) {
    entry.valid = false;
    entry.errors.push(chatdbCheckError(error));
  }
  return entry;
}

/** The `ts` of the newest message as an ISO string, null when there is none. */
function chatdbCheckNewestMessage(database) {
  const newest = database
    .getCollection('rocketchat_message')
    .find({ ts: { $exists: true } }, { ts: 1 })
    .sort({ ts: -1 })
    .limit(1)
    .toArray();
  if (newest.length === 0) return null;
  const ts = newest[0].ts;
  // Not `instanceof Date`: mongosh evaluates scripts in a vm context of their own, and a date the
  // driver decoded may come from another realm's Date.
  if (Object.prototype.toString.call(ts) === '[object Date]' && !Number.isNaN(ts.getTime())) {
    return ts.toISOString();
  }
  throw new Error(`the newest rocketchat_message.ts is not a date: ${chatdbCheckText(ts)}`);
}

/** The whole check of one database; returns the report, never throws. */
function chatdbCheck(database) {
  const report = {
    v: CHATDB_CHECK_VERSION,
    stage: 'check',
    ok: true,
    db: database.getName(),
    mongodb: null,
    collections: [],
    newestMessageAt: null,
    failures: [],
  };
  try {
    report.mongodb = String(database.version());
  } catch (error) {
    report.failures.push(`version: ${chatdbCheckError(error)}`);
  }
  let present = [];
  try {
    present = database.getCollectionNames();
  } catch (error) {
    report.failures.push(`listCollections: ${chatdbCheckError(error)}`);
  }
  for (let i = 0; i < CHATDB_CHECK_COLLECTIONS.length; i++) {
    const name = CHATDB_CHECK_COLLECTIONS[i];
    if (present.indexOf(name) < 0) {
      report.collections.push({
        name: name,
        exists: false,
        valid: false,
        count: null,
        errors: [],
        warnings: [],
      });
      report.failures.push(`${name}: the collection does not exist`);
      continue;
    }
    const entry = chatdbCheckCollection(database, name);
    report.collections.push(entry);
    if (!entry.valid) report.failures.push(`${name}: ${entry.errors.join('; ') || 'not valid'}`);
  }
  if (present.indexOf('rocketchat_message') >= 0) {
    try {
      report.newestMessageAt = chatdbCheckNewestMessage(database);
    } catch (error) {
      report.failures.push(`newest message: ${chatdbCheckError(error)}`);
    }
  }
  report.ok = report.failures.length === 0;
  return report;
}

/** Prints the report line; the exit status for the shell's quit(): 0 clean, 1 not. */
// biome-ignore lint/correctness/noUnusedVariables: check-wrapper.sh appends the call to it.
function chatdbCheckMain(shellDb, dbName) {
  const report = chatdbCheck(shellDb.getSiblingDB(dbName));
  print(CHATDB_CHECK_PREFIX + JSON.stringify(report));
  return report.ok ? 0 : 1;
}
