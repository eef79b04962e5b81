// A node:test reporter that prints, after the run, how long each test file took, slowest first:
// the spec reporter names tests, not files, and CI time is spent per file. Files run one at a time
// (run-tests.mjs passes --test-concurrency=1), so a file's time runs from the previous file's last
// event to its own last one: its process start, its hooks and its tests.
export default async function* fileTimes(source) {
  const lastEvent = new Map();
  for await (const event of source) {
    const file = event.data?.file;
    if (file) lastEvent.set(file, Date.now());
  }
  const started = Number(process.env.WIRESCOPE_PASS_STARTED) || Date.now();
  let previous = started;
  const times = [...lastEvent].sort((a, b) => a[1] - b[1]).map(([file, end]) => {
    const ms = end - previous;
    previous = end;
    return { file, ms };
  });
  if (times.length === 0) return;
  const cwd = `${process.cwd()}/`;
  yield `\nrun-tests: time per file, slowest first (total ${minutes(previous - started)})\n`;
  for (const { file, ms } of times.sort((a, b) => b.ms - a.ms)) {
    yield `${(ms / 1000).toFixed(1).padStart(8)} s  ${file.startsWith(cwd) ? file.slice(cwd.length) : file}\n`;
  }
}

function minutes(ms) {
  return `${Math.floor(ms / 60000)} min ${Math.round((ms % 60000) / 1000)} s`;
}
