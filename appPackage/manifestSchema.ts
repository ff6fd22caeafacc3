/**
 * Offline validation of a Teams manifest against the schema that @microsoft/app-manifest ships.
 *
 * Why not call `AppManifestUtils.validateAgainstSchema` itself: the package's entry point
 * requires `strip-bom` 5, which is ESM-only, so loading it fails on Node 20 before 20.19 and
 * under jest. Its validator is a thin wrapper over ajv (draft-04, formats uri/email/regex,
 * allErrors); this builds the same one from the ajv the package depends on, and the test
 * checks that both give the same answers.
 */
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

/** A manifest as JSON; the schema, not this type, is the authority on its shape. */
export type ManifestJson = { readonly [key: string]: unknown };

export type Validation = { ok: true } | { ok: false; errors: string[] };

interface AjvError {
  readonly instancePath: string;
  readonly message?: string;
  readonly params?: unknown;
}
interface AjvValidate {
  (data: unknown): boolean;
  errors?: AjvError[] | null;
}
interface Ajv {
  compile(schema: unknown): AjvValidate;
}

const manifestPackageJson = require.resolve('@microsoft/app-manifest/package.json');
// Resolved from the manifest package, whose dependencies they are, not from ours.
const requireFromManifestPackage = createRequire(manifestPackageJson);

/** The Teams manifest schema that @microsoft/app-manifest ships for a manifestVersion. */
export function schemaFileFor(manifestVersion: string): string {
  return join(dirname(manifestPackageJson), 'build', 'json-schemas', 'teams', `v${manifestVersion}`, 'MicrosoftTeams.schema.json');
}

function compile(schema: unknown): AjvValidate {
  const AjvDraft04 = (requireFromManifestPackage('ajv-draft-04') as { default: new (options: object) => Ajv }).default;
  const addFormats = (requireFromManifestPackage('ajv-formats') as { default: (ajv: Ajv, formats: string[]) => void }).default;
  const ajv = new AjvDraft04({ allErrors: true, strictTypes: false });
  addFormats(ajv, ['uri', 'email', 'regex']);
  return ajv.compile(schema);
}

/** Messages in @microsoft/app-manifest's format: "<json pointer> <message>. Details: <params>". */
export function validateAgainstSchema(manifest: ManifestJson, schema: unknown): string[] {
  const validate = compile(schema);
  if (validate(JSON.parse(JSON.stringify(manifest)))) return [];
  return (validate.errors ?? []).map((e) => `${e.instancePath} ${e.message ?? ''}. Details: ${e.params ? JSON.stringify(e.params) : ''}`);
}

/** Validates against the shipped schema for the manifest's own manifestVersion; never downloads. */
export async function validateManifest(manifest: ManifestJson): Promise<Validation> {
  const version = manifest.manifestVersion;
  if (typeof version !== 'string' || !/^\d+\.\d+$/.test(version)) return { ok: false, errors: ['manifest.json has no manifestVersion like "1.30".'] };
  let schema: unknown;
  try {
    schema = JSON.parse(await readFile(schemaFileFor(version), 'utf8'));
  } catch {
    return { ok: false, errors: [`@microsoft/app-manifest ships no schema for manifestVersion ${version}.`] };
  }
  const problems = validateAgainstSchema(manifest, schema);
  return problems.length === 0 ? { ok: true } : { ok: false, errors: problems.map((p) => `manifest.json${p}`) };
}
