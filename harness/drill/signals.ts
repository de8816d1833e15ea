/**
 * SIGINT/SIGTERM during the drill: the first signal stops the drill (its cleanup still runs), a
 * second one stops the cleanup too (leftovers are then reported for `--cleanup`). Handlers exist
 * only while the drill runs; removing them restores the process's normal behaviour.
 */
export type TerminationSignal = 'SIGINT' | 'SIGTERM';

export interface SignalSource {
  on(event: TerminationSignal, listener: () => void): unknown;
  off(event: TerminationSignal, listener: () => void): unknown;
}

const SIGNALS: readonly TerminationSignal[] = ['SIGINT', 'SIGTERM'];

/** Install `handler` for SIGINT and SIGTERM; returns the function that removes them. */
export function onTerminationSignals(source: SignalSource, handler: (signal: TerminationSignal) => void): () => void {
  const listeners = SIGNALS.map((signal) => [signal, () => handler(signal)] as const);
  for (const [signal, listener] of listeners) source.on(signal, listener);
  return () => {
    for (const [signal, listener] of listeners) source.off(signal, listener);
  };
}
