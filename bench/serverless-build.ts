// The esbuild options serverless.yml gives serverless-esbuild, read as the benches need them: the bundles
// they time are built as `serverless package` builds them, the policy compiled in the same way.
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BuildOptions } from 'esbuild';
import { parse as parseYaml } from 'yaml';

export const root = fileURLToPath(new URL('..', import.meta.url));

/** The custom.esbuild keys that are esbuild options; `exclude` is checked separately (nothing external). */
const esbuildKeys = ['bundle', 'minify', 'sourcemap', 'target', 'platform', 'format', 'mainFields'] as const;

function record(value: unknown, where: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new Error(`serverless.yml: ${where} is not a mapping`);
  }
  return value as Record<string, unknown>;
}

/** The `${file(./build/serverless/policy-resources.cjs):name}` values of custom.esbuild.define, as serverless resolves them. */
function resolveDefine(define: Record<string, unknown>): Record<string, string> {
  // The bundles carry the demo's policy unless told otherwise: the root's rollout.config.yml is a starter.
  process.env.ROLLOUT_POLICY_FILE ??= path.join(root, 'examples/demo.config.yml');
  const resources = createRequire(import.meta.url)('../build/serverless/policy-resources.cjs') as Record<
    string,
    () => string
  >;
  return Object.fromEntries(
    Object.entries(define).map(([key, value]) => {
      const name = /^\$\{file\(\.\/build\/serverless\/policy-resources\.cjs\):(\w+)\}$/.exec(String(value))?.[1];
      const resolve = name === undefined ? undefined : resources[name];
      if (resolve === undefined)
        throw new Error(`custom.esbuild.define.${key}: the bench resolves only policy-resources.cjs values`);
      return [key, resolve()];
    }),
  );
}

/**
 * Each function's entry file and the esbuild options, the define resolved with the policy ROLLOUT_POLICY_FILE
 * names (the demo's when unset).
 */
export function readServerless(): { functions: { name: string; entry: string }[]; options: BuildOptions } {
  const doc = record(parseYaml(readFileSync(path.join(root, 'serverless.yml'), 'utf8'), { merge: true }), 'the file');
  const custom = record(record(doc.custom, 'custom').esbuild, 'custom.esbuild');
  const exclude = custom.exclude ?? [];
  if (!Array.isArray(exclude) || exclude.length > 0) {
    throw new Error('serverless.yml: custom.esbuild.exclude must be [] (the bench bundles everything)');
  }
  for (const key of Object.keys(custom)) {
    if (key !== 'exclude' && key !== 'define' && !(esbuildKeys as readonly string[]).includes(key)) {
      console.error(`warning: custom.esbuild.${key} is not applied by the bench`);
    }
  }
  // esbuild validates the option types itself and names the bad one.
  const options = Object.fromEntries(esbuildKeys.filter((k) => k in custom).map((k) => [k, custom[k]])) as BuildOptions;
  if (custom.define !== undefined) options.define = resolveDefine(record(custom.define, 'custom.esbuild.define'));
  if (options.format !== 'cjs') {
    throw new Error('bench loads bundles with require(): custom.esbuild.format must be cjs');
  }

  const functions = Object.entries(record(doc.functions, 'functions')).map(([name, definition]) => {
    const handler = record(definition, `functions.${name}`).handler;
    if (typeof handler !== 'string') throw new Error(`serverless.yml: functions.${name}.handler is not a string`);
    const base = handler.slice(0, handler.lastIndexOf('.'));
    const entry = ['.ts', '.js'].map((ext) => base + ext).find((file) => existsSync(path.join(root, file)));
    if (entry === undefined) throw new Error(`functions.${name}: no ${base}.ts or ${base}.js`);
    return { name, entry };
  });
  return { functions, options };
}
