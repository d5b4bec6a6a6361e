// Validates a SARIF log against the official SARIF 2.1.0 JSON schema, vendored as
// test/fixtures/sarif-2.1.0.schema.json (see test/fixtures/README.md for its source).
// The schema is JSON Schema draft-04: Ajv's draft-04 flavour, with its formats (uri, date-time).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Ajv from 'ajv-draft-04';
import addFormats from 'ajv-formats';

const SCHEMA = join(__dirname, '..', 'fixtures', 'sarif-2.1.0.schema.json');

let validator: ReturnType<Ajv['compile']> | null = null;

/** The schema's complaints about `log`, one line each; empty when it is valid SARIF 2.1.0. */
export function sarifErrors(log: unknown): string[] {
  if (!validator) {
    // unicodeRegExp off: the schema's language pattern (`…]?$`) is valid ECMA-262 only without the u flag.
    const ajv = new Ajv({ allErrors: true, strict: false, unicodeRegExp: false });
    addFormats(ajv);
    validator = ajv.compile(JSON.parse(readFileSync(SCHEMA, 'utf8')) as object);
  }
  if (validator(log)) return [];
  return (validator.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message ?? ''} ${JSON.stringify(e.params)}`);
}
