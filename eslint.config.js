// Lint for the whole tree (`npm run lint`, run by CI before the tests): typescript-eslint's
// recommended rules for TypeScript, eslint-plugin-svelte's for the web app's components.
import js from '@eslint/js';
import svelte from 'eslint-plugin-svelte';
import globals from 'globals';
import ts from 'typescript-eslint';
import svelteConfig from './web/svelte.config.js';

export default ts.config(
  {
    ignores: [
      '**/node_modules/',
      'web/build/',
      'web/.svelte-kit/',
      'workspace/',
      'test-artifacts/',
      '.bench-tmp/',
      'node-schemas/json-schema/',
      'pipelines/**/*.py',
    ],
  },
  js.configs.recommended,
  ...ts.configs.recommended,
  ...svelte.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node, ...globals.browser } },
    rules: {
      // Control characters are matched on purpose: to refuse them in names, and to strip ANSI colours.
      'no-control-regex': 'off',
      // EDL columns are runs of spaces; a test matching '001  S999' reads better than '001 {2}S999'.
      'no-regex-spaces': 'off',
      // The engine serves the app at the root of its origin and never under a base path, so a link
      // or goto() needs no resolve().
      'svelte/no-navigation-without-resolve': 'off',
      // `_`-prefixed names are deliberately unused (a handler's ignored arguments, a rest split).
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrorsIgnorePattern: '^_', ignoreRestSiblings: true },
      ],
    },
  },
  {
    files: ['**/*.svelte', '**/*.svelte.ts'],
    languageOptions: { parserOptions: { projectService: false, extraFileExtensions: ['.svelte'], parser: ts.parser, svelteConfig } },
  },
);
