// Whether two patterns' groups can land on one endpoint. `churn-*` with `{group}-prod` and `legacy-*` with
// `churn-{group}` both give churn-legacy-prod: to group churn-legacy and to group legacy-prod. The endpoint
// names a pattern gives are a regular language (fixed text, a group the pattern configures, fixed text),
// so a breadth-first search over two small automata run side by side finds the shortest name both give,
// or shows there is none, without listing a single group. A group a pattern configures: it matches the
// pattern, is not listed by name, and matches no pattern that wins over this one.

/** A pattern's endpoint template, `<prefix>{group}<suffix>` (npm run check allows `{group}` once). */
export interface TemplateClaim {
  readonly pattern: string;
  readonly prefix: string;
  readonly suffix: string;
}

export interface PatternWorld {
  readonly explicitGroups: readonly string[];
  preferredOver(pattern: string): readonly string[];
}

// SageMaker endpoint names are at most 63 characters: no longer name is worth looking for.
const longestEndpointName = 63;
const isAlphanumeric = (character: string) => /^[a-zA-Z0-9]$/.test(character);

/** Positions in a glob (`*` is any run of letters, digits and hyphens) that the text read so far can reach. */
type GlobPositions = readonly number[];

function globClosure(glob: string, positions: Iterable<number>): GlobPositions {
  const reached = new Set<number>();
  for (let position of positions) {
    reached.add(position);
    while (glob[position] === '*') reached.add(++position);
  }
  return [...reached].sort((a, b) => a - b);
}

function globStep(glob: string, positions: GlobPositions, character: string): GlobPositions {
  return globClosure(
    glob,
    positions.flatMap((position) =>
      glob[position] === '*' ? [position] : glob[position] === character ? [position + 1] : [],
    ),
  );
}

/** The listed names as a trie: node 0 is the root, -1 a text that is no listed name's start. */
interface NameTrie {
  readonly children: Map<string, number>[];
  readonly isName: boolean[];
}

function nameTrie(names: readonly string[]): NameTrie {
  const trie: NameTrie = { children: [new Map()], isName: [false] };
  for (const name of names) {
    let node = 0;
    for (const character of name) {
      const children = trie.children[node] as Map<string, number>;
      let next = children.get(character);
      if (next === undefined) {
        next = trie.children.push(new Map()) - 1;
        trie.isName.push(false);
        children.set(character, next);
      }
      node = next;
    }
    trie.isName[node] = true;
  }
  return trie;
}

/** What is known of a group name read so far: where it is in its pattern, the winning patterns and the names. */
interface GroupState {
  readonly own: GlobPositions;
  readonly winners: readonly GlobPositions[];
  readonly trieNode: number;
  readonly length: number;
  readonly endsAlphanumeric: boolean;
}

/** The automaton of the endpoint names one template gives: prefix, then a group of its pattern, then suffix. */
type TemplateState =
  | { readonly phase: 'prefix' | 'suffix'; readonly index: number }
  | { readonly phase: 'group'; readonly group: GroupState };

class TemplateAutomaton {
  private readonly winners: readonly string[];

  constructor(
    readonly claim: TemplateClaim,
    world: PatternWorld,
    private readonly trie: NameTrie,
  ) {
    this.winners = world.preferredOver(claim.pattern);
  }

  start(): TemplateState[] {
    return this.closure({ phase: 'prefix', index: 0 });
  }

  isFinal(state: TemplateState): boolean {
    return state.phase === 'suffix' && state.index === this.claim.suffix.length;
  }

  step(state: TemplateState, character: string): TemplateState[] {
    if (state.phase === 'group') {
      const group = this.groupStep(state.group, character);
      return group === undefined ? [] : this.closure({ phase: 'group', group });
    }
    const text = state.phase === 'prefix' ? this.claim.prefix : this.claim.suffix;
    return text[state.index] === character ? this.closure({ phase: state.phase, index: state.index + 1 }) : [];
  }

  key(state: TemplateState): string {
    if (state.phase !== 'group') return `${state.phase}${state.index}`;
    const { own, winners, trieNode, length, endsAlphanumeric } = state.group;
    return `g${own.join(',')}|${winners.map((positions) => positions.join(',')).join(';')}|${trieNode}|${Math.min(length, 1)}${endsAlphanumeric}`;
  }

  private closure(state: TemplateState): TemplateState[] {
    if (state.phase === 'prefix' && state.index === this.claim.prefix.length) {
      const group: GroupState = {
        own: globClosure(this.claim.pattern, [0]),
        winners: this.winners.map((winner) => globClosure(winner, [0])),
        trieNode: 0,
        length: 0,
        endsAlphanumeric: false,
      };
      return [state, ...this.closure({ phase: 'group', group })];
    }
    if (state.phase === 'group' && this.isWholeGroup(state.group)) {
      return [state, ...this.closure({ phase: 'suffix', index: 0 })];
    }
    return [state];
  }

  private groupStep(group: GroupState, character: string): GroupState | undefined {
    // A group name starts with a letter or digit; a text its pattern cannot match any longer is dead.
    if (group.length === 0 && !isAlphanumeric(character)) return undefined;
    const own = globStep(this.claim.pattern, group.own, character);
    if (own.length === 0 || group.length >= longestEndpointName) return undefined;
    return {
      own,
      winners: group.winners.map((positions, index) => globStep(this.winners[index] as string, positions, character)),
      trieNode: group.trieNode < 0 ? -1 : (this.trie.children[group.trieNode]?.get(character) ?? -1),
      length: group.length + 1,
      endsAlphanumeric: isAlphanumeric(character),
    };
  }

  /** A whole group name that this pattern configures. */
  private isWholeGroup(group: GroupState): boolean {
    const { pattern } = this.claim;
    return (
      group.length > 0 &&
      group.endsAlphanumeric &&
      group.own.includes(pattern.length) &&
      group.winners.every((positions, index) => !positions.includes((this.winners[index] as string).length)) &&
      (group.trieNode < 0 || !this.trie.isName[group.trieNode])
    );
  }
}

/** Letters that matter: every fixed character of the names involved, and one that none of them has. */
function alphabetOf(texts: readonly string[]): string[] {
  const used = new Set([...texts.join('')].filter((character) => character !== '*'));
  const other = [...'abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ'].find((c) => !used.has(c));
  return [...used, ...(other === undefined ? [] : [other])].filter((c) => /^[a-zA-Z0-9-]$/.test(c)).sort();
}

interface SharedEndpoint {
  readonly endpointName: string;
  readonly groupNames: readonly [string, string];
}

/** The shortest endpoint name both templates give to two of their groups, and those groups; or none. */
export function sharedEndpoint(a: TemplateClaim, b: TemplateClaim, world: PatternWorld): SharedEndpoint | undefined {
  // The listed names multiply the states (a trie of 1,000 names); leaving them out only adds groups, so a
  // search without them that finds nothing is the answer, and most pairs of patterns end there.
  const withoutNames = search(a, b, { ...world, explicitGroups: [] });
  return withoutNames === undefined || world.explicitGroups.length === 0 ? withoutNames : search(a, b, world);
}

function search(a: TemplateClaim, b: TemplateClaim, world: PatternWorld): SharedEndpoint | undefined {
  const trie = nameTrie(world.explicitGroups);
  const first = new TemplateAutomaton(a, world, trie);
  const second = new TemplateAutomaton(b, world, trie);
  const alphabet = alphabetOf([
    a.pattern,
    b.pattern,
    a.prefix,
    a.suffix,
    b.prefix,
    b.suffix,
    ...world.explicitGroups,
    ...world.preferredOver(a.pattern),
    ...world.preferredOver(b.pattern),
  ]);
  type Pair = readonly [TemplateState, TemplateState, string];
  const seen = new Set<string>();
  /** The pairs not met before: a state pair reached again, by a longer or equal text, adds nothing. */
  const unseen = (left: TemplateState[], right: TemplateState[], text: string): Pair[] =>
    left.flatMap((x) =>
      right.flatMap((y): Pair[] => {
        const key = `${first.key(x)}#${second.key(y)}`;
        if (seen.has(key)) return [];
        seen.add(key);
        return [[x, y, text]];
      }),
    );
  let layer = unseen(first.start(), second.start(), '');
  for (let length = 0; layer.length > 0 && length <= longestEndpointName; length += 1) {
    const final = layer.find(([x, y]) => first.isFinal(x) && second.isFinal(y));
    if (final !== undefined) {
      const text = final[2];
      const groupOf = (claim: TemplateClaim) => text.slice(claim.prefix.length, text.length - claim.suffix.length);
      // Two groups always: no group is configured by two patterns.
      return { endpointName: text, groupNames: [groupOf(a), groupOf(b)] };
    }
    layer = layer.flatMap(([x, y, text]) =>
      alphabet.flatMap((character) => unseen(first.step(x, character), second.step(y, character), text + character)),
    );
  }
  return undefined;
}
