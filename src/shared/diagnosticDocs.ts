// Where each diagnostic code is explained for learners: docs/diagnostics/<code>.md, shipped with the extension and the
// CLI package. The one place that fact lives: the extension links Problems and hovers to it (Diagnostic.codeDescription),
// and the fixes of external runs (PyTorch) name it in `Fix.docs`.

/** The docs page of a diagnostic code, relative to the gradscope package root (`/`-separated); undefined for an odd code. */
export function diagnosticDocsPath(code: string): string | undefined {
  return /^[a-z0-9-]+$/.test(code) ? `docs/diagnostics/${code}.md` : undefined;
}
