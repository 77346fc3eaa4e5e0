import type { Metadata } from 'next';
import Link from 'next/link';
import type { ReactNode } from 'react';
import './globals.css';

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
            <Link href="/gallery">Gallery</Link>
            <Link href="/tags">Tags</Link>
            <Link href="/caption">Caption</Link>
            <Link href="/oneshot">One-shot</Link>
            <Link href="/gan">GAN</Link>
            <Link href="/foundations">Foundations</Link>
            <Link href="/models">Models</Link>
          </nav>
        </header>
        <main>{children}</main>
        <footer className="site">Every model here runs on this server, trained by this project's own code on public datasets.</footer>
      </body>
    </html>
  );
}
