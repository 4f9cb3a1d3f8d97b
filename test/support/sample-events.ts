import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const eventsDirectory = fileURLToPath(new URL('../../events/', import.meta.url));

export function sampleEventPath(name: string): string {
  return `${eventsDirectory}${name}.json`;
}

/** A fresh copy of a sample event from events/: tests change their copy, never the file. */
export function sampleEvent(name: string): Record<string, unknown> & { detail: Record<string, unknown> } {
  return structuredClone(JSON.parse(readFileSync(sampleEventPath(name), 'utf8')));
}
