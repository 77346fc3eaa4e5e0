import Link from 'next/link';
import { GeneratedGrid } from '@/app/gallery/GeneratedGrid';
import type { CaptionGeneration } from '@/lib/caption';
import type { GanGeneration } from '@/lib/gan';
import { getGenerationService } from '@/lib/generations';
import type { OneShotGeneration } from '@/lib/oneshot';
import { pageViewer } from '@/lib/owners/page';

/**
 * "Your recent runs" on a generating page: the person's own last few results of this kind, each
 * linking to its saved page in the gallery (nothing when they have none yet).
 */
export async function RecentRuns({ kind, limit = 4 }: { kind: 'caption' | 'gan' | 'oneshot'; limit?: number }) {
  const runs = await getGenerationService().list(await pageViewer(), { kind, limit, mine: true });
  if (runs.length === 0) return null;
  return (
    <section aria-labelledby="recent-runs" data-testid="recent-runs">
      <h2 id="recent-runs">Your recent runs</h2>
      <GeneratedGrid generations={runs as unknown as (CaptionGeneration | GanGeneration | OneShotGeneration)[]} />
      <p>
        <Link href="/gallery?show=drawings">All your drawings in the gallery →</Link>
      </p>
    </section>
  );
}
