/**
 * Semantic hashing: binary codes, packing and Hamming distance by popcount, precision within a
 * Hamming ball and at k on examples with known answers, and the committed checkpoint's figure.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { mulberry32 } from '@/lib/random';
import { initBackend } from '@/lib/tfjs/backend';
import { figures } from '@/models/semantic-hashing/figures';
import {
  DeepAutoencoder, hammingDistances, hammingRanking, nearest, noiseSchedule, packCodes, popcount32, precisionAtK, precisionAtRadius, unpackCodes,
} from '@/models/semantic-hashing/model';

beforeAll(async () => {
  await initBackend('wasm');
});

const bitsOf = (...codes: string[]) => Float32Array.from(codes.join(''), (c) => Number(c));

describe('binary codes', () => {
  it('the test-time code of a binary-code autoencoder is 0/1, [σ(logit) > ½]', () => {
    const ae = new DeepAutoencoder({ layers: [784, 16, 12], code: 'binary' }, 2);
    const random = mulberry32(1);
    const images = Float32Array.from({ length: 5 * 784 }, () => random());
    const codes = ae.codes(images);
    expect(codes).toHaveLength(5 * 12);
    for (const bit of codes) expect(bit === 0 || bit === 1).toBe(true);
    const probabilities = ae.codeProbabilities(images);
    codes.forEach((bit, i) => expect(bit).toBe(probabilities[i] > 0.5 ? 1 : 0));
    ae.dispose();
  });

  it('packs into 32-bit words and back; Hamming distance by popcount equals counting differing bits', () => {
    expect(popcount32(0)).toBe(0);
    expect(popcount32(0xffffffff)).toBe(32);
    expect(popcount32(0x80000001)).toBe(2);
    const random = mulberry32(7);
    for (const size of [5, 32, 40]) {
      const n = 30;
      const bits = Float32Array.from({ length: n * size }, () => (random() < 0.5 ? 1 : 0));
      const packed = packCodes(bits, size);
      expect(packed).toHaveLength(n * Math.ceil(size / 32));
      expect(Array.from(unpackCodes(packed, size))).toEqual(Array.from(bits));
      const words = Math.ceil(size / 32);
      for (let q = 0; q < 5; q++) {
        const distances = hammingDistances(packed, q, packed, words);
        for (let i = 0; i < n; i++) {
          let naive = 0;
          for (let j = 0; j < size; j++) if (bits[q * size + j] !== bits[i * size + j]) naive++;
          expect(distances[i]).toBe(naive);
        }
        expect(distances[q]).toBe(0);
      }
    }
    expect(() => packCodes([0, 0.5], 2)).toThrow(/not 0 or 1/);
  });

  it('code noise rises from 0 to its top over the first half of training, then stays', () => {
    const noise = noiseSchedule(4, 40);
    expect(noise(1)).toBe(0);
    expect(noise(11)).toBeCloseTo(2);
    expect(noise(21)).toBe(4);
    expect(noise(40)).toBe(4);
  });
});

describe('retrieval', () => {
  // Database: 000 and 001 are digit 0, 011 and 111 are digit 1 (bit j of the string is bit j of the code).
  const database = packCodes(bitsOf('000', '100', '110', '111'), 3);
  const databaseLabels = [0, 0, 1, 1];

  it('precision within a Hamming ball of each radius, on a toy database with known answers', () => {
    // Query 000 (digit 0): at r ≤ 0 {000}, ≤ 1 {000, 100}, ≤ 2 + {110}, ≤ 3 everything.
    // Query 011 (digit 1): distances 2, 3, 2, 1, so nothing at 0, ≤ 1 {111}, ≤ 2 + {000, 110}, ≤ 3 everything.
    const queries = packCodes(bitsOf('000', '011'), 3);
    const results = precisionAtRadius(queries, [0, 1], database, databaseLabels, 3, 3);
    expect(results.map((r) => r.retrieved)).toEqual([0.5, 1.5, 3, 4]);
    expect(results.map((r) => r.answered)).toEqual([0.5, 1, 1, 1]);
    expect(results[0].precision).toBe(1); // only the first query answers: 1 of 1
    expect(results[1].precision).toBe(1); // 2 of 2, 1 of 1
    expect(results[2].precision).toBeCloseTo((2 / 3 + 2 / 3) / 2, 12); // {000, 100, 110}: 2 of 3; {111, 000, 110}: 2 of 3
    expect(results[3].precision).toBe(0.5);
  });

  it('ranks by Hamming distance with ties in database order, and precision@k counts the right labels', () => {
    const queries = packCodes(bitsOf('011'), 3);
    const distances = hammingDistances(queries, 0, database, 1);
    expect(Array.from(distances)).toEqual([2, 3, 2, 1]);
    expect(Array.from(hammingRanking(distances, 3))).toEqual([3, 0, 2, 1]);
    expect(Array.from(hammingRanking(distances, 3, 2))).toEqual([3, 0]);
    const ranking = hammingRanking(distances, 3);
    expect(precisionAtK([ranking], [1], databaseLabels, 1)).toBe(1);
    expect(precisionAtK([ranking], [1], databaseLabels, 2)).toBe(0.5);
    expect(precisionAtK([ranking], [1], databaseLabels, 3)).toBeCloseTo(2 / 3, 12);
    expect(Array.from(nearest([5, 1, 3, 1, 0], 3))).toEqual([4, 1, 3]);
  });
});

describe('the committed checkpoint', () => {
  it('draws a held-out query with its nearest training digits by code and by pixels', async () => {
    const { version } = await figures.load();
    expect(version).toMatch(/^semantic-hashing-[0-9a-f]{12}$/);
    expect(figures.names).toEqual(['neighbours']);
    const figure = await figures.figure('neighbours', 3);
    expect(figure.block).toBe('semantic-hashing');
    expect(figure.panels.map((p) => p.pictures.length)).toEqual([1, 10, 10]);
    for (const panel of figure.panels) for (const picture of panel.pictures) expect(picture.pixels).toHaveLength(784);
    const hamming = figure.panels[1].pictures.map((p) => Number(/^d=(\d+)/.exec(p.label ?? '')![1]));
    expect([...hamming].sort((a, b) => a - b)).toEqual(hamming);
    const euclidean = figure.panels[2].pictures.map((p) => Number.parseFloat(p.label ?? ''));
    expect([...euclidean].sort((a, b) => a - b)).toEqual(euclidean);
    const again = await figures.figure('neighbours', 3);
    expect(again.panels[0].pictures[0].label).toBe(figure.panels[0].pictures[0].label);
    expect(again.facts).toEqual(figure.facts);
  }, 60_000);
});
