// In-page measurement helpers shared by both benchmark pages. Every loop here is bounded by
// a frame count and a wall-clock timeout, so a hung page cannot keep the run going.

export interface FrameStats {
  frames: number;
  elapsedMs: number;
  deltas: number[];
  /** Frames about to be painted without a rendered row at the top, middle or bottom of the viewport. */
  blank: number;
}

function raf(): Promise<number> {
  return new Promise((r) => requestAnimationFrame(r));
}

/** Resolves just after the next frame has been produced (rAF, then a task after paint). */
export function afterPaint(): Promise<number> {
  return new Promise((r) => requestAnimationFrame(() => setTimeout(() => r(performance.now()), 0)));
}

/** Checks `cond` once a frame; resolves with the time just after the frame that showed it, or null on timeout. */
export async function waitFor(cond: () => boolean, timeoutMs = 20_000): Promise<number | null> {
  const start = performance.now();
  for (;;) {
    await raf();
    if (cond()) return new Promise((r) => setTimeout(() => r(performance.now()), 0));
    if (performance.now() - start > timeoutMs) return null;
  }
}

/** The body row for row index `i` (aria-rowindex is 1-based and the header is row 1). */
export function rowEl(i: number): Element | null {
  return document.querySelector(`[role="row"][aria-rowindex="${i + 2}"]`);
}

/**
 * Scrolls `el` by `stepPx` every frame for `frames` frames, bouncing at the ends, and
 * records the rAF-to-rAF frame times. Before each step it checks that rows exist for the
 * top, middle and bottom of the viewport at the current scroll offset (what this frame paints).
 */
export async function scrollRun(el: HTMLElement, stepPx: number, frames: number, rowH: number, headerPx: number, timeoutMs = 15_000): Promise<FrameStats> {
  const max = el.scrollHeight - el.clientHeight;
  const bodyH = el.clientHeight - headerPx;
  let pos = el.scrollTop;
  let dir = 1;
  const deltas: number[] = [];
  let blank = 0;
  let last = await raf();
  const start = last;
  for (let f = 0; f < frames; f++) {
    const t = await raf();
    deltas.push(t - last);
    last = t;
    const top = el.scrollTop;
    const probes = [top + 1, top + bodyH / 2, top + bodyH - 2].map((y) => Math.floor(y / rowH));
    if (probes.some((i) => !rowEl(i)?.textContent)) blank++;
    pos += dir * stepPx;
    if (pos >= max) {
      pos = max;
      dir = -1;
    } else if (pos <= 0) {
      pos = 0;
      dir = 1;
    }
    el.scrollTop = pos;
    if (t - start > timeoutMs) break;
  }
  return { frames: deltas.length, elapsedMs: last - start, deltas, blank };
}

/** Records rAF frame times until `stop()` is called (at most `maxMs`). */
export function frameRecorder(maxMs = 30_000) {
  const deltas: number[] = [];
  let running = true;
  let last = performance.now();
  const start = last;
  const tick = (t: number) => {
    deltas.push(t - last);
    last = t;
    if (running && t - start < maxMs) requestAnimationFrame(tick);
  };
  requestAnimationFrame((t) => {
    last = t;
    requestAnimationFrame(tick);
  });
  return {
    stop() {
      running = false;
      return deltas;
    },
  };
}

/** Times from the first keydown after arming to the frame where `cond` holds. */
export function armKeyTimer(cond: () => boolean, timeoutMs = 30_000): Promise<{ ms: number | null; keys: number }> {
  let first: number | null = null;
  let keys = 0;
  const onKey = (e: KeyboardEvent) => {
    keys++;
    first ??= e.timeStamp;
  };
  window.addEventListener('keydown', onKey, true);
  return (async () => {
    const start = performance.now();
    for (;;) {
      await raf();
      if (first !== null && cond()) break;
      if (performance.now() - start > timeoutMs) {
        window.removeEventListener('keydown', onKey, true);
        return { ms: null, keys };
      }
    }
    const end = await new Promise<number>((r) => setTimeout(() => r(performance.now()), 0));
    window.removeEventListener('keydown', onKey, true);
    return { ms: end - (first ?? end), keys };
  })();
}

/** The body row that has keyboard focus: the grid's active descendant, or the row holding document.activeElement. */
export function focusedRowIndex(): number | null {
  const grid = document.querySelector('[role="grid"]');
  const ad = grid?.getAttribute('aria-activedescendant');
  const row = ad ? document.getElementById(ad) : document.activeElement?.closest('[role="row"]');
  const ix = row?.getAttribute('aria-rowindex');
  return ix ? Number(ix) - 2 : null;
}

/** How many rows the count line says are selected. */
export function selectedCountText(): number {
  const m = /([\d,]+) selected/.exec(document.querySelector('.count')?.textContent ?? '');
  return m ? Number(m[1]!.replace(/,/g, '')) : 0;
}

export function allRenderedSelected(): boolean {
  const rows = [...document.querySelectorAll('[role="row"][aria-selected]')];
  return rows.length >= 10 && rows.every((r) => r.getAttribute('aria-selected') === 'true');
}

export interface BenchPage {
  /** Builds the synthetic users (not timed). */
  prepare(n: number, opts?: { selection?: 'controlled' | 'uncontrolled'; memo?: boolean }): void;
  /** Mounts the grid; resolves with ms from render() to the first frame showing rows. */
  mount(): Promise<number | null>;
  /** The scrolling element and the height of the sticky header inside it (0 when outside). */
  scroller(): { el: HTMLElement; headerPx: number };
  rowH: number;
}

declare global {
  interface Window {
    bench: BenchPage & {
      scrollRun: typeof scrollRun;
      frameRecorder: typeof frameRecorder;
      armKeyTimer: typeof armKeyTimer;
      focusedRowIndex: typeof focusedRowIndex;
      selectedCountText: typeof selectedCountText;
      allRenderedSelected: typeof allRenderedSelected;
      waitFor: typeof waitFor;
      rowEl: typeof rowEl;
      afterPaint: typeof afterPaint;
      lastFrames?: ReturnType<typeof frameRecorder>;
    };
  }
}

export function install(page: BenchPage) {
  window.bench = Object.assign(page, { scrollRun, frameRecorder, armKeyTimer, focusedRowIndex, selectedCountText, allRenderedSelected, waitFor, rowEl, afterPaint });
}
