import { providerJitterMs, SendQueue } from '../send-queue.js';
import { SharedSendQueue, type SlotClaims } from '../shared-send-queue.js';

/**
 * Telegram's flood limits: about 30 messages a second per bot and one a second per chat (short bursts
 * are tolerated). A token bucket per chat (a reply and the next question may go together), then the
 * bot's send queue: 1/30 s apart, never more than 30 in any second. Time is injected so tests run
 * without waiting. With `shared` (the database's send slots) the bot's limit holds for every instance
 * together; the per-chat buckets stay per process (a chat's messages mostly come from the instance
 * that received its update).
 */
export interface PacerOptions {
  /** Messages per second for the whole bot. */
  botPerSecond?: number;
  /** Messages per second for one chat. */
  chatPerSecond?: number;
  /** Messages one chat may get at once before pacing starts (a reply and the next question). */
  chatBurst?: number;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
  /** The bot's name as the instances share it (a hash of its token) and where they claim slots. */
  shared?: { sender: string; claims: SlotClaims };
}

interface Bucket {
  tokens: number;
  at: number;
  /** No sends before this time (a 429 asked us to wait). */
  blockedUntil: number;
}

export interface Pacer {
  /** Resolves when one message to `chat` may be sent. */
  acquire(chat: string): Promise<void>;
  /** Telegram answered 429 for this chat: hold its sends for `seconds`. */
  pause(chat: string, seconds: number): void;
}

/** Telegram's flood limit for one bot: about 30 messages a second. */
export const defaultBotPerSecond = 30;

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Replies come one webhook at a time: a claim for one also holds the slots the bot's pace expects in
 * the next quarter second (a send waits at most one pace's interval for its held slot).
 */
const replyAheadMs = 250;

/** Chats idle long enough to have a full bucket are forgotten once there are this many. */
const pruneAbove = 1_000;

export function createPacer(options: PacerOptions = {}): Pacer {
  const botRate = options.botPerSecond ?? defaultBotPerSecond;
  const chatRate = options.chatPerSecond ?? 1;
  const chatBurst = options.chatBurst ?? 3;
  const now = options.now ?? Date.now;
  const sleep = options.sleep ?? defaultSleep;
  // Spaced evenly: a burst of 30 let go at once reaches Telegram spread over a busy event loop, and the
  // late ones then share a second with the next 30.
  const bot = options.shared
    ? new SharedSendQueue({ sender: options.shared.sender, perSecond: botRate, claims: options.shared.claims, clock: { now, sleep }, aheadMs: replyAheadMs })
    : new SendQueue({ limit: botRate, windowMs: 1000 + providerJitterMs, spacingMs: 1000 / botRate, clock: { now, sleep } });
  const chats = new Map<string, Bucket>();

  /** Take one token, going into debt when empty; returns how long the taker must wait (ms). */
  const take = (bucket: Bucket, rate: number, burst: number, t: number): number => {
    bucket.tokens = Math.min(burst, bucket.tokens + ((t - bucket.at) / 1000) * rate);
    bucket.at = t;
    bucket.tokens -= 1;
    const debtWait = bucket.tokens >= 0 ? 0 : (-bucket.tokens / rate) * 1000;
    return Math.max(debtWait, bucket.blockedUntil - t);
  };

  const chatBucket = (chat: string, t: number): Bucket => {
    let bucket = chats.get(chat);
    if (!bucket) {
      if (chats.size >= pruneAbove) {
        for (const [key, b] of chats) {
          if (b.blockedUntil <= t && b.tokens + ((t - b.at) / 1000) * chatRate >= chatBurst) chats.delete(key);
        }
      }
      bucket = { tokens: chatBurst, at: t, blockedUntil: 0 };
      chats.set(chat, bucket);
    }
    return bucket;
  };

  return {
    async acquire(chat) {
      const t = now();
      const wait = take(chatBucket(chat, t), chatRate, chatBurst, t);
      if (wait > 0) await sleep(Math.ceil(wait));
      await bot.take();
    },
    pause(chat, seconds) {
      const t = now();
      const bucket = chatBucket(chat, t);
      bucket.blockedUntil = Math.max(bucket.blockedUntil, t + seconds * 1000);
    },
  };
}
