// Parses an AsyncAPI document with the official parser, the one `asyncapi validate`
// runs, and prints one line per diagnostic. Exits 1 if any is an error.
// Usage: node tools/asyncapi/validate.cjs contracts/asyncapi.json
"use strict";

const fs = require("node:fs");
const path = require("node:path");
const { Parser, DiagnosticSeverity } = require("@asyncapi/parser");

const LEVELS = ["error", "warning", "information", "hint"];

async function main() {
  const file = path.resolve(process.argv[2] || "contracts/asyncapi.json");
  const diagnostics = await new Parser().validate(fs.readFileSync(file, "utf8"), { source: file });
  for (const d of diagnostics) {
    const where = d.path.join(".") || "(root)";
    console.log(`${LEVELS[d.severity]} ${d.code} at ${where}: ${d.message}`);
  }
  const errors = diagnostics.filter((d) => d.severity === DiagnosticSeverity.Error).length;
  console.log(`${file}: ${errors} errors, ${diagnostics.length - errors} other diagnostics`);
  process.exit(errors ? 1 : 0);
}

main().catch((error) => {
  console.error(error);
  process.exit(2);
});
