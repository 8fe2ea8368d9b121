/**
 * Wait for `work`, but `ms` at most (then go on without it; it keeps running). The timer is cleared
 * either way, so none is left to wake the process later. A rejection of `work` is passed on.
 */
export async function waitAtMost(work: Promise<unknown>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([work, new Promise((resolve) => (timer = setTimeout(resolve, ms)))]);
  } finally {
    clearTimeout(timer);
  }
}
