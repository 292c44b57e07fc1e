import js from '@eslint/js';
import tseslint from 'typescript-eslint';

// The dashboard's own lint (the root config ignores dashboard/**): same house rules, browser code.
export const config = tseslint.config(
  { ignores: ['dist/**', 'eslint.config.js', 'vite.config.ts'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['src/**/*.ts', 'src/**/*.tsx'],
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/switch-exhaustiveness-check': 'error',
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-restricted-syntax': [
        'error',
        { selector: 'ExportDefaultDeclaration', message: 'Use named exports (house style).' },
        { selector: "MemberExpression[object.name='localStorage']", message: 'No tokens or state in localStorage: the session is an httpOnly cookie.' },
      ],
      'no-restricted-globals': ['error', { name: 'fetch', message: 'Call the API through api.ts (CSRF header, 401 handling, error envelope).' }],
    },
  },
  {
    files: ['src/api.ts'],
    rules: { 'no-restricted-globals': 'off' },
  },
);

export default config;
