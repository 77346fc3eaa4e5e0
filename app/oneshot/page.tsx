import type { Metadata } from 'next';
import Link from 'next/link';
import { DEFAULT_VARIANTS, MAX_VARIANTS, MIN_INK_PX, RUN_COUNT } from '@/lib/oneshot';
import { RecentRuns } from '@/app/components/RecentRuns';
import { OneShotStudio } from './OneShotStudio';

export const dynamic = 'force-dynamic';
export const metadata: Metadata = { title: 'One-shot characters · Latent Studio' };

export default function OneShotPage() {
  return (
    <>
      <h1>One-shot characters</h1>
      <p className="lead">
        Draw a character once and the model draws new versions of it, the way other people would write it (Lake, Salakhutdinov &amp; Tenenbaum,
        2015): your strokes are moved and bent as people&apos;s drawings of one character differ, and placed and sized in the frame as people place theirs, learned from Omniglot&apos;s pen trajectories. Or ask
        which of a one-shot run&apos;s 20 characters your drawing is. A character needs at least {MIN_INK_PX} px of pen path on the 105×105 canvas.
        Drawings and their variants are saved in the <Link href="/gallery#generated">gallery</Link> with their seed and model version.
      </p>
      <OneShotStudio maxVariants={MAX_VARIANTS} defaultCount={DEFAULT_VARIANTS} runCount={RUN_COUNT} />
      <RecentRuns kind="oneshot" />
    </>
  );
}
