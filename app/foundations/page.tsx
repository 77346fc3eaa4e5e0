import type { Metadata } from 'next';
import Link from 'next/link';
import { cardId } from '@/lib/model-cards';
import { toAppError } from '@/lib/errors';
import { getFoundationsService, type BlockView } from '@/lib/foundations';
import { ErrorNotice } from '@/app/components/ErrorNotice';
import { EvaluationTable } from '@/app/components/EvaluationTable';
import { FigureExplorer } from './FigureExplorer';
import styles from './foundations.module.css';

// Checkpoints and evaluations change when a block is retrained: read them on every request.
export const dynamic = 'force-dynamic';
export const metadata: Metadata = { title: 'Foundations · Latent Studio' };

function Block({ view }: { view: BlockView }) {
  const { block, guide, card } = view;
  return (
    <section id={block} className={styles.block} data-testid={`block-${block}`}>
      <h2>{guide.title}</h2>
      <ul className={styles.papers}>
        {card.papers.map((paper) => (
          <li key={paper.title}>
            {paper.authors}, {paper.url ? <a href={paper.url}>{paper.title}</a> : paper.title}, {paper.venue}
          </li>
        ))}
      </ul>
      <p className={styles.idea}>{guide.idea}</p>
      <p className={styles.look}>{guide.look}</p>
      {card.trained ? (
        <>
          <FigureExplorer block={block} figures={guide.figures} />
          <EvaluationTable evaluation={card.evaluation} id={cardId(card)} />
          <p className={styles.untrained}>
            How it was trained: <Link href={`/models#${cardId(card)}`}>its model card</Link>.
          </p>
        </>
      ) : (
        <p className={styles.untrained} data-testid={`untrained-${block}`}>
          Not trained on this server yet: train it with <code>{guide.train}</code>, then measure it with <code>npm run eval:foundations -- --write</code>.
        </p>
      )}
    </section>
  );
}

export default async function FoundationsPage() {
  const loaded = await getFoundationsService()
    .blocks()
    .then(
      (blocks) => ({ blocks, error: null }),
      (error) => ({ blocks: [] as BlockView[], error: toAppError(error).toJSON() }),
    );
  return (
    <>
      <h1>Foundations</h1>
      <p className="lead">
        The building blocks of the tutorial, from sparse coding and autoencoders through Boltzmann machines to variational and importance-weighted
        autoencoders. Each was trained here by this project&apos;s own code on real data; each section shows what it learned, drawn live from its
        checkpoint, and the number that says how well it does, measured on held-out data next to a baseline (<code>npm run eval:foundations</code>).
        The RBM and the deep Boltzmann machine have their own card on <Link href="/models#boltzmann-mnist">Models</Link>.
      </p>
      {loaded.error && <ErrorNotice error={loaded.error} />}
      <ul className={styles.toc}>
        {loaded.blocks.map(({ block, guide }) => (
          <li key={block}>
            <a href={`#${block}`}>{guide.title}</a>
          </li>
        ))}
      </ul>
      {loaded.blocks.map((view) => (
        <Block key={view.block} view={view} />
      ))}
    </>
  );
}
