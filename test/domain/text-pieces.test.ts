/** Downloads stream text in pieces below V8's large-object size, the lines in order and whole. */
import { describe, expect, it } from 'vitest';
import { textPieces } from '../../src/domain/text-pieces.ts';

describe('textPieces', () => {
  it('joins lines into pieces of at most 32 Ki characters, in order, never cutting a line', () => {
    const lines = Array.from({ length: 1_000 }, (_, i) => `${JSON.stringify({ i, text: 'é'.repeat(i % 300) })}\n`);
    const pieces = [...textPieces(lines)];
    expect(pieces.join('')).toBe(lines.join(''));
    expect(pieces.length).toBeGreaterThan(1);
    for (const piece of pieces) {
      expect(piece.length).toBeLessThanOrEqual(32 * 1024);
      expect(piece.endsWith('\n')).toBe(true);
    }
  });

  it('gives a line longer than a piece on its own, and nothing for no lines', () => {
    const long = `${'x'.repeat(100_000)}\n`;
    expect([...textPieces(['a\n', long, 'b\n'])]).toEqual(['a\n', long, 'b\n']);
    expect([...textPieces([])]).toEqual([]);
  });
});
