import type { Metadata } from 'next';
import Link from 'next/link';
import type { ReactNode } from 'react';
import { MODEL_PAGES } from '@/models';
import './globals.css';

// Every page renders per request, so that Next puts the request's Content-Security-Policy nonce
// (proxy.ts, lib/http/front-door.ts) on its scripts: a page prerendered at build time would carry
// none, and its scripts would be blocked.
export const dynamic = 'force-dynamic';

export const metadata: Metadata = {
  title: 'Latent Studio',
  description: "The generative models of Salakhutdinov's 'Deep Learning: Unsupervised Learning' tutorial, made usable.",
};

export default function RootLayout({ children }: { children: ReactNode }) {
  return (
    <html lang="en">
      <body>
        <header className="site">
          <Link href="/" className="brand">
            Latent Studio
          </Link>
          <nav>
            {MODEL_PAGES.map((page) => (
              <Link key={page.path} href={page.path}>
                {page.nav}
              </Link>
            ))}
            <Link href="/models">Models</Link>
          </nav>
        </header>
        <main>{children}</main>
        <footer className="site">Every model here runs on this server, trained by this project's own code on public datasets.</footer>
      </body>
    </html>
  );
}
