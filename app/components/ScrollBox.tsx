'use client';

/**
 * A box that scrolls sideways inside itself when what it holds is wider than the screen (a table,
 * a grid of pictures), so that the page itself never does. While it overflows, it is a named
 * region that takes keyboard focus, so that a keyboard can scroll it too (arrow keys); while it
 * fits, it is a plain box and no extra stop for the Tab key.
 */
import { useEffect, useRef, useState, type ReactNode } from 'react';

export function ScrollBox({ label, className, children }: { label: string; className?: string; children: ReactNode }) {
  const box = useRef<HTMLDivElement>(null);
  const [overflows, setOverflows] = useState(false);

  useEffect(() => {
    const element = box.current;
    if (!element) return;
    const check = () => setOverflows(element.scrollWidth > element.clientWidth + 1);
    check();
    const observer = new ResizeObserver(check);
    observer.observe(element);
    for (const child of element.children) observer.observe(child);
    return () => observer.disconnect();
  }, []);

  return (
    <div
      ref={box}
      className={`scroll-box${className ? ` ${className}` : ''}`}
      {...(overflows ? { role: 'region', 'aria-label': `${label} (scrolls sideways)`, tabIndex: 0, 'data-overflows': true } : {})}
    >
      {children}
    </div>
  );
}
