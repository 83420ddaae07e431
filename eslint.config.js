// ESLint for the web page (api/web/*.js): ES modules the browser loads as they are, with no
// build step. `make lint` and `make test` run `npx --no-install eslint api/web`.

import js from "@eslint/js";
import globals from "globals";

export default [
  // Not ours, or not source: the virtualenv holds other packages' JavaScript.
  { ignores: [".venv/", "node_modules/", "artifacts/", "build/"] },
  js.configs.recommended,
  {
    files: ["api/web/**/*.js"],
    languageOptions: {
      ecmaVersion: 2022, // syntax every browser the page supports can parse as it is served
      sourceType: "module",
      globals: globals.browser,
    },
  },
  {
    // This file runs in Node.
    files: ["eslint.config.js"],
    languageOptions: { sourceType: "module", globals: globals.node },
  },
];
