import type { Insertable, Kysely } from 'kysely';
import type { Database, UserTable } from '../../db/schema';
import { searchText, sortKeys, toCount } from '../../context';

const FIRST = `Anna Bo Carla David Elena Farid Greta Hugo Ines Jonas Karin Lars Maria Nils Olga Pavel
Quinn Rosa Stefan Tara Umar Vera Wei Xenia Yusuf Zoe Amir Beate Chen Dana Emil Fatima Georg Hanna Ivan
Julia Kofi Lea Mateo Nora Oskar Priya Rafael Sara Tomas Ulla Viktor Wanda Yara Zeynep Aiko Bruno Clara
Dmitri Eva Felix Gita Henrik Ida Jan Kim Luca Mia Noah Omar Petra Ravi Sofia Theo Uma Vito Wilma Yosef`
  .split(/\s+/)
  .filter(Boolean);
const LAST = `Berg Chen Diaz Eriksen Fischer Garcia Hansen Ito Jensen Kowalski Larsen Meyer Novak Okafor
Petrov Quist Rossi Schmidt Tanaka Urban Vogel Weber Xu Yilmaz Zimmer Andersen Bauer Costa Dubois Engel
Fontaine Gruber Horvat Ivanova Jovanovic Keller Lindqvist Moreau Nielsen Olsen Patel Quinto Richter
Silva Torres Ulrich Varga Wagner Young Zhang Almeida Brandt Castillo Dahl Eklund Ferrari Gomez Holm
Iqbal Janssen Kaur Lopez Martin Nakamura Ortiz Pereira Ramos Sato Takahashi Ueda Vidal Wolf Yamada`
  .split(/\s+/)
  .filter(Boolean);

/** Deterministic demo people: index i always gives the same name, login and email. */
export function demoUser(i: number, seen: Map<string, number>): Pick<UserTable, 'login' | 'display_name' | 'email'> {
  const first = FIRST[i % FIRST.length] ?? 'Alex';
  // Walk the surnames at a different stride so neighbours do not share a surname.
  const last = LAST[(i * 7 + Math.floor(i / FIRST.length)) % LAST.length] ?? 'Doe';
  const base = `${first[0]}.${last}`.toLowerCase();
  const n = (seen.get(base) ?? 0) + 1;
  seen.set(base, n);
  const login = n === 1 ? base : `${base}${n}`;
  return { login, display_name: `${first} ${last}`, email: `${login}@example.com` };
}

/**
 * Fills an empty users table with `count` demo users, in one transaction of multi-row
 * inserts, so 100,000 take seconds. Demo users have no password: they are there to be
 * listed and issued codes. Returns how many it inserted (0 if there were users already).
 */
export async function seedDemoUsers(db: Kysely<Database>, count: number, now: Date): Promise<number> {
  if (count <= 0) return 0;
  const existing = await db.selectFrom('users').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow();
  if (toCount(existing.n) > 0) return 0;
  const seen = new Map<string, number>();
  // 12 columns x 1,000 rows stays below SQLite's 32,766 and PostgreSQL's 65,535 parameters.
  const CHUNK = 1000;
  const start = now.getTime() - count * 1000;
  await db.transaction().execute(async (trx) => {
    for (let from = 0; from < count; from += CHUNK) {
      const rows: Insertable<UserTable>[] = [];
      for (let i = from; i < Math.min(count, from + CHUNK); i++) {
        const p = demoUser(i, seen);
        // Spread creation times a second apart so "sort by created" means something.
        const at = new Date(start + i * 1000).toISOString();
        rows.push({
          id: `demo-${String(i + 1).padStart(6, '0')}`,
          login: p.login,
          login_key: p.login,
          display_name: p.display_name,
          email: p.email,
          search_text: searchText(p.login, p.display_name, p.email),
          ...sortKeys(p.login, p.display_name, p.email),
          password_hash: null,
          created_at: at,
          updated_at: at,
        });
      }
      await trx.insertInto('users').values(rows).execute();
    }
  });
  return count;
}
