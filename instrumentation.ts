/**
 * Runs once when the server starts: recovery from whatever a crash left behind (lib/recovery),
 * then periodically. Only in the Node.js runtime (NEXT_RUNTIME is Next's own variable).
 */
export async function register() {
  if (process.env.NEXT_RUNTIME !== 'nodejs') return;
  const { startRecovery } = await import('./lib/recovery');
  startRecovery();
}
