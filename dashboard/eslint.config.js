// ESLint: TypeScript's recommended rules and React's rules of hooks, over the app, its tests and
// the dev server's fixtures. `npm run lint` (and `make lint`) must pass with no warning.
import js from "@eslint/js";
import reactHooks from "eslint-plugin-react-hooks";
import globals from "globals";
import tseslint from "typescript-eslint";

export default tseslint.config(
  { ignores: ["dist/", "node_modules/", "src/api/generated/openapi.ts"] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ["**/*.{ts,tsx,js,mjs}"],
    languageOptions: { globals: { ...globals.browser, ...globals.node } },
    plugins: { "react-hooks": reactHooks },
    rules: {
      // The rules of hooks. The plugin's React Compiler rules (set-state-in-effect, refs, …) are
      // not on: the pages copy live messages into state from effects by design.
      "react-hooks/rules-of-hooks": "error",
      "react-hooks/exhaustive-deps": "error",
      // A variable given its default before the branches that may replace it reads well here.
      "no-useless-assignment": "off",
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
    },
    linterOptions: { reportUnusedDisableDirectives: "error" },
  },
);
