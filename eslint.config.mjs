// @ts-check
// ESLint for the whole repository (`npm run lint` = `eslint . && knip && prettier --check .`).
// TypeScript: typescript-eslint's recommended + type-checked rules. Each file is checked against the tsconfig
// nearest to it (the project service), so src/extension, webview and test/integration get their own settings
// (vscode types, DOM lib) exactly as `npm run compile` sees them. Plain JS (scripts, e2e drivers, build, bin)
// gets ESLint's recommended rules with Node globals. Formatting is Prettier's job: eslint-config-prettier last.
// `npm run lint` caches results in node_modules/.cache (typed linting takes ~40 s from scratch here). The cache
// keys on each file's content, so a type change in one file does not re-lint the unchanged files that use it: a
// fresh clone (CI) lints everything, and deleting node_modules/.cache forces that locally.
import eslint from '@eslint/js';
import { defineConfig, globalIgnores } from 'eslint/config';
import prettier from 'eslint-config-prettier';
import globals from 'globals';
import tseslint from 'typescript-eslint';

// Layer boundaries (issue 7, TEAM.md "Architecture"). A later block replaces the whole rule, so each block lists
// every pattern that applies to its folders.
const noTensorflow = {
  group: ['@tensorflow/*'],
  message: 'Only src/training/engine/ (the engine process) loads TensorFlow.js; the host and the pure modules must not.',
};
const noVscode = {
  group: ['vscode'],
  message: 'src/training/, src/shared/ and the plain-Node tests run outside VS Code (CLI, engine process): no vscode import.',
};
/** @param {{ group: string[]; message: string }[]} patterns */
const restrictImports = (...patterns) => ['error', { patterns }];

export default defineConfig(
  globalIgnores(['out/', 'dist/', 'node_modules/', 'scratch/', 'test-results/', '.gradscope/', '.vscode-test/']),

  {
    files: ['**/*.{js,mjs,cjs}'],
    extends: [eslint.configs.recommended],
    languageOptions: { globals: { ...globals.node } },
  },
  { files: ['**/*.js'], languageOptions: { sourceType: 'commonjs' } },

  {
    files: ['**/*.ts'],
    extends: [eslint.configs.recommended, tseslint.configs.recommendedTypeChecked],
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    rules: {
      // Every `switch` over a union names each member, even when it has a `default` (which may then only hold
      // the `never` check): a new message type, layer kind or activation must not fall through silently.
      '@typescript-eslint/switch-exhaustiveness-check': 'error',
      '@typescript-eslint/no-floating-promises': 'error',
      // Shapes print as `[${shape}]` → [28,28,1] in messages, on purpose. Arrays of objects are still refused
      // (here and by no-base-to-string); the rule's other defaults stay.
      '@typescript-eslint/restrict-template-expressions': ['error', { allowArray: true }],
      'no-shadow': 'off',
      '@typescript-eslint/no-shadow': 'error',
      // `_`-prefixed names are the deliberate way to say "unused" (destructuring to drop a key, a required
      // callback parameter).
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', ignoreRestSiblings: true },
      ],
      // The style guide's point 11 where a rule can hold it: `import type`, explicit types at module boundaries.
      // eqeqeq 'smart' keeps `== null` (null or undefined) and nothing else loose.
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      '@typescript-eslint/explicit-module-boundary-types': 'error',
      eqeqeq: ['error', 'smart'],
      '@typescript-eslint/no-restricted-imports': restrictImports(noTensorflow),
      // A `let` read by a callback created before its one assignment (the webview's dashboard and its redraw
      // scheduler need each other) cannot be a `const`.
      'prefer-const': ['error', { ignoreReadBeforeAssign: true }],
    },
  },
  {
    files: ['src/training/**/*.ts', 'src/shared/**/*.ts'],
    rules: { '@typescript-eslint/no-restricted-imports': restrictImports(noTensorflow, noVscode) },
  },
  {
    // The engine process is the one place that loads TensorFlow.js; the unit tests and the benchmark drive it.
    files: ['src/training/engine/**/*.ts', 'test/unit/**/*.ts', 'bench/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': restrictImports(noVscode),
      // tfjs-node is an optional dependency: loaded with a plain require inside a try, so a missing one is a message.
      '@typescript-eslint/no-require-imports': ['error', { allow: ['^@tensorflow/tfjs-node$'] }],
    },
  },

  prettier,
);
