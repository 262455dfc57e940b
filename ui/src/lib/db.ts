// Read-only access to the clinic's local SQLite cache through tauri-plugin-sql.
// The window's capability grants load/select/close only: every write is a typed
// command into the clinic engine, never SQL from here.
import Database from '@tauri-apps/plugin-sql';
import { normalizeError } from './errors';
import type { SlotRow } from './types';

let current: { url: string; db: Promise<Database> } | null = null;

function open(url: string): Promise<Database> {
  if (current && current.url === url) return current.db;
  const db = Database.load(url);
  current = { url, db };
  // A failed load must not stick: the next call tries again.
  db.catch(() => {
    if (current?.db === db) current = null;
  });
  return db;
}

/** Closes the cache connection (on logout); the next read opens it again. */
export async function closeCache(): Promise<void> {
  const c = current;
  current = null;
  if (!c) return;
  try {
    const db = await c.db;
    await db.close();
  } catch {
    // Nothing to close, or already closed.
  }
}

/** A read over the cache's views; rejects with a CommandError. */
export async function select<T>(url: string, query: string, params: unknown[]): Promise<T[]> {
  try {
    const db = await open(url);
    return await db.select<T[]>(query, params);
  } catch (error) {
    throw normalizeError(error);
  }
}

export const SLOT_LIST_QUERY =
  'SELECT slot_id, venue_id, venue_number, venue_name, vaccine_code, vaccine_name, slot_name, date, start_time, end_time, ' +
  'visibility, capacity, booked, remaining FROM slot_list WHERE date >= $1 ' +
  'ORDER BY date, start_time, venue_number, visibility DESC'; // 公開枠 before 非公開枠, as the manual lists them

/** The TOP screen's 接種予約枠: every slot from `fromDate` ('YYYY-MM-DD', Asia/Tokyo) on, or only
 *  the first `limit` of them. */
export function selectSlotsFrom(url: string, fromDate: string, limit?: number): Promise<SlotRow[]> {
  return limit === undefined
    ? select<SlotRow>(url, SLOT_LIST_QUERY, [fromDate])
    : select<SlotRow>(url, `${SLOT_LIST_QUERY} LIMIT $2`, [fromDate, limit]);
}
