'use client';

/**
 * The site's navigation. On a wide screen its links sit in a row beside the name; on a narrow one
 * (app/globals.css, under 760 px) they fold behind a "Menu" button, a disclosure: the button says
 * whether the menu is open (aria-expanded) and which element it opens (aria-controls). Enter or
 * Space toggles it, Escape closes it and puts focus back on the button, and following a link
 * closes it. A client component, since the page's Content-Security-Policy allows no inline script.
 */
import Link from 'next/link';
import { usePathname } from 'next/navigation';
import { useEffect, useRef, useState } from 'react';

export interface NavLink {
  href: string;
  label: string;
}

const MENU_ID = 'site-menu';

export function SiteNav({ links }: { links: readonly NavLink[] }) {
  const pathname = usePathname();
  const [open, setOpen] = useState(false);
  const button = useRef<HTMLButtonElement>(null);

  // A link followed: the menu has done its work.
  useEffect(() => setOpen(false), [pathname]);

  useEffect(() => {
    if (!open) return;
    const onKey = (event: KeyboardEvent) => {
      if (event.key !== 'Escape') return;
      setOpen(false);
      button.current?.focus();
    };
    document.addEventListener('keydown', onKey);
    return () => document.removeEventListener('keydown', onKey);
  }, [open]);

  const current = (href: string) => pathname === href || pathname.startsWith(`${href}/`);

  return (
    <>
      <button
        ref={button}
        type="button"
        className="menu-button secondary"
        aria-expanded={open}
        aria-controls={MENU_ID}
        onClick={() => setOpen((was) => !was)}
        data-testid="menu-button"
      >
        <span aria-hidden="true" className="menu-icon" />
        Menu
      </button>
      <nav id={MENU_ID} aria-label="Pages" className={open ? 'open' : undefined}>
        {links.map((link) => (
          <Link key={link.href} href={link.href} aria-current={current(link.href) ? 'page' : undefined} onClick={() => setOpen(false)}>
            {link.label}
          </Link>
        ))}
      </nav>
    </>
  );
}
