/**
 * A small demo search API for the "Search terms outreach" example (flows/search-terms-outreach.json):
 * `GET /api/search?q=<term>` answers the businesses that match a term, always the same for the same
 * term. Terms about the same trade share businesses, so the same lead comes back from several terms
 * (what the example's "Remove duplicates" step is for).
 *
 *   GET  /api/search?q=bakery%20lyon&limit=5   { query, results: [{ id, name, email, city, trade }] }
 *   GET  /api/search/stats                      { queries, byTerm: { term: count } }
 */
import express, { type Express } from 'express';
import { listenApp, type Listening } from './listen.ts';

export interface Business {
  id: string;
  name: string;
  email: string;
  city: string;
  trade: string;
}

const TRADES: Record<string, { words: string[]; names: string[] }> = {
  bakery: { words: ['bakery', 'boulangerie', 'patisserie', 'bread', 'pastry'], names: ['Maison Dupont', 'Le Fournil', 'Pain & Co', 'La Mie Dorée', 'Boulangerie Martin', 'Au Bon Pain', 'Les Délices'] },
  florist: { words: ['florist', 'fleuriste', 'flowers', 'fleurs'], names: ['Fleurs de Lyon', 'Le Jardin', 'Rose & Lys', 'Atelier Floral', 'Pétales'] },
  cafe: { words: ['cafe', 'café', 'coffee', 'espresso'], names: ['Café Central', 'Le Petit Noir', 'Grains d\'Or', 'La Tasse', 'Brew Lyon'] },
};
const CITIES = ['lyon', 'paris', 'lille', 'nantes'];

function slug(text: string): string {
  return text
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '');
}

/** A small stable hash (FNV-1a): the same term always picks the same businesses. */
function hash(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}

/** The businesses a term finds: those of its trade in its city, a stable subset of `limit`. */
export function search(term: string, limit = 4): Business[] {
  const words = slug(term).split('-').filter(Boolean);
  const city = CITIES.find((c) => words.includes(c)) ?? 'lyon';
  const trade = Object.keys(TRADES).find((t) => TRADES[t].words.some((w) => words.includes(slug(w))));
  if (!trade) return [];
  const names = TRADES[trade].names;
  const start = hash(slug(term)) % names.length;
  const count = Math.min(limit, names.length);
  return Array.from({ length: count }, (_, i) => {
    const name = names[(start + i) % names.length];
    const id = `${slug(name)}-${city}`;
    return { id, name: `${name} (${city[0].toUpperCase()}${city.slice(1)})`, email: `contact@${id}.test`, city, trade };
  });
}

export interface SearchApi {
  app: Express;
  stats: { queries: number; byTerm: Record<string, number> };
}

export function createSearchApi(): SearchApi {
  const stats: SearchApi['stats'] = { queries: 0, byTerm: {} };
  const app = express();
  app.get('/api/search', (req, res) => {
    const q = typeof req.query.q === 'string' ? req.query.q.trim() : '';
    if (!q) {
      res.status(400).json({ error: { code: 'E_DEMO_QUERY', message: 'The search needs a term: /api/search?q=bakery lyon', hint: 'Pass the term in the q parameter.' } });
      return;
    }
    const limit = Math.max(1, Math.min(20, Number(req.query.limit) || 4));
    stats.queries++;
    stats.byTerm[q] = (stats.byTerm[q] ?? 0) + 1;
    res.json({ query: q, results: search(q, limit) });
  });
  app.get('/api/search/stats', (_req, res) => {
    res.json(stats);
  });
  return { app, stats };
}

export function listenSearchApi(api: SearchApi, port = 0, host = '127.0.0.1'): Promise<Listening> {
  return listenApp(api.app, port, host);
}
