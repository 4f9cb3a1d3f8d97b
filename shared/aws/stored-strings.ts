// How long a string the stack stores in DynamoDB may be. A DynamoDB item holds at most 400 KB
// (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/ServiceQuotas.html#limits-items), and a
// rollout record repeats a reason in its `reason` and its history: one alarm reason of 150 KB in an event
// would make every write of the record fail, and with it the rollback it asked for. So every string of an
// item is cut here, whichever path it came by (an alarm's reason from CloudWatch, SageMaker's FailureReason,
// a pipeline's failure, a note built from them), rather than on each path. Pure.

/**
 * At most this many characters: an ARN (AWS's longest identifier, 2,048) is never cut, nor what AWS itself
 * bounds below it (CloudWatch's StateReason, 1,023; SageMaker's FailureReason, 1,024; a SageMaker pipeline's
 * failure reason, 1,300), so only a text that did not come from AWS as documented, or a note wrapped around
 * one, loses its end.
 */
export const maxStoredStringLength = 2_048;

/** The text, or its first characters and an ellipsis, at most `max` characters (code points) in all. */
export function boundedText(text: string, max = maxStoredStringLength): string {
  if (text.length <= max) return text; // never more code points than UTF-16 units
  // By code point, so that a character outside the BMP is never cut in half.
  const characters = Array.from(text);
  return characters.length <= max ? text : `${characters.slice(0, max - 1).join('')}…`;
}

/** The item with every string in it, at any depth, at most maxStoredStringLength characters. */
export function boundedItem<Item>(item: Item): Item {
  if (typeof item === 'string') return boundedText(item) as Item;
  if (Array.isArray(item)) return item.map((value) => boundedItem(value)) as Item;
  if (typeof item === 'object' && item !== null && Object.getPrototypeOf(item) === Object.prototype) {
    return Object.fromEntries(Object.entries(item).map(([key, value]) => [key, boundedItem(value)])) as Item;
  }
  return item;
}
