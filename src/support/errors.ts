/**
 * A usage, configuration, template or I/O problem: the CLI prints its message
 * (never a stack trace) and exits 2. Problems in PORTS.md itself are
 * diagnostics, not exceptions.
 */
export class PortbookError extends Error {
  override name = 'PortbookError';
  constructor(
    message: string,
    readonly exitCode: 1 | 2 = 2,
  ) {
    super(message);
  }
}
