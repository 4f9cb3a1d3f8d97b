// What `npm run check` and the CLI say of a policy file's problems, made easy to act on: each at its line in
// the file, an unknown key with the known one it most likely misspells, and a misspelt key of `defaults` once, at
// `defaults`, rather than once for every group it was merged under. Build-time and CLI only: the functions
// validate their bundled policy without the text (lambda-handler.ts).
import { isMap, isScalar, isSeq, LineCounter, type Pair, parseDocument, type YAMLMap } from 'yaml';

type Segment = string | number;

/** `modelPackageGroups.fraud-detector.rollout.steps[0]` as its segments. */
export function pathSegments(path: string): Segment[] {
  const segments: Segment[] = [];
  for (const part of path.split('.')) {
    const [name, ...indexes] = part.split('[');
    if (name !== undefined && name !== '') segments.push(name);
    for (const index of indexes) segments.push(Number(index.replace(']', '')));
  }
  return segments;
}

function formatPath(segments: readonly Segment[]): string {
  return segments.reduce<string>(
    (text, segment) =>
      typeof segment === 'number' ? `${text}[${segment}]` : text === '' ? segment : `${text}.${segment}`,
    '',
  );
}

function valueAt(value: unknown, segments: readonly Segment[]): unknown {
  let current = value;
  for (const segment of segments) {
    if (typeof current !== 'object' || current === null) return undefined;
    current = (current as Record<string | number, unknown>)[segment];
  }
  return current;
}

/** The edit distance of two keys (Levenshtein), for "did you mean". */
function distance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, index) => index);
  for (let i = 1; i <= a.length; i += 1) {
    const current = [i];
    for (let j = 1; j <= b.length; j += 1) {
      const substitution = (previous[j - 1] as number) + (a[i - 1]?.toLowerCase() === b[j - 1]?.toLowerCase() ? 0 : 1);
      current.push(Math.min((previous[j] as number) + 1, (current[j - 1] as number) + 1, substitution));
    }
    previous = current;
  }
  return previous[b.length] as number;
}

/** The known key closest to `key`, if it is close enough to be a slip (a third of its letters at most). */
export function closestKey(key: string, known: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Math.max(2, Math.floor(key.length / 3)) + 1;
  for (const candidate of known) {
    const apart = distance(key, candidate);
    if (apart < bestDistance) [best, bestDistance] = [candidate, apart];
  }
  return best;
}

export interface ProblemContext {
  /** The policy's text, for lines. */
  readonly text: string;
  /** The policy as parsed, for where a group's key came from. */
  readonly raw: unknown;
  /** The keys a group may have at a path inside it ([] for the group itself); undefined: not an object there. */
  readonly knownKeys: (within: readonly Segment[]) => readonly string[] | undefined;
}

/**
 * Each problem line (`path: message`) at its line, `line 14: path: message`, with a suggestion for an unknown key,
 * a `defaults` key reported once. Lines that name no path of the file stay as they are.
 */
export function locateProblems(problems: readonly string[], context: ProblemContext): string[] {
  const counter = new LineCounter();
  // The text parsed before without error, so its keys are unique: yaml's check of that is quadratic in a map's size.
  const document = parseDocument(context.text, { lineCounter: counter, uniqueKeys: false });
  // Each map's keys indexed when first searched: a problem in each of 10,000 groups would otherwise scan
  // modelPackageGroups' 10,000 keys once per problem.
  const pairsByKey = new WeakMap<YAMLMap, Map<string, Pair>>();
  const pairIn = (map: YAMLMap, key: Segment): Pair | undefined => {
    let pairs = pairsByKey.get(map);
    if (pairs === undefined) {
      pairs = new Map();
      for (const pair of map.items) {
        const name = isScalar(pair.key) ? String(pair.key.value) : undefined;
        if (name !== undefined && !pairs.has(name)) pairs.set(name, pair);
      }
      pairsByKey.set(map, pairs);
    }
    return pairs.get(String(key));
  };
  const nodeAt = (segments: readonly Segment[]): unknown => {
    let node: unknown = document.contents;
    for (const segment of segments) {
      if (isSeq(node)) node = typeof segment === 'number' ? node.items[segment] : undefined;
      else if (isMap(node)) node = pairIn(node, segment)?.value;
      else return undefined;
    }
    return node;
  };
  /** The line of the key at `segments`, or of its nearest ancestor in the file. */
  const lineOf = (segments: readonly Segment[]): number | undefined => {
    for (let length = segments.length; length > 0; length -= 1) {
      const parent = nodeAt(segments.slice(0, length - 1));
      if (!isMap(parent)) continue;
      const pair = pairIn(parent, segments[length - 1] as Segment);
      const start = pair !== undefined && isScalar(pair.key) ? pair.key.range?.[0] : undefined;
      if (start !== undefined) return counter.linePos(start).line;
    }
    return undefined;
  };
  const seen = new Set<string>();
  const located: string[] = [];
  for (const problem of problems) {
    const separator = problem.indexOf(': ');
    if (separator < 0) {
      located.push(problem);
      continue;
    }
    let segments = pathSegments(problem.slice(0, separator));
    const message = problem.slice(separator + 2);
    let suggestion = '';
    if (message === 'unknown key' && segments[0] === 'modelPackageGroups' && segments.length > 2) {
      const within = segments.slice(2);
      const own = valueAt(context.raw, segments);
      const fromDefaults = valueAt(context.raw, ['defaults', ...within]);
      // Merged from defaults, not written in the group: the slip is in defaults, said once.
      if (own === undefined && fromDefaults !== undefined) segments = ['defaults', ...within];
      const known = context.knownKeys(within.slice(0, -1));
      const near = known === undefined ? undefined : closestKey(String(within.at(-1)), known);
      if (near !== undefined) suggestion = ` (did you mean ${near}?)`;
    }
    const text = `${formatPath(segments)}: ${message}${suggestion}`;
    if (seen.has(text)) continue;
    seen.add(text);
    const line = lineOf(segments);
    located.push(line === undefined ? text : `line ${line}: ${text}`);
  }
  return located;
}
