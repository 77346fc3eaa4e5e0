/** The viewer of the page being rendered (a server component), from the request's cookie. */
import { headers } from 'next/headers';
import { ANONYMOUS, viewerOf, type Viewer } from './index';

/** A page shows what its viewer may see; a page request with a bad token sees what anyone may. */
export async function pageViewer(): Promise<Viewer> {
  return viewerOf(await headers()).catch(() => ANONYMOUS);
}
