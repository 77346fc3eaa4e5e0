import type { ReactNode } from 'react';

/**
 * A failure a person can meet, as every page shows one: the message written for them first, then
 * its code, small (for a bug report; the API's JSON keeps it too).
 */
export function ErrorNotice({ error, testId, children }: { error: { code: string; message: string }; testId?: string; children?: ReactNode }) {
  return (
    <div className="error" role="alert" data-testid={testId} data-code={error.code}>
      <span data-testid={testId ? `${testId}-message` : undefined}>{error.message}</span>{' '}
      <small>
        (<code>{error.code}</code>)
      </small>
      {children}
    </div>
  );
}
