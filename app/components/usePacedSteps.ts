'use client';

import { useCallback, useEffect, useRef } from 'react';

/**
 * Shows a model's streamed steps one every `stepMs`, however fast they arrive, so a person sees
 * the result settle step by step. `show` queues an update; `clear` drops those not shown yet.
 * useJob() replays a job's steps with it.
 */
export function usePacedSteps(stepMs: number): { show: (update: () => void) => void; clear: () => void } {
  const queue = useRef<(() => void)[]>([]);
  const pacing = useRef<ReturnType<typeof setTimeout> | null>(null);
  const pump = useCallback(() => {
    const next = queue.current.shift();
    if (!next) {
      pacing.current = null;
      return;
    }
    next();
    pacing.current = setTimeout(pump, stepMs);
  }, [stepMs]);
  const show = useCallback(
    (update: () => void) => {
      queue.current.push(update);
      if (!pacing.current) pump();
    },
    [pump],
  );
  const clear = useCallback(() => {
    queue.current = [];
  }, []);
  useEffect(
    () => () => {
      if (pacing.current) clearTimeout(pacing.current);
    },
    [],
  );
  return { show, clear };
}
