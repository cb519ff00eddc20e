import { beforeAll, describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { ESLint } from 'eslint';

// The runtime boundaries in eslint.config.js, checked through ESLint's own API. Each case lints
// text under a virtual file path at least three folders deep inside the real runtime folder, so a
// rule that only matched a fixed number of '../' would miss it. The imported targets are real
// files: import-x/no-restricted-paths judges the resolved file, not the spelling of the path.
const root = join(__dirname, '..');
const PATHS = 'import-x/no-restricted-paths';
const IMPORTS = 'no-restricted-imports';

let eslint: ESLint;
beforeAll(() => {
  eslint = new ESLint({ cwd: root });
});

async function errorsOf(filePath: string, code: string): Promise<{ ruleId: string | null; message: string }[]> {
  const [result] = await eslint.lintText(code, { filePath: join(root, filePath) });
  if (!result) throw new Error(`ESLint returned no result for ${filePath}`);
  return result.messages.filter((m) => m.severity === 2).map((m) => ({ ruleId: m.ruleId, message: m.message }));
}

const importOf = (spec: string) => `import * as target from '${spec}';\nexport default target;\n`;

describe('lint boundaries between runtimes', () => {
  it('imports real target files, so each forbidden import resolves', () => {
    for (const f of ['src/main/index.ts', 'src/server/index.ts', 'src/web/host.ts', 'src/renderer/src/main.tsx', 'src/shared/csv.ts']) {
      expect(existsSync(join(root, f)), f).toBe(true);
    }
  });

  const forbidden: { kind: string; file: string; code: string; rule: string }[] = [
    { kind: 'renderer → main', file: 'src/renderer/src/components/deep/x.tsx', code: importOf('../../../../main/index'), rule: PATHS },
    { kind: 'renderer → server (.js suffix)', file: 'src/renderer/src/components/deep/x.tsx', code: importOf('../../../../server/index.js'), rule: PATHS },
    { kind: 'renderer → web', file: 'src/renderer/src/store/deep/x.ts', code: importOf('../../../../web/host'), rule: PATHS },
    { kind: 'shared → main', file: 'src/shared/model/deep/more/x.ts', code: importOf('../../../../main/index'), rule: PATHS },
    { kind: 'shared → renderer', file: 'src/shared/model/deep/more/x.ts', code: importOf('../../../../renderer/src/main'), rule: PATHS },
    { kind: 'shared → server', file: 'src/shared/model/deep/more/x.ts', code: importOf('../../../../server/index'), rule: PATHS },
    { kind: 'shared → web', file: 'src/shared/model/deep/more/x.ts', code: importOf('../../../../web/host'), rule: PATHS },
    { kind: 'server → main', file: 'src/server/http/deep/more/x.ts', code: importOf('../../../../main/index'), rule: PATHS },
    { kind: 'server → renderer', file: 'src/server/http/deep/more/x.ts', code: importOf('../../../../renderer/src/main'), rule: PATHS },
    { kind: 'main/services → electron', file: 'src/main/services/export/deep/more/x.ts', code: importOf('electron'), rule: IMPORTS },
    { kind: 'server → electron', file: 'src/server/http/deep/more/x.ts', code: importOf('electron'), rule: IMPORTS },
    { kind: 'shared → electron', file: 'src/shared/model/deep/more/x.ts', code: importOf('electron'), rule: IMPORTS },
  ];

  for (const c of forbidden) {
    it(`reports ${c.kind} as an error (${c.rule})`, async () => {
      const errors = await errorsOf(c.file, c.code);
      expect(errors.map((e) => e.ruleId)).toContain(c.rule);
    });
  }

  it('allows renderer → shared at any depth', async () => {
    const errors = await errorsOf('src/renderer/src/components/deep/x.tsx', importOf('../../../../shared/csv'));
    expect(errors.filter((e) => e.ruleId === PATHS || e.ruleId === IMPORTS)).toEqual([]);
  });

  it('allows main/services → shared and the Electron shell (src/main/index.ts) → electron', async () => {
    expect(await errorsOf('src/main/services/export/deep/more/x.ts', importOf('../../../../../shared/csv'))).toEqual([]);
    expect(await errorsOf('src/main/index.ts', importOf('electron'))).toEqual([]);
  });
});
