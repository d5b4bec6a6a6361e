import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'out/**', '.vscode-test/**', 'examples/**', 'test/fixtures/**', 'artifacts/**', '*.vsix'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      globals: {
        process: 'readonly',
        console: 'readonly',
        Buffer: 'readonly',
        setTimeout: 'readonly',
        clearTimeout: 'readonly',
        setInterval: 'readonly',
        clearInterval: 'readonly',
        URL: 'readonly',
      },
    },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
      eqeqeq: ['error', 'smart'],
    },
  },
  {
    // The webview renders strings from the trace: they are text, never markup.
    files: ['webview/**/*.ts'],
    rules: {
      'no-restricted-properties': [
        'error',
        { property: 'innerHTML', message: 'Strings from the trace are text: use textContent.' },
        { property: 'outerHTML', message: 'Strings from the trace are text: use textContent.' },
        { property: 'insertAdjacentHTML', message: 'Strings from the trace are text: use textContent.' },
      ],
      'no-restricted-imports': [
        'error',
        {
          paths: ['vscode'],
          patterns: [
            { group: ['node:*', 'fs', 'child_process'], message: 'The panel runs in a browser.' },
            // What the panel shares with the host is data and words: src/shared only.
            { regex: '^\\.\\./src/(?!shared/)', message: 'The webview imports from src/ only through src/shared/.' },
          ],
        },
      ],
    },
  },
  {
    // src/shared is read by the host and the webview alike: no vscode, no Node.
    files: ['src/shared/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: ['vscode'],
          patterns: [{ regex: '^node:|^fs$|^child_process$|^\\.\\./(?!shared/)', message: 'src/shared is pure: it imports only from src/shared.' }],
        },
      ],
    },
  },
  {
    // The tracer runs strace; where a call is in the source is its caller's SiteLocator.
    files: ['src/tracer/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: [{ regex: '^\\.\\./sites(/|$)', message: 'The tracer takes a SiteLocator from its caller: it does not build one.' }] },
      ],
    },
  },
  {
    // The core runs in the CLI, the extension host and the webview: no vscode, no processes.
    files: ['src/core/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { paths: ['vscode', 'child_process', 'node:child_process', 'fs', 'node:fs'] }],
    },
  },
  {
    // Fixes are computed from text the caller passes in: pure like the core; provider.ts alone reads files.
    files: ['src/fixes/**/*.ts'],
    ignores: ['src/fixes/provider.ts'],
    rules: {
      'no-restricted-imports': ['error', { paths: ['vscode', 'child_process', 'node:child_process', 'fs', 'node:fs', 'fs/promises', 'node:fs/promises'] }],
    },
  },
);
