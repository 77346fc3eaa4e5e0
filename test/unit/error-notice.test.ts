import { createElement } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { describe, expect, it } from 'vitest';
import { ErrorNotice } from '@/app/components/ErrorNotice';

describe('ErrorNotice', () => {
  it('leads with the message a person reads, the code after it, small', () => {
    const html = renderToStaticMarkup(createElement(ErrorNotice, { error: { code: 'TOO_LITTLE_INK', message: 'There is too little ink to be a character.' } }));
    const text = html.replace(/<[^>]+>/g, '');
    expect(text.startsWith('There is too little ink')).toBe(true);
    expect(text.indexOf('TOO_LITTLE_INK')).toBeGreaterThan(text.indexOf('character.'));
    expect(html).toContain('<small>(<code>TOO_LITTLE_INK</code>)</small>');
    expect(html).toContain('data-code="TOO_LITTLE_INK"');
  });
});
