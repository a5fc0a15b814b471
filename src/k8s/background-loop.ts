/**
 * The start/stop lifecycle of a component whose work is one long-running async loop (an informer's
 * list/watch, leader election's renewals, certificate checks): start() launches the loop once and
 * returns at once; stop() aborts it and waits until it has returned, so nothing runs after stop().
 */
export class BackgroundLoop {
  private abort: AbortController | undefined;
  private loop: Promise<void> | undefined;

  constructor(private readonly body: (signal: AbortSignal) => Promise<void>) {}

  get running(): boolean {
    return this.loop !== undefined;
  }

  start(): void {
    if (this.loop !== undefined) return;
    const abort = new AbortController();
    this.abort = abort;
    this.loop = this.body(abort.signal);
  }

  async stop(): Promise<void> {
    this.abort?.abort();
    await this.loop;
    this.loop = undefined;
    this.abort = undefined;
  }
}
