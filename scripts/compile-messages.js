// Compiles messages/*.json into src/lib/paraglide (generated, not committed).
import { compile } from '@inlang/paraglide-js';
import { paraglideOptions } from '../i18n.config.js';

await compile(paraglideOptions);
