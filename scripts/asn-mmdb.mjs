// The demo's AS database: no AS database in .mmdb form is published on npm, so it is written from
// the CSV ranges of the npm package @ip-location-db/asn (a devDependency) by
// scripts/build-asn-mmdb.pl, once per package version, into .cache/mmdb/ of the checkout.
// Idempotent and safe to run twice at once (each build writes its own temporary file, then renames).
// Run by scripts/setup.d/asn-mmdb.sh and by scripts/demo.mjs; `node scripts/asn-mmdb.mjs` prints the path.
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
const root = dirname(dirname(fileURLToPath(import.meta.url)));
const require = createRequire(join(root, 'package.json'));

/** Where the AS database of the installed @ip-location-db/asn lives (built or not). */
export function asnDatabasePath() {
  const dir = dirname(require.resolve('@ip-location-db/asn/package.json'));
  const { version } = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
  return { csv: [join(dir, 'asn-ipv4.csv'), join(dir, 'asn-ipv6.csv')], path: join(root, '.cache', 'mmdb', `asn-${version}.mmdb`) };
}

/** The path of the AS database, built first when this package version has none yet. */
export async function ensureAsnDatabase(log = () => {}) {
  const { csv, path } = asnDatabasePath();
  if (existsSync(path)) return { path, built: false, seconds: 0 };
  const dir = dirname(path);
  mkdirSync(dir, { recursive: true });
  const started = Date.now();
  log(`building the AS database ${path} from @ip-location-db/asn (MaxMind::DB::Writer, about 10 s)`);
  const temporary = `${path}.${process.pid}.tmp`;
  try {
    await run('perl', [join(root, 'scripts', 'build-asn-mmdb.pl'), temporary, ...csv], { maxBuffer: 16 * 1024 * 1024 });
    renameSync(temporary, path);
  } catch (err) {
    rmSync(temporary, { force: true });
    throw new Error(`could not build the AS database (needs Debian libmaxmind-db-writer-perl, scripts/apt/enrich.txt): ${err.stderr || err.message}`);
  }
  // Databases of older package versions are of no further use.
  for (const f of readdirSync(dir)) if (/^asn-.*\.mmdb$/.test(f) && join(dir, f) !== path) rmSync(join(dir, f), { force: true });
  return { path, built: true, seconds: (Date.now() - started) / 1000 };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { path, built, seconds } = await ensureAsnDatabase((line) => console.error(`setup: ${line}`));
  if (built) console.error(`setup: AS database built in ${seconds.toFixed(1)} s`);
  console.log(path);
}
