import Link from 'next/link';
import { pageStatus, type PageStatus } from '@/lib/model-cards';
import { MODEL_PAGES } from '@/models';

// Each card's status is read from the checkpoints' evaluations when the page is asked for.
export const dynamic = 'force-dynamic';

function statusText(status: PageStatus): string {
  if (!status.available) return 'not trained yet';
  if (status.unmet.length === 0) return status.goals > 0 ? `available · ${status.met === 1 ? 'goal' : `all ${status.met} goals`} met` : 'available';
  return `available · ${status.met} of ${status.goals} goals met`;
}

export default async function Home() {
  const pages = await Promise.all(MODEL_PAGES.map(async (page) => ({ page, status: await pageStatus(page.models.map((m) => m.id)) })));
  return (
    <>
      <h1>Latent Studio</h1>
      <p className="lead">
        The generative models of Salakhutdinov&apos;s tutorial <em>Deep Learning: Unsupervised Learning</em>, as things you can use. Every model
        runs on this server through one shared model server.
      </p>
      <div className="cards">
        {pages.map(({ page, status }) => (
          <Link key={page.path} href={page.path} className="card" style={{ color: 'inherit', textDecoration: 'none' }}>
            <h3>{page.title}</h3>
            <p>{page.summary}</p>
            <span className={`badge ${status.available ? 'ok' : ''}`}>{statusText(status)}</span>
            {status.unmet.length > 0 && <p className="unmet">Goal not met: {status.unmet.join('; ')} (see Models).</p>}
          </Link>
        ))}
      </div>
    </>
  );
}
