/**
 * A closed stdout or stderr (`gatepass export --help | head -1`) ends the CLI quietly, as git
 * and coreutils do when SIGPIPE kills them: no stack trace, no message, and the status a shell
 * reports for them (128 + SIGPIPE = 141), so `set -o pipefail` scripts still see that the
 * command did not run to its end.
 *
 * Node ignores SIGPIPE and reports a closed pipe as EPIPE instead, either as an 'error' event
 * on the stream (a pipe or socket: the usual case) or thrown by write() itself. Both are caught
 * here. A long command that stops cleanly on SIGTERM (export cancels its save so no temp file is
 * left; server and console close their database) is asked to stop that way; anything else, or a
 * stop that takes too long, ends at once.
 */

/** The exit status after a closed stdout or stderr: what a shell reports for a SIGPIPE death. */
export const EXIT_CLOSED_OUTPUT = 141;

/** How long a command that listens for SIGTERM gets to stop before the process just exits. */
const GRACE_MS = 5_000;

let closed = false;
const guarded = new WeakSet<NodeJS.WritableStream>();

/** True once stdout or stderr was found closed: the command is ending and prints nothing more. */
export function outputClosed(): boolean {
  return closed;
}

/** A write to a pipe or socket whose reader has gone. */
export function isClosedPipeError(err: unknown): boolean {
  return typeof err === 'object' && err !== null && (err as NodeJS.ErrnoException).code === 'EPIPE';
}

type Write = NodeJS.WriteStream['write'];

/** Drops a write, still calling its callback (some writers wait for it). */
const discard = ((chunk: unknown, encoding?: unknown, cb?: unknown): boolean => {
  const done = typeof encoding === 'function' ? encoding : cb;
  if (typeof done === 'function') process.nextTick(done as () => void);
  return true;
}) as Write;

/** Ends the process quietly; called once, on the first EPIPE from stdout or stderr. */
export function endOnClosedOutput(): void {
  if (closed) return;
  closed = true;
  // Nothing more reaches either stream: the reader is gone, and nobody asked for a farewell.
  process.stdout.write = discard;
  process.stderr.write = discard;
  // Whatever a command sets or exits with from here on, the process ends as a closed pipe.
  process.on('exit', () => {
    process.exitCode = EXIT_CLOSED_OUTPUT;
  });
  if (process.listenerCount('SIGTERM') > 0) {
    process.emit('SIGTERM', 'SIGTERM');
    setTimeout(() => process.exit(EXIT_CLOSED_OUTPUT), GRACE_MS).unref();
  } else {
    process.exit(EXIT_CLOSED_OUTPUT);
  }
}

/** Makes an EPIPE on these streams (stdout and stderr by default) end the CLI quietly. Idempotent. */
export function guardClosedOutput(streams: NodeJS.WriteStream[] = [process.stdout, process.stderr]): void {
  for (const stream of streams) {
    if (guarded.has(stream)) continue;
    guarded.add(stream);
    stream.on('error', (err: unknown) => {
      if (isClosedPipeError(err)) return endOnClosedOutput();
      // Another failure: what Node does with an 'error' nobody handles, unless someone else does.
      if (stream.listenerCount('error') === 1) throw err;
    });
    const write = stream.write;
    stream.write = function (this: NodeJS.WriteStream, ...args: Parameters<Write>): boolean {
      try {
        return Reflect.apply(write, this, args) as boolean;
      } catch (err) {
        if (!isClosedPipeError(err)) throw err;
        endOnClosedOutput();
        return true;
      }
    } as Write;
  }
}
