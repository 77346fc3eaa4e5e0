import type { Metadata, Viewport } from 'next';
import Link from 'next/link';
import type { ReactNode } from 'react';
import { MODEL_PAGES } from '@/models';
import { SiteNav } from './SiteNav';
import './globals.css';

// Every page renders per request, so that Next puts the request's Content-Security-Policy nonce
// (proxy.ts, lib/http/front-door.ts) on its scripts: a page prerendered at build time would carry
// none, and its scripts would be blocked.
export const dynamic = 'force-dynamic';

export const metadata: Metadata = {
  title: 'Latent Studio',
  description: "The generative models of Salakhutdinov's 'Deep Learning: Unsupervised Learning' tutorial, made usable.",
  // public/: an SVG for browsers that take one, the .ico for those that ask for /favicon.ico.
  icons: { icon: [{ url: '/favicon.ico', sizes: '16x16 32x32 48x48' }, { url: '/icon.svg', type: 'image/svg+xml' }] },
};

export const viewport: Viewport = { width: 'device-width', initialScale: 1, themeColor: '#12151b' };

export default function RootLayout({ children }: { children: ReactNode }) {
  return (
    <html lang="en">
      <body>
        <a href="#main" className="skip-link">
          Skip to the page
        </a>
        <header className="site">
          <Link href="/" className="brand">
            Latent Studio
          </Link>
          <SiteNav links={[...MODEL_PAGES.map((page) => ({ href: page.path, label: page.nav })), { href: '/models', label: 'Models' }]} />
        </header>
        <main id="main" tabIndex={-1}>
          {children}
        </main>
        <footer className="site">Every model here runs on this server, trained by this project's own code on public datasets.</footer>
      </body>
    </html>
  );
}
