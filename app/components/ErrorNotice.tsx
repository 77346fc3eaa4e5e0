import type { ReactNode } from 'react';

/** A failure a person can meet, as every page shows one: its code, then the message written for them. */
export function ErrorNotice({ error, testId, children }: { error: { code: string; message: string }; testId?: string; children?: ReactNode }) {
  return (
    <div className="error" role="alert" data-testid={testId} data-code={error.code}>
      <code>{error.code}</code>
      {error.message}
      {children}
    </div>
  );
}
