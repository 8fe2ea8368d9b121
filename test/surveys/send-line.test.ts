import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { SendLines } from '../../src/surveys/send-line.js';

/** A delivery the test lets finish by hand. */
function gatedDeliveries() {
  const started: string[] = [];
  const gates = new Map<string, () => void>();
  let running = 0;
  let most = 0;
  const deliver = async (ids: readonly string[]) => {
    started.push(ids.join('+'));
    running++;
    most = Math.max(most, running);
    await new Promise<void>((resolve) => gates.set(ids.join('+'), resolve));
    running--;
  };
  const release = async (id: string) => {
    gates.get(id)!();
    await new Promise((resolve) => setImmediate(resolve));
  };
  return { deliver, started, release, most: () => most };
}

const log = pino({ level: 'silent' });

describe('SendLines', () => {
  it('runs at most the given number per line, in order, lines side by side', async () => {
    const d = gatedDeliveries();
    const lines = new SendLines(d.deliver, log);
    for (const id of ['a1', 'a2', 'a3', 'a4']) lines.push('a', [id], 2);
    lines.push('b', ['b1', 'b1x'], 2);
    await new Promise((resolve) => setImmediate(resolve));
    expect(d.started).toEqual(['a1', 'a2', 'b1+b1x']);
    await d.release('a1');
    expect(d.started).toEqual(['a1', 'a2', 'b1+b1x', 'a3']);
    await d.release('a2');
    await d.release('a3');
    await d.release('a4');
    await d.release('b1+b1x');
    expect(d.started).toEqual(['a1', 'a2', 'b1+b1x', 'a3', 'a4']);
    expect(d.most()).toBe(3);
  });

  it('keeps going after a failed delivery, and on close waits for those under way and starts no more', async () => {
    const d = gatedDeliveries();
    let failed = 0;
    const lines = new SendLines(async (ids) => (ids[0] === 'bad' ? Promise.reject(Object.assign(new Error('down'), { failed: ++failed })) : d.deliver(ids)), log);
    for (const id of ['bad', 'a1', 'a2']) lines.push('a', [id], 1);
    await new Promise((resolve) => setImmediate(resolve));
    expect(failed).toBe(1);
    expect(d.started).toEqual(['a1']);
    let closed = false;
    const closing = lines.close().then(() => (closed = true));
    await new Promise((resolve) => setImmediate(resolve));
    expect(closed).toBe(false);
    await d.release('a1');
    await closing;
    lines.push('a', ['a3'], 1);
    await new Promise((resolve) => setImmediate(resolve));
    expect(d.started).toEqual(['a1']);
  });

  it('takes the width of the latest push: a line widens while it runs', async () => {
    const d = gatedDeliveries();
    const lines = new SendLines(d.deliver, log);
    for (const id of ['a1', 'a2', 'a3']) lines.push('a', [id], 1);
    await new Promise((resolve) => setImmediate(resolve));
    expect(d.started).toEqual(['a1']);
    lines.push('a', ['a4'], 3);
    await new Promise((resolve) => setImmediate(resolve));
    expect(d.started).toEqual(['a1', 'a2']);
    lines.push('a', ['a5'], 3);
    await new Promise((resolve) => setImmediate(resolve));
    expect(d.started).toEqual(['a1', 'a2', 'a3']);
    for (const id of ['a1', 'a2', 'a3', 'a4', 'a5']) await d.release(id);
    expect(d.started).toEqual(['a1', 'a2', 'a3', 'a4', 'a5']);
    expect(d.most()).toBe(3);
  });
});
