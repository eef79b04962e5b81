// A node's message catalogue as Node-RED's RED._ reads it: the key under the node's namespace
// in locales/<language>/<node>.json, `__name__` replaced by the value of `name`.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const root = join(__dirname, '..', '..');

export function catalogue(node: string, language: string): Record<string, unknown> {
  return JSON.parse(readFileSync(join(root, 'locales', language, `${node}.json`), 'utf8'))[node];
}

/** `(key, vars) => text` for the keys under `<node>.status`, as the zmq nodes hand monitorStatus. */
export function catalogueText(node: string, language: string, under = 'status'): (key: string, vars?: Record<string, unknown>) => string {
  const texts = catalogue(node, language)[under] as Record<string, unknown>;
  return (key, vars = {}) => {
    const text = texts[key];
    if (typeof text !== 'string') throw new Error(`${language}/${node}.json has no ${under}.${key}`);
    return text.replace(/__(\w+)__/g, (_, name: string) => String(vars[name]));
  };
}
