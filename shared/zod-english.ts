// The schemas use zod/mini: the same checks as zod at a small fraction of the bundle (see `npm run bench`).
// zod/mini carries no messages of its own; this loads the English ones once, for the errors people read.
// Imported for its effect only: schemas import zod/mini by name so esbuild can drop what they do not use.
import { config } from 'zod/mini';
import en from 'zod/v4/locales/en.js';

config(en());
