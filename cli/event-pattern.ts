/**
 * EventBridge event-pattern matching, for replay: the same patterns that serverless.yml gives
 * EventBridge decide which function a sample event reaches.
 * https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-event-patterns.html
 * Supported: exact values, prefix, suffix, anything-but, numeric, exists, equals-ignore-case.
 * Anything else is refused loudly rather than matched wrongly.
 */
export class UnsupportedPatternError extends Error {
  override readonly name = 'UnsupportedPatternError';
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function compareNumeric(value: number, conditions: readonly unknown[]): boolean {
  for (let index = 0; index < conditions.length; index += 2) {
    const operator = conditions[index];
    const bound = conditions[index + 1];
    if (typeof bound !== 'number') throw new UnsupportedPatternError(`numeric: ${String(operator)} needs a number`);
    const holds =
      operator === '<'
        ? value < bound
        : operator === '<='
          ? value <= bound
          : operator === '='
            ? value === bound
            : operator === '>='
              ? value >= bound
              : operator === '>'
                ? value > bound
                : undefined;
    if (holds === undefined) throw new UnsupportedPatternError(`numeric: unknown operator ${String(operator)}`);
    if (!holds) return false;
  }
  return true;
}

function matchesAnythingBut(value: unknown, excluded: unknown): boolean {
  if (isObject(excluded) && typeof excluded.prefix === 'string') {
    return typeof value === 'string' && !value.startsWith(excluded.prefix);
  }
  const excludedValues = Array.isArray(excluded) ? excluded : [excluded];
  return !excludedValues.includes(value);
}

/** One element of a pattern array against one scalar event value. */
function matchesCondition(condition: unknown, value: unknown): boolean {
  if (!isObject(condition)) return condition === value;
  const [operator, ...others] = Object.keys(condition);
  if (operator === undefined || others.length > 0) {
    throw new UnsupportedPatternError(`a condition needs exactly one operator: ${JSON.stringify(condition)}`);
  }
  const argument = condition[operator];
  switch (operator) {
    case 'prefix':
      return typeof value === 'string' && typeof argument === 'string' && value.startsWith(argument);
    case 'suffix':
      return typeof value === 'string' && typeof argument === 'string' && value.endsWith(argument);
    case 'equals-ignore-case':
      return (
        typeof value === 'string' && typeof argument === 'string' && value.toLowerCase() === argument.toLowerCase()
      );
    case 'anything-but':
      return value !== undefined && matchesAnythingBut(value, argument);
    case 'numeric':
      return typeof value === 'number' && Array.isArray(argument) && compareNumeric(value, argument);
    default:
      throw new UnsupportedPatternError(`operator ${operator} is not supported by the replay matcher`);
  }
}

function matchesField(conditions: readonly unknown[], value: unknown): boolean {
  const existence = conditions.find((condition) => isObject(condition) && 'exists' in condition);
  if (isObject(existence)) return (existence.exists === true) === (value !== undefined);
  // An array in the event matches when any of its elements does.
  const values = Array.isArray(value) ? value : [value];
  return conditions.some((condition) =>
    values.some((element) => element !== undefined && matchesCondition(condition, element)),
  );
}

export function matchesEventPattern(pattern: unknown, event: unknown): boolean {
  if (!isObject(pattern)) throw new UnsupportedPatternError('an event pattern is a JSON object');
  const subject = isObject(event) ? event : {};
  return Object.entries(pattern).every(([key, expected]) => {
    if (key.startsWith('$')) throw new UnsupportedPatternError(`${key} is not supported by the replay matcher`);
    if (Array.isArray(expected)) return matchesField(expected, subject[key]);
    if (isObject(expected)) return isObject(subject[key]) && matchesEventPattern(expected, subject[key]);
    throw new UnsupportedPatternError(`the pattern value at ${key} must be an array or an object`);
  });
}
