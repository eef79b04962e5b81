// Native modules (cap, zeromq) are loaded on first use, not at start-up, so a module that failed
// to build disables only the node that needs it; that node shows `fix` in its status and error.
export interface NativeModule<T> {
  module?: T;
  /** Why it could not be loaded and how to fix it; undefined when loaded. */
  problem?: string;
}

const cache = new Map<string, NativeModule<unknown>>();

export function loadNative<T>(name: string, fix: string): NativeModule<T> {
  let entry = cache.get(name) as NativeModule<T> | undefined;
  if (!entry) {
    try {
      entry = { module: require(name) as T };
    } catch (err) {
      entry = { problem: `cannot load '${name}' (${(err as Error).message.split('\n')[0]}): ${fix}` };
    }
    cache.set(name, entry);
  }
  return entry;
}
