#!/usr/bin/env node
// The `rollout` command (npx rollout replay ...): runs the TypeScript sources through tsx.
import { register } from 'tsx/esm/api';

register();
await import('../cli/rollout-cli.ts');
