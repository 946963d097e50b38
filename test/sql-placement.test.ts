import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

/**
 * Issue 9, one data-access style: SQL lives in `src/db` (repositories over the `Sql` handle), so
 * no other production file sends a statement itself.
 */
const root = path.resolve(import.meta.dirname, '..');
const scanned = ['src', 'activities', 'workflows'];
const sqlHome = path.join(root, 'src', 'db') + path.sep;

/** A literal that opens like a statement: what `.query(...)` / `.exec(...)` would be given. */
const statementStart =
  /^\s*(select|insert|update|delete|with|create|alter|drop|truncate|begin|commit|rollback)\b/i;
/** A literal shaped like a statement wherever it is written (a constant passed along later). */
const statementShape =
  /^\s*(select\s[\s\S]*\bfrom\s|insert\s+into\s|update\s+\w+\s+set\s|delete\s+from\s|create\s+(table|(unique\s+)?index)\s)/i;

function literalText(node: ts.Node): string | undefined {
  if (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node)) return node.text;
  if (ts.isTemplateExpression(node)) return node.head.text;
  return undefined;
}

/** `line: code` for each SQL statement written in `source`. */
function sqlStatements(fileName: string, source: string): string[] {
  const file = ts.createSourceFile(fileName, source, ts.ScriptTarget.Latest, true);
  const found: string[] = [];
  const report = (node: ts.Node) => {
    const { line } = file.getLineAndCharacterOfPosition(node.getStart(file));
    found.push(`${line + 1}: ${node.getText(file).split('\n')[0]}`);
  };
  const visit = (node: ts.Node): void => {
    if (
      ts.isCallExpression(node) &&
      ts.isPropertyAccessExpression(node.expression) &&
      ['query', 'exec'].includes(node.expression.name.text) &&
      node.arguments[0] &&
      statementStart.test(literalText(node.arguments[0]) ?? '')
    ) {
      report(node);
      return;
    }
    const text = literalText(node);
    if (text !== undefined && statementShape.test(text)) report(node);
    ts.forEachChild(node, visit);
  };
  visit(file);
  return found;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const full = path.join(dir, e.name);
    if (e.isDirectory()) return sourceFiles(full);
    return /\.(ts|mts|js|mjs)$/.test(e.name) && !e.name.endsWith('.d.ts') ? [full] : [];
  });
}

describe('SQL placement', () => {
  it('finds statements sent or kept outside a repository, and nothing else', () => {
    const found = sqlStatements(
      'example.ts',
      [
        "await db.query('select 1');",
        "await c.get('deps').db.query<{ n: number }>(`select n from t where id = $1`, [id]);",
        "await tx.exec('create table t (id text)');",
        'const byId = `SELECT * FROM orders WHERE id = ${x}`;',
        "c.req.query('productId');",
        'handle.query(progressQuery);',
        '/^(\\d+)$/.exec(text);',
        "log.info('Create server failed: insufficient capacity');",
        'await this.deleteUntilGone(`delete VPC ${id}`, opts, gone);',
      ].join('\n'),
    );
    expect(found.map((f) => f.split(':')[0])).toEqual(['1', '2', '3', '4']);
  });

  it('keeps every SQL statement in src/db', () => {
    const offenders = scanned
      .flatMap((dir) => sourceFiles(path.join(root, dir)))
      .filter((file) => !file.startsWith(sqlHome))
      .flatMap((file) =>
        sqlStatements(file, readFileSync(file, 'utf8')).map(
          (hit) => `${path.relative(root, file)}:${hit}`,
        ),
      );
    expect(offenders, 'move these statements into src/db/repositories').toEqual([]);
  });
});
