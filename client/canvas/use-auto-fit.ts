import { useCallback, useEffect, useRef, useState } from 'react';
import { useNodesInitialized, useReactFlow } from '@xyflow/react';

const OPTIONS = { padding: 0.2, maxZoom: 1.1 };

/**
 * Keeps the whole flow in view: once when the nodes are first measured, and whenever the canvas is
 * resized (a drawer opens), until the person pans or zooms themselves.
 */
export function useAutoFit(container: React.RefObject<HTMLElement | null>) {
  const { fitView } = useReactFlow();
  const initialized = useNodesInitialized();
  const userMoved = useRef(false);
  const fitted = useRef(false);
  const [ready, setReady] = useState(false);

  useEffect(() => {
    if (!initialized || fitted.current) return;
    fitted.current = true;
    const done = () => setReady(true);
    if (userMoved.current) done();
    else void Promise.resolve(fitView(OPTIONS)).then(done, done);
  }, [initialized, fitView]);

  useEffect(() => {
    const el = container.current;
    if (!el) return;
    let frame = 0;
    const ro = new ResizeObserver(() => {
      cancelAnimationFrame(frame);
      frame = requestAnimationFrame(() => {
        if (!userMoved.current) void fitView(OPTIONS);
      });
    });
    ro.observe(el);
    return () => {
      cancelAnimationFrame(frame);
      ro.disconnect();
    };
  }, [container, fitView]);

  /** For ReactFlow's onMoveStart: a move with an event comes from the person. */
  const onMoveStart = useCallback((event: MouseEvent | TouchEvent | null) => {
    if (event) userMoved.current = true;
  }, []);
  /** `fitted`: the first fit is done (the canvas shows `data-fitted="true"`). */
  return { onMoveStart, fitted: ready };
}
