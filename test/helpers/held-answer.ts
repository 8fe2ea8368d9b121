import type { ServerResponse } from 'node:http';

/**
 * A provider fake's answer kept back: `keep` holds the response (and resolves `arrived`), `release`
 * then answers it with `lost`, as an answer lost on the way would look to the sender.
 */
export function heldAnswer(lost: (res: ServerResponse) => void): { arrived: Promise<void>; release: () => void; keep: (res: ServerResponse) => void } {
  let came = () => {};
  const arrived = new Promise<void>((resolve) => (came = resolve));
  let answer: ServerResponse | undefined;
  let released = false;
  const release = () => {
    released = true;
    if (answer && !answer.headersSent) lost(answer);
  };
  const keep = (res: ServerResponse) => {
    answer = res;
    came();
    if (released) release();
  };
  return { arrived, release, keep };
}
