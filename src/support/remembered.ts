/**
 * `compute`, answering again from memory for a text it has seen: for what
 * every rule and target asks of every service in a run (the case styles of a
 * name, the reading of a Protocol text). Bounded: past `limit` texts it starts
 * over, for registries of any size. The answers are shared: never mutate one.
 */
export function remembered<T>(compute: (text: string) => T, limit = 4096): (text: string) => T {
  const known = new Map<string, T>();
  return (text) => {
    let value = known.get(text);
    if (value === undefined) {
      if (known.size >= limit) known.clear();
      value = compute(text);
      known.set(text, value);
    }
    return value;
  };
}
