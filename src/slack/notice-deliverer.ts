// The notices of a session, posted into its card's thread once each, in order, and recorded as
// posted with the service. At the end, the summary comes with the template diff (uploaded once)
// and the merge request (opened once).
//
// A notice is posted, then recorded; a crash between the two would post it again after the
// restart. So before posting a notice recorded before this process started, the thread is read
// back once and what an earlier process posted there is taken as posted (the diff likewise).

import type { webApi } from '@slack/bolt';
import { type Notice, type RestoreSession, undeliveredNotices } from '../restore/session.js';
import { slackErrorCode } from './client.js';
import type { SessionWriterDeps } from './delivery-loop.js';
import { unreadable } from './history-read.js';
import type { MergeRequests } from './merge-requests.js';
import { metadataPayload, NOTICE_EVENT_TYPE, noticeMetadata } from './message-metadata.js';
import type { SlackMessage } from './views/blocks.js';
import { drillSummaryMessage } from './views/drill.js';
import { noticeMessage } from './views/notices.js';
import { productionLine, sessionTitle } from './views/session-text.js';
import { type SummaryExtras, summaryMessage } from './views/summary.js';

/** A stage that ends within this long after it started posts one notice ("done"), not two. */
const QUICK_STAGE_MS = 1000;

/** What the deliverer remembers of one session's thread. */
export interface ThreadState {
  /** Notices posted in Slack, by id, whether or not the service has recorded them yet. */
  posted: Map<string, string>;
  /** The thread was read back for notices an earlier process may have posted. */
  read?: boolean;
  summary?: SummaryExtras;
  /** The production line the thread last showed: a notice repeats it only when it changed. */
  lastProduction?: string;
  /** A stage's "started" waits until then, in case the stage ends within a second (see startedFold). */
  holdUntil?: number;
}

export interface NoticeDelivererDeps extends SessionWriterDeps {
  /** The template's merge request, where GitLab is configured (CHATDB_GITLAB_*). */
  mergeRequests?: MergeRequests;
}

export interface NoticeDeliverer {
  /** Posts the session's undelivered notices in the thread of the card at `cardTs`, and records them. */
  deliver(s: RestoreSession, thread: ThreadState, cardTs: string): Promise<void>;
}

export function createNoticeDeliverer(deps: NoticeDelivererDeps): NoticeDeliverer {
  const { restore, client, log, now, mergeRequests } = deps;

  async function post(
    s: RestoreSession,
    thread: ThreadState,
    notice: Notice,
    cardTs: string,
  ): Promise<string> {
    // A plan that could not even be worked out has nothing but its failure: the card says it all.
    if (notice.kind === 'failed' && notice.stage === 'resolve') return cardTs;
    const production = productionLine(s);
    const message: SlackMessage =
      notice.kind === 'summary'
        ? await summary(s, thread, cardTs)
        : noticeMessage(notice, s, deps.viewContext(), {
            // A failure always says where production stands; other notices only when it changed.
            production: notice.kind === 'failed' || production !== thread.lastProduction,
          });
    const res = await client.chat.postMessage({
      channel: s.channel,
      thread_ts: cardTs,
      text: message.text,
      blocks: message.blocks,
      // A failure belongs in the channel too, not only in the thread. The summary does not: the
      // card above already shows the session done, with its timeline, so it is said once.
      reply_broadcast: notice.kind === 'failed',
      metadata: noticeMetadata(s.id, notice.id),
    });
    thread.lastProduction = production;
    if (typeof res.ts !== 'string') throw new Error('chat.postMessage answered without a ts');
    log.info({ session: s.id, notice: notice.id, ts: res.ts }, 'notice posted');
    return res.ts;
  }

  /**
   * Takes the notices (and the diff) an earlier process posted in the card's thread, but did not
   * live to record, as posted.
   */
  async function readThread(
    s: RestoreSession,
    thread: ThreadState,
    cardTs: string,
    unrecorded: ReadonlySet<string>,
  ): Promise<void> {
    const diffName = diffFileName(s);
    let found = 0;
    try {
      const pages = client.paginate('conversations.replies', {
        channel: s.channel,
        ts: cardTs,
        include_all_metadata: true,
        limit: 200,
      }) as AsyncIterable<webApi.ConversationsRepliesResponse>;
      for await (const page of pages) {
        for (const m of page.messages ?? []) {
          if (m.bot_id === undefined || m.ts === undefined || m.ts === cardTs) continue;
          const payload = metadataPayload(m, NOTICE_EVENT_TYPE);
          const noticeId = payload?.notice;
          if (
            payload?.session === s.id &&
            typeof noticeId === 'string' &&
            unrecorded.has(noticeId) &&
            !thread.posted.has(noticeId)
          ) {
            thread.posted.set(noticeId, m.ts);
            found += 1;
          }
          const file = m.files?.find((f) => f.name === diffName);
          if (file !== undefined) {
            thread.summary ??= {};
            thread.summary.diff ??= {
              ok: true,
              name: diffName,
              ...(file.permalink === undefined ? {} : { permalink: file.permalink }),
            };
          }
        }
      }
    } catch (error) {
      if (slackErrorCode(error) === 'thread_not_found') return;
      unreadable(log, error, s.id, 'a notice posted just before the restart may appear twice');
      return;
    }
    log.info({ session: s.id, found }, 'thread read back after a restart: notices posted but not recorded');
  }

  /** The summary, after the diff upload and the merge request (each done once per session). */
  async function summary(s: RestoreSession, thread: ThreadState, cardTs: string): Promise<SlackMessage> {
    // A drill's report: its diff inline, no file to check in and no merge request, nothing changed.
    if (s.kind === 'drill') return drillSummaryMessage(s, deps.viewContext().approvers);
    thread.summary ??= {};
    const extras = thread.summary;
    if (mergeRequests !== undefined) extras.templatePath = mergeRequests.templatePath;
    const diff = s.aws.templateDiff;
    if (diff !== undefined && diff !== '' && extras.diff === undefined) {
      extras.diff = await uploadDiff(deps, s, diff, cardTs);
    }
    if (
      mergeRequests !== undefined &&
      s.kind !== 'cleanup' &&
      diff !== undefined &&
      extras.mergeRequest === undefined
    ) {
      extras.mergeRequest = await mergeRequests.open(s);
    }
    return summaryMessage(s, new Date(now()), extras);
  }

  return {
    async deliver(s, thread, cardTs) {
      const undelivered = undeliveredNotices(s);
      if (!thread.read && undelivered.some((n) => Date.parse(n.at) < deps.startedAt)) {
        await readThread(s, thread, cardTs, new Set(undelivered.map((n) => n.id)));
        thread.read = true;
      }
      delete thread.holdUntil;
      for (const notice of undelivered) {
        const fold = startedFold(s, notice, now());
        if (fold === 'wait') {
          // Notices go out in order: the rest wait behind this one.
          thread.holdUntil = Date.parse(notice.at) + QUICK_STAGE_MS;
          break;
        }
        let ts = thread.posted.get(notice.id);
        if (ts === undefined) {
          // A stage that ended within a second is told by its "done" alone.
          ts = fold === 'skip' ? cardTs : await post(s, thread, notice, cardTs);
          thread.posted.set(notice.id, ts);
        }
        await restore.markNoticePosted(s.id, notice.id, ts);
      }
    },
  };
}

/** Uploads the template diff into the thread; a failure is said in the summary, not retried. */
async function uploadDiff(
  { client, log }: Pick<NoticeDelivererDeps, 'client' | 'log'>,
  s: RestoreSession,
  diff: string,
  cardTs: string,
): Promise<SummaryExtras['diff']> {
  const name = diffFileName(s);
  try {
    const res = (await client.files.uploadV2({
      channel_id: s.channel,
      thread_ts: cardTs,
      file: Buffer.from(diff, 'utf8'),
      filename: name,
      title: `Template change of ${s.id}`,
      initial_comment: `The template change of ${sessionTitle(s)}, to check in.`,
    })) as { files?: { files?: { permalink?: string }[] }[] };
    const permalink = res.files?.[0]?.files?.[0]?.permalink;
    return { ok: true, name, ...(permalink === undefined ? {} : { permalink }) };
  } catch (error) {
    log.warn({ err: error, session: s.id }, 'could not upload the template diff');
    return { ok: false, reason: slackErrorCode(error) ?? (error as Error).message };
  }
}

/**
 * Whether a notice is a stage's "started" that should wait (the stage may still end within a
 * second), be skipped (it did), or be posted like any other.
 */
function startedFold(s: RestoreSession, notice: Notice, nowMs: number): 'post' | 'wait' | 'skip' {
  if (notice.kind !== 'started' || notice.stage === undefined) return 'post';
  const stage = s.stages.find((st) => st.name === notice.stage);
  const startedAt = Date.parse(notice.at);
  if (stage?.endedAt !== undefined) {
    return Date.parse(stage.endedAt) - startedAt < QUICK_STAGE_MS ? 'skip' : 'post';
  }
  return stage?.status === 'running' && nowMs - startedAt < QUICK_STAGE_MS ? 'wait' : 'post';
}

function diffFileName(s: RestoreSession): string {
  return `${s.id}-template.diff`;
}
